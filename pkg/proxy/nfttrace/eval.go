package nfttrace

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"
)

// outcome is how a chain or rule ended.
type outcome int

const (
	// next: the rule did not match, or matched without a verdict.
	next outcome = iota
	// cont: the chain ended or returned; the caller goes on.
	cont
	accept
	drop
	reject
)

// eval is one walk of one packet along one choice of random branches.
type eval struct {
	rs    *Ruleset
	local func(netip.Addr) bool
	sets  map[string][]string // affinity state learnt from earlier traces
	pkt   *packetState
	path  *Path
	// choices are the branches to take at each numgen, in order; sizes
	// records how many branches each numgen met had.
	choices []int
	sizes   []int
	depth   int
}

type packetState struct {
	src, dst netip.Addr
	proto    string
	dport    uint16
	mark     uint32
}

// runChain runs a chain and returns how it ended.
func (e *eval) runChain(name string) (outcome, error) {
	c, ok := e.rs.chains[name]
	if !ok {
		return 0, fmt.Errorf("no chain %q", name)
	}
	if e.depth++; e.depth > 64 {
		return 0, fmt.Errorf("chain nesting too deep at %q", name)
	}
	defer func() { e.depth-- }()
	for _, r := range c.rules {
		out, target, err := e.runRule(c.name, r)
		if err != nil {
			return 0, fmt.Errorf("chain %s, rule %q: %w", name, r.text, err)
		}
		switch {
		case out == next && target == "":
			continue
		case strings.HasPrefix(target, "jump "):
			o, err := e.runChain(strings.TrimPrefix(target, "jump "))
			if err != nil || (o != cont && o != next) {
				return o, err
			}
		case strings.HasPrefix(target, "goto "):
			return e.runChain(strings.TrimPrefix(target, "goto "))
		default:
			return out, nil
		}
	}
	return cont, nil
}

// runRule evaluates one rule: its matches left to right, then its
// statements. It returns next when the rule does not apply, or a verdict,
// or a jump/goto target.
func (e *eval) runRule(chain string, r *parsedRule) (outcome, string, error) {
	p := &parser{toks: r.tokens}
	for !p.done() {
		matched, verdict, stop, err := e.step(p)
		if err != nil {
			return 0, "", err
		}
		if !matched {
			return next, "", nil
		}
		if stop {
			e.record(chain, r, verdict)
			return verdictOutcome(verdict)
		}
	}
	e.record(chain, r, "")
	return next, "", nil
}

func (e *eval) record(chain string, r *parsedRule, verdict string) {
	e.path.Steps = append(e.path.Steps, Step{Chain: chain, Rule: r.text, Comment: r.comment, Verdict: verdict})
}

func verdictOutcome(v string) (outcome, string, error) {
	switch {
	case v == "accept":
		return accept, "", nil
	case v == "drop":
		return drop, "", nil
	case v == "reject":
		return reject, "", nil
	case v == "return":
		return cont, "", nil
	case strings.HasPrefix(v, "jump ") || strings.HasPrefix(v, "goto "):
		return next, v, nil
	}
	return 0, "", fmt.Errorf("unknown verdict %q", v)
}

// step consumes one match or statement. matched is false when a match
// fails; stop is true when the rule ends with verdict.
func (e *eval) step(p *parser) (matched bool, verdict string, stop bool, err error) {
	switch tok := p.peek(); tok {
	case "jump", "goto":
		p.next()
		return true, tok + " " + p.next(), true, nil
	case "accept", "drop", "return":
		p.next()
		return true, tok, true, nil
	case "reject":
		p.next()
		if p.peek() == "with" {
			p.skipRest()
		}
		return true, "reject", true, nil
	case "counter":
		p.next()
		if p.peek() == "name" {
			p.next()
			p.next()
		}
		return true, "", false, nil
	case "masquerade":
		p.skipRest()
		e.path.Masquerade = true
		return true, "accept", true, nil
	case "dnat":
		return e.dnat(p)
	case "update":
		return true, "", false, e.update(p)
	case "mark":
		if p.peekAt(1) == "set" {
			return true, "", false, e.setMark(p)
		}
	}
	return e.match(p)
}

func (e *eval) dnat(p *parser) (bool, string, bool, error) {
	p.next()
	if p.next() != "to" {
		return false, "", false, fmt.Errorf("dnat without \"to\"")
	}
	ap, err := netip.ParseAddrPort(p.next())
	if err != nil {
		return false, "", false, fmt.Errorf("dnat target: %w", err)
	}
	e.path.DNAT = ap
	e.pkt.dst, e.pkt.dport = ap.Addr(), ap.Port()
	return true, "accept", true, nil
}

// update handles "update @set { ip saddr }": the path remembers the source
// in the set; Tracer.Commit makes it stick for later traces.
func (e *eval) update(p *parser) error {
	p.next()
	set := strings.TrimPrefix(p.next(), "@")
	if p.next() != "{" {
		return fmt.Errorf("update without {")
	}
	v, err := e.selector(p)
	if err != nil {
		return err
	}
	if p.next() != "}" {
		return fmt.Errorf("update without }")
	}
	e.path.Updates = append(e.path.Updates, SetUpdate{Set: set, Key: v})
	return nil
}

func (e *eval) setMark(p *parser) error {
	p.next()
	p.next()
	if p.next() != "mark" {
		return fmt.Errorf("only \"mark set mark <op> <value>\" is supported")
	}
	op, arg := p.next(), p.next()
	n, err := strconv.ParseUint(arg, 0, 32)
	if err != nil {
		return fmt.Errorf("mark value: %w", err)
	}
	switch op {
	case "or":
		e.pkt.mark |= uint32(n)
	case "xor":
		e.pkt.mark ^= uint32(n)
	case "and":
		e.pkt.mark &= uint32(n)
	default:
		return fmt.Errorf("mark operator %q", op)
	}
	return nil
}
