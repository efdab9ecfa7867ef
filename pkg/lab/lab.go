package lab

import (
	"context"
	"fmt"
	"log/slog"
	"net/netip"
	"slices"
	"strings"
)

// Lab is a lab that Up created or Load found. Its methods are safe for
// concurrent use; the lab itself lives in the kernel and in its run
// directory, not in this value, so dropping a Lab leaves the lab running.
type Lab struct {
	name       string
	runDir     string
	base       *slog.Logger // as given; logger adds the lab's name
	logger     *slog.Logger
	namespaces []Namespace
}

// Load returns the lab whose state is in runDir. A missing lab gives an error
// satisfying errors.Is(err, fs.ErrNotExist); a lab whose Up did not finish
// gives an error telling to run Down. logger may be nil.
func Load(runDir string, logger *slog.Logger) (*Lab, error) {
	st, err := readState(runDir)
	if err != nil {
		return nil, err
	}
	if st.Phase != phaseReady {
		return nil, fmt.Errorf("lab %q in %s is incomplete (phase %q): run lab down", st.Name, runDir, st.Phase)
	}
	return newLab(st.Name, st.Nodes, runDir, logger), nil
}

func newLab(name string, nodes int, runDir string, logger *slog.Logger) *Lab {
	return &Lab{
		name:       name,
		runDir:     runDir,
		base:       loggerOrDiscard(logger),
		logger:     loggerOrDiscard(logger).With("lab", name),
		namespaces: topology(name, nodes),
	}
}

// Name returns the lab's name.
func (l *Lab) Name() string { return l.name }

// RunDir returns the lab's run directory.
func (l *Lab) RunDir() string { return l.runDir }

// Namespaces returns every namespace of the lab: router, outside, then the
// nodes in order.
func (l *Lab) Namespaces() []Namespace { return slices.Clone(l.namespaces) }

// Nodes returns the nodes in order: node1, node2, ...
func (l *Lab) Nodes() []Node {
	var out []Node
	for _, ns := range l.namespaces {
		if ns.Role == RoleNode {
			out = append(out, ns)
		}
	}
	return out
}

// OutsideNS returns the outside client namespace.
func (l *Lab) OutsideNS() Namespace { return l.mustRole(RoleOutside) }

// RouterNS returns the router namespace.
func (l *Lab) RouterNS() Namespace { return l.mustRole(RoleRouter) }

// APIServerAddr is where the API server listens inside node1.
func (l *Lab) APIServerAddr() netip.AddrPort {
	return netip.AddrPortFrom(NodeAddr(1).Addr(), APIServerPort)
}

// Namespace returns the lab namespace called name: "router", "outside",
// "node1", ... or its full `ip netns` name ("<lab>-node1").
func (l *Lab) Namespace(name string) (Namespace, error) {
	for _, ns := range l.namespaces {
		if ns.Name == name || ns.NetNS == name {
			return ns, nil
		}
	}
	names := make([]string, len(l.namespaces))
	for i, ns := range l.namespaces {
		names[i] = ns.Name
	}
	return Namespace{}, fmt.Errorf("lab %q has no namespace %q (have %s)", l.name, name, strings.Join(names, ", "))
}

// Down removes the lab; see Down.
func (l *Lab) Down(ctx context.Context) error { return Down(ctx, l.runDir, l.base) }

func (l *Lab) mustRole(r Role) Namespace {
	for _, ns := range l.namespaces {
		if ns.Role == r {
			return ns
		}
	}
	panic("lab: topology without " + string(r)) // topology always has one
}
