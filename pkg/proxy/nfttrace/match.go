package nfttrace

import (
	"fmt"
	"strconv"
	"strings"
)

// parser walks a rule's tokens.
type parser struct {
	toks []string
	pos  int
}

func (p *parser) done() bool { return p.pos >= len(p.toks) }

func (p *parser) peek() string { return p.peekAt(0) }

func (p *parser) peekAt(n int) string {
	if p.pos+n >= len(p.toks) {
		return ""
	}
	return p.toks[p.pos+n]
}

func (p *parser) next() string {
	t := p.peek()
	p.pos++
	return t
}

func (p *parser) skipRest() { p.pos = len(p.toks) }

// match evaluates "<expression> [op] <value>" or "<expression> vmap ...".
func (e *eval) match(p *parser) (bool, string, bool, error) {
	key, ok, err := e.expression(p)
	if err != nil || !ok {
		return false, "", false, err
	}
	switch p.peek() {
	case "vmap":
		p.next()
		v, found, err := e.vmap(p, key)
		return found, v, found, err
	case "!=":
		p.next()
		in, err := e.value(p, key)
		return !in, "", false, err
	case "==":
		p.next()
	case "", "jump", "goto", "accept", "drop", "reject", "return", "counter", "dnat", "masquerade", "update":
		// A bare selector such as "ct state new" reads as "== new" and
		// has consumed its value; nothing more to compare.
		return true, "", false, nil
	}
	in, err := e.value(p, key)
	return in, "", false, err
}

// expression evaluates a selector or a concatenation of selectors and
// returns the packet's value, formatted like a set key. ok is false when a
// selector carries a match of its own that fails ("tcp dport" on UDP).
func (e *eval) expression(p *parser) (string, bool, error) {
	var parts []string
	allOK := true
	for {
		v, ok, err := e.selectorWithCheck(p)
		if err != nil {
			return "", false, err
		}
		parts, allOK = append(parts, v), allOK && ok
		if p.peek() != "." {
			return strings.Join(parts, " . "), allOK, nil
		}
		p.next()
	}
}

func (e *eval) selector(p *parser) (string, error) {
	v, _, err := e.selectorWithCheck(p)
	return v, err
}

func (e *eval) selectorWithCheck(p *parser) (string, bool, error) {
	tok := p.next()
	switch tok {
	case "ip", "ip6":
		return e.addrField(p.next())
	case "meta":
		switch f := p.next(); f {
		case "l4proto":
			return e.pkt.proto, true, nil
		case "mark":
			return e.markExpr(p)
		default:
			return "", false, fmt.Errorf("meta %s", f)
		}
	case "th":
		return e.portField(p.next())
	case "tcp", "udp", "sctp":
		v, _, err := e.portField(p.next())
		return v, e.pkt.proto == tok, err
	case "fib":
		return e.fib(p)
	case "numgen":
		return e.numgen(p)
	case "mark":
		return e.markExpr(p)
	case "ct":
		if p.next() != "state" || p.next() != "new" {
			return "", false, fmt.Errorf("only \"ct state new\" is supported")
		}
		return "new", true, nil
	}
	return "", false, fmt.Errorf("unknown expression %q", tok)
}

func (e *eval) addrField(f string) (string, bool, error) {
	switch f {
	case "saddr":
		return e.pkt.src.String(), true, nil
	case "daddr":
		return e.pkt.dst.String(), true, nil
	}
	return "", false, fmt.Errorf("address field %q", f)
}

func (e *eval) portField(f string) (string, bool, error) {
	if f != "dport" {
		return "", false, fmt.Errorf("port field %q", f)
	}
	return strconv.Itoa(int(e.pkt.dport)), true, nil
}

// fib answers "fib saddr|daddr type": "local" for the host's addresses.
func (e *eval) fib(p *parser) (string, bool, error) {
	f := p.next()
	if p.next() != "type" {
		return "", false, fmt.Errorf("only \"fib ... type\" is supported")
	}
	addr := e.pkt.dst
	if f == "saddr" {
		addr = e.pkt.src
	}
	if e.local(addr) {
		return "local", true, nil
	}
	return "unicast", true, nil
}

// numgen takes the branch chosen for this walk.
func (e *eval) numgen(p *parser) (string, bool, error) {
	if p.next() != "random" || p.next() != "mod" {
		return "", false, fmt.Errorf("only \"numgen random mod N\" is supported")
	}
	n, err := strconv.Atoi(p.next())
	if err != nil || n <= 0 {
		return "", false, fmt.Errorf("numgen modulus: %v", err)
	}
	i := len(e.sizes)
	e.sizes = append(e.sizes, n)
	choice := 0
	if i < len(e.choices) {
		choice = e.choices[i]
	}
	return strconv.Itoa(choice), true, nil
}

func (e *eval) markExpr(p *parser) (string, bool, error) {
	m := e.pkt.mark
	if p.peek() == "and" {
		p.next()
		n, err := strconv.ParseUint(p.next(), 0, 32)
		if err != nil {
			return "", false, fmt.Errorf("mark mask: %w", err)
		}
		m &= uint32(n)
	}
	return strconv.FormatUint(uint64(m), 10), true, nil
}

// value compares key with a literal, an anonymous set or a named set.
func (e *eval) value(p *parser, key string) (bool, error) {
	tok := p.next()
	switch {
	case strings.HasPrefix(tok, "@"):
		name := tok[1:]
		if anyMatches(e.sets[name], key) {
			return true, nil
		}
		return e.rs.setContains(name, key)
	case tok == "{":
		var elems []string
		for t := p.next(); t != "}"; t = p.next() {
			if t == "" {
				return false, fmt.Errorf("unterminated set")
			}
			if t != "," {
				elems = append(elems, t)
			}
		}
		return anyMatches(elems, key), nil
	case tok == "":
		return false, fmt.Errorf("missing value")
	}
	if a, err1 := strconv.ParseUint(tok, 0, 64); err1 == nil {
		if b, err2 := strconv.ParseUint(key, 0, 64); err2 == nil {
			return a == b, nil
		}
	}
	return anyMatches([]string{tok}, key), nil
}

// vmap looks key up in "@map" or in "{ k : verdict, ... }".
func (e *eval) vmap(p *parser, key string) (string, bool, error) {
	tok := p.next()
	if strings.HasPrefix(tok, "@") {
		m, ok := e.rs.maps[tok[1:]]
		if !ok {
			return "", false, fmt.Errorf("no map %q", tok[1:])
		}
		v, found := m[key]
		return v, found, nil
	}
	if tok != "{" {
		return "", false, fmt.Errorf("vmap needs @map or {")
	}
	var result string
	var found bool
	for !p.done() {
		k := p.next()
		if k == "}" {
			return result, found, nil
		}
		if p.next() != ":" {
			return "", false, fmt.Errorf("vmap element without \":\"")
		}
		var words []string
		for t := p.peek(); t != "," && t != "}" && t != ""; t = p.peek() {
			words = append(words, p.next())
		}
		if p.peek() == "," {
			p.next()
		}
		if k == key && !found {
			result, found = strings.Join(words, " "), true
		}
	}
	return "", false, fmt.Errorf("unterminated vmap")
}
