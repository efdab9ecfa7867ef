package nfttrace

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"

	"sigs.k8s.io/knftables"
)

// Packet is the first packet of a connection.
type Packet struct {
	// Src and Dst are the source and destination addresses.
	Src, Dst netip.Addr
	// DPort is the destination port.
	DPort uint16
	// Protocol is "tcp", "udp" or "sctp".
	Protocol string
}

// Verdict is a packet's fate.
type Verdict string

// Verdicts.
const (
	Accept Verdict = "ACCEPT"
	Drop   Verdict = "DROP"
	Reject Verdict = "REJECT"
)

// Step is one rule that matched.
type Step struct {
	// Chain is the chain holding the rule.
	Chain string
	// Rule is the rule's text, and Comment its comment.
	Rule, Comment string
	// Verdict is the rule's verdict ("goto x", "drop", ...), empty when it
	// only acted (counter, mark, set update) and the chain went on.
	Verdict string
}

// SetUpdate is a "update @set { ... }" that a path performed.
type SetUpdate struct {
	Set, Key string
}

// Path is one possible fate of a packet.
type Path struct {
	// Verdict is what became of the packet.
	Verdict Verdict
	// DNAT is the translated destination, invalid when not translated.
	DNAT netip.AddrPort
	// Masquerade tells whether the source was masqueraded.
	Masquerade bool
	// Steps are the matching rules, in order.
	Steps []Step
	// Updates are the set updates (ClientIP affinity) the path made.
	Updates []SetUpdate
}

// Result holds every path a packet can take.
type Result struct {
	Paths []Path
}

// Tracer traces packets through one ruleset. It remembers affinity set
// updates passed to Commit, as the kernel would after a first connection.
type Tracer struct {
	rs    *Ruleset
	local map[netip.Addr]bool
	sets  map[string][]string
}

// New returns a tracer for rs on a host with the given local addresses
// (which "fib ... type local" matches, and from which packets start on the
// output path). Loopback addresses are always local.
func New(rs *Ruleset, local []netip.Addr) *Tracer {
	t := &Tracer{rs: rs, local: map[netip.Addr]bool{}, sets: map[string][]string{}}
	for _, a := range local {
		t.local[a.Unmap()] = true
	}
	return t
}

// NewFromFake snapshots fake and returns a tracer for it.
func NewFromFake(fake *knftables.Fake, local []netip.Addr) (*Tracer, error) {
	rs, err := FromFake(fake)
	if err != nil {
		return nil, err
	}
	return New(rs, local), nil
}

func (t *Tracer) isLocal(a netip.Addr) bool { return a.IsLoopback() || t.local[a.Unmap()] }

// Commit applies a path's set updates to the tracer's state, so that later
// traces see the affinity the path created.
func (t *Tracer) Commit(p Path) {
	for _, u := range p.Updates {
		t.sets[u.Set] = append(t.sets[u.Set], u.Key)
	}
}

// Trace follows pkt along every random branch.
func (t *Tracer) Trace(pkt Packet) (Result, error) {
	var res Result
	var walk func(choices []int) error
	walk = func(choices []int) error {
		path, sizes, err := t.walk(pkt, choices)
		if err != nil {
			return err
		}
		if len(sizes) > len(choices) {
			for i := 0; i < sizes[len(choices)]; i++ {
				if err := walk(append(slices.Clone(choices), i)); err != nil {
					return err
				}
			}
			return nil
		}
		res.Paths = append(res.Paths, path)
		return nil
	}
	return res, walk(nil)
}

// walk runs the hooks for one choice of branches.
func (t *Tracer) walk(pkt Packet, choices []int) (Path, []int, error) {
	var path Path
	e := &eval{rs: t.rs, local: t.isLocal, sets: t.sets, path: &path, choices: choices,
		pkt: &packetState{src: pkt.Src, dst: pkt.Dst, proto: pkt.Protocol, dport: pkt.DPort}}
	hooks := []knftables.BaseChainHook{knftables.PreroutingHook, "", knftables.PostroutingHook}
	if t.isLocal(pkt.Src) {
		hooks = []knftables.BaseChainHook{knftables.OutputHook, knftables.PostroutingHook}
	}
	path.Verdict = Accept
	for _, hook := range hooks {
		if hook == "" {
			hook = knftables.ForwardHook
			if t.isLocal(e.pkt.dst) {
				hook = knftables.InputHook
			}
		}
		for _, c := range t.rs.base[hook] {
			o, err := e.runChain(c.name)
			if err != nil {
				return path, nil, err
			}
			switch o {
			case drop:
				path.Verdict = Drop
				return path, e.sizes, nil
			case reject:
				path.Verdict = Reject
				return path, e.sizes, nil
			}
		}
		if hook == knftables.InputHook {
			break
		}
	}
	return path, e.sizes, nil
}

// String summarizes the result: the distinct outcomes of its paths,
// sorted and joined by ", ". An outcome is "DROP", "REJECT", "ACCEPT" or a
// DNAT target such as "10.0.0.1:80"; " masq" follows masqueraded ones.
func (r Result) String() string {
	seen := map[string]bool{}
	var out []string
	for _, p := range r.Paths {
		s := string(p.Verdict)
		if p.Verdict == Accept && p.DNAT.IsValid() {
			s = p.DNAT.String()
		}
		if p.Masquerade {
			s += " masq"
		}
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	slices.Sort(out)
	return strings.Join(out, ", ")
}

// Explain prints every path with its steps, for test failures and users.
func (r Result) Explain() string {
	var b strings.Builder
	for i, p := range r.Paths {
		fmt.Fprintf(&b, "path %d: %s", i, p.Verdict)
		if p.DNAT.IsValid() {
			fmt.Fprintf(&b, " to %s", p.DNAT)
		}
		if p.Masquerade {
			b.WriteString(" (masqueraded)")
		}
		b.WriteString("\n")
		for _, s := range p.Steps {
			fmt.Fprintf(&b, "  [%s] %s\n", s.Chain, s.Rule)
		}
	}
	return b.String()
}
