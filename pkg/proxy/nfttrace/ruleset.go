package nfttrace

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"

	"sigs.k8s.io/knftables"
)

// hookOrder lists the hooks in the order a packet meets them.
var hookOrder = map[knftables.BaseChainHook]int{
	knftables.PreroutingHook: 0, knftables.InputHook: 1, knftables.ForwardHook: 1,
	knftables.OutputHook: 0, knftables.PostroutingHook: 2,
}

// Ruleset is a snapshot of one table.
type Ruleset struct {
	family knftables.Family
	chains map[string]*chain
	// base lists the base chains by hook, in priority order.
	base map[knftables.BaseChainHook][]*chain
	// sets holds set elements, keys joined by " . ".
	sets map[string][]string
	// maps holds map elements: joined key to value.
	maps map[string]map[string]string
}

type chain struct {
	name     string
	priority int
	rules    []*parsedRule
}

type parsedRule struct {
	text    string
	comment string
	tokens  []string
}

// FromFake snapshots the fake's table. It fails when the table does not
// exist.
func FromFake(f *knftables.Fake) (*Ruleset, error) {
	f.RLock()
	defer f.RUnlock()
	t := f.Table
	if t == nil {
		return nil, fmt.Errorf("the fake has no table")
	}
	rs := &Ruleset{family: t.Family, chains: map[string]*chain{}, base: map[knftables.BaseChainHook][]*chain{},
		sets: map[string][]string{}, maps: map[string]map[string]string{}}
	for name, fc := range t.Chains {
		c := &chain{name: name}
		for _, r := range fc.Rules {
			pr := &parsedRule{text: r.Rule, tokens: tokenize(r.Rule)}
			if r.Comment != nil {
				pr.comment = *r.Comment
			}
			c.rules = append(c.rules, pr)
		}
		rs.chains[name] = c
		if fc.Hook != nil && fc.Priority != nil {
			prio, err := knftables.ParsePriority(t.Family, string(*fc.Priority))
			if err != nil {
				return nil, fmt.Errorf("chain %s: %w", name, err)
			}
			c.priority = prio
			rs.base[*fc.Hook] = append(rs.base[*fc.Hook], c)
		}
	}
	for _, list := range rs.base {
		slices.SortStableFunc(list, func(a, b *chain) int { return a.priority - b.priority })
	}
	for name, s := range t.Sets {
		rs.sets[name] = []string{}
		for _, e := range s.Elements {
			rs.sets[name] = append(rs.sets[name], strings.Join(e.Key, " . "))
		}
	}
	for name, m := range t.Maps {
		rs.maps[name] = map[string]string{}
		for _, e := range m.Elements {
			rs.maps[name][strings.Join(e.Key, " . ")] = strings.Join(e.Value, " ")
		}
	}
	return rs, nil
}

// tokenize splits a rule into words, with braces, commas and colons as
// words of their own (an IPv6 address keeps its colons).
func tokenize(text string) []string {
	var out []string
	for _, f := range strings.Fields(text) {
		for strings.HasPrefix(f, "{") && len(f) > 1 {
			out, f = append(out, "{"), f[1:]
		}
		var tail []string
		for len(f) > 1 && (strings.HasSuffix(f, ",") || strings.HasSuffix(f, "}")) {
			tail, f = append([]string{f[len(f)-1:]}, tail...), f[:len(f)-1]
		}
		out = append(out, strings.Trim(f, `"`))
		out = append(out, tail...)
	}
	return out
}

// setContains reports whether the set name holds v, exactly or as a
// prefix containing it.
func (rs *Ruleset) setContains(name string, v string) (bool, error) {
	elems, ok := rs.sets[name]
	if !ok {
		if m, isMap := rs.maps[name]; isMap {
			_, found := m[v]
			return found, nil
		}
		return false, fmt.Errorf("no set %q", name)
	}
	return anyMatches(elems, v), nil
}

func anyMatches(elems []string, v string) bool {
	addr, addrErr := netip.ParseAddr(v)
	for _, e := range elems {
		if e == v {
			return true
		}
		if p, err := netip.ParsePrefix(e); err == nil && addrErr == nil && p.Contains(addr) {
			return true
		}
	}
	return false
}
