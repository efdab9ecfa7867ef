package lab

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"slices"
	"time"

	"github.com/svcnet/svcnet/pkg/netnsutil"
)

// errCrash is returned by a test hook to make Up stop as if its process had
// died: without cleaning up.
var errCrash = errors.New("simulated crash")

// Up creates the lab described by c and returns it. It refuses, with an error
// satisfying errors.Is(err, fs.ErrExist), when c.RunDir already holds a lab
// or when one of the lab's namespace names is already taken. If building
// fails, Up removes what it made before returning the error; if Up's process
// dies, Down(c.RunDir) removes it.
func Up(ctx context.Context, c *Config) (*Lab, error) {
	return up(ctx, c, nil)
}

// up is Up with a hook called after each step; a hook returning errCrash
// stops Up without cleanup, for tests.
func up(ctx context.Context, c *Config, hook func(step string) error) (*Lab, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	start := time.Now()
	logger := loggerOrDiscard(c.Logger).With("lab", c.Name)
	unlock, err := lockRunDir(c.RunDir, true)
	if err != nil {
		return nil, err
	}
	defer unlock()
	if err := checkFree(c); err != nil {
		if _, serr := os.Stat(statePath(c.RunDir)); errors.Is(serr, fs.ErrNotExist) {
			// Refused before recording anything: leave no lock file behind.
			err = errors.Join(err, removeRunFiles(c.RunDir))
		}
		return nil, err
	}
	st := &state{Version: stateVersion, Name: c.Name, Nodes: c.Nodes, Phase: phaseCreating, Created: time.Now().UTC()}
	if err := writeState(c.RunDir, st); err != nil {
		return nil, err
	}
	b := &builder{runDir: c.RunDir, st: st, logger: logger, hook: hook, topo: topology(c.Name, c.Nodes)}
	if err := b.build(ctx); err != nil {
		if errors.Is(err, errCrash) {
			return nil, err
		}
		derr := downLocked(ctx, c.RunDir, logger)
		return nil, errors.Join(fmt.Errorf("lab up %q: %w", c.Name, err), derr)
	}
	st.Phase = phaseReady
	if err := writeState(c.RunDir, st); err != nil {
		return nil, errors.Join(err, downLocked(ctx, c.RunDir, logger))
	}
	logger.Info("lab up", "nodes", c.Nodes, "runDir", c.RunDir, "duration", time.Since(start))
	return newLab(c.Name, c.Nodes, c.RunDir, c.Logger), nil
}

// checkFree fails unless both the run directory and every namespace name of
// the lab are free.
func checkFree(c *Config) error {
	if _, err := os.Stat(statePath(c.RunDir)); err == nil {
		return fmt.Errorf("lab %q already exists (state in %s); run lab down first: %w", c.Name, c.RunDir, fs.ErrExist)
	} else if !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("check lab state: %w", err)
	}
	for _, ns := range topology(c.Name, c.Nodes) {
		if _, err := os.Lstat(ns.Path); err == nil {
			return fmt.Errorf("network namespace %s already exists (another lab of the same name, or not a lab's): %w", ns.NetNS, fs.ErrExist)
		}
	}
	return nil
}

// builder creates the lab's namespaces and links, recording each namespace in
// the state before creating it.
type builder struct {
	runDir string
	st     *state
	logger *slog.Logger
	hook   func(step string) error
	topo   []Namespace
}

func (b *builder) step(name string) error {
	if b.hook == nil {
		return nil
	}
	return b.hook(name)
}

func (b *builder) build(ctx context.Context) error {
	for _, ns := range b.topo {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := b.createNamespace(ns); err != nil {
			return err
		}
		if err := b.step("namespace " + ns.Name); err != nil {
			return err
		}
	}
	if err := b.wire(ctx); err != nil {
		return err
	}
	return b.step("wired")
}

// createNamespace records ns in the state, creates it and applies its
// sysctls. If the name was taken meanwhile by someone else, it is dropped
// from the state again so that Down never deletes it.
func (b *builder) createNamespace(ns Namespace) error {
	b.st.Namespaces = append(b.st.Namespaces, ns.NetNS)
	if err := writeState(b.runDir, b.st); err != nil {
		return err
	}
	if err := netnsutil.CreateNamed(ns.NetNS); err != nil {
		if errors.Is(err, fs.ErrExist) {
			b.st.Namespaces = slices.DeleteFunc(b.st.Namespaces, func(s string) bool { return s == ns.NetNS })
			return errors.Join(fmt.Errorf("create namespace %s: %w", ns.NetNS, err), writeState(b.runDir, b.st))
		}
		return fmt.Errorf("create namespace %s: %w", ns.NetNS, err)
	}
	if err := netnsutil.SetSysctls(ns.Path, sysctlsFor(ns.Role)); err != nil {
		return err
	}
	b.logger.Debug("namespace created", "netns", ns.NetNS)
	return nil
}

// sysctlsFor returns the per-namespace settings of a role. Reverse-path
// filtering is off everywhere so that the lab does not depend on the host's
// defaults, which a new namespace inherits; routers and nodes forward.
// route_localnet is left off: kube-proxy's nftables mode does not serve
// NodePorts on 127.0.0.1 either, and the agent may set it in its namespace.
func sysctlsFor(r Role) []netnsutil.Sysctl {
	s := []netnsutil.Sysctl{
		{Key: "net.ipv4.conf.all.rp_filter", Value: "0"},
		{Key: "net.ipv4.conf.default.rp_filter", Value: "0"},
	}
	if r == RoleRouter || r == RoleNode {
		s = append(s, netnsutil.Sysctl{Key: "net.ipv4.ip_forward", Value: "1"})
	}
	return s
}
