package nftables

import (
	"slices"
	"strings"
	"time"

	"sigs.k8s.io/knftables"
)

// objects are the nftables objects of one Service: its chains with their
// rules, its elements in the shared sets and maps, its affinity sets and
// its counters. Building them is pure; emitting them writes a transaction.
type objects struct {
	chains   []chainSpec
	elements []elementSpec
	sets     []setSpec
	counters []string
}

type chainSpec struct {
	name  string
	rules []ruleSpec
}

type ruleSpec struct {
	text    string
	comment string
}

// elementSpec is an element of a shared set (value empty) or map.
type elementSpec struct {
	container string
	isMap     bool
	key       []string
	value     string
}

// setSpec is a ClientIP affinity set: source addresses with a timeout.
type setSpec struct {
	name    string
	timeout time.Duration
}

func (o *objects) addChain(name string, rules ...ruleSpec) {
	o.chains = append(o.chains, chainSpec{name: name, rules: rules})
}

func (o *objects) addMapElement(m string, value string, key ...string) {
	o.elements = append(o.elements, elementSpec{container: m, isMap: true, key: key, value: value})
}

func (o *objects) addSetElement(s string, key ...string) {
	o.elements = append(o.elements, elementSpec{container: s, key: key})
}

// counts sums up the objects, for the rule and chain metrics.
func (o *objects) counts() Counts {
	c := Counts{Chains: len(o.chains), Elements: len(o.elements), Sets: len(o.sets), Counters: len(o.counters)}
	for i := range o.chains {
		c.Rules += len(o.chains[i].rules)
	}
	return c
}

func rule(parts ...any) ruleSpec { return ruleSpec{text: knftables.Concat(parts...)} }

func commented(comment string, parts ...any) ruleSpec {
	return ruleSpec{text: knftables.Concat(parts...), comment: comment}
}

func (r ruleSpec) nft(chain string) *knftables.Rule {
	kr := &knftables.Rule{Chain: chain, Rule: r.text}
	if r.comment != "" {
		kr.Comment = &r.comment
	}
	return kr
}

func (s setSpec) nft() *knftables.Set {
	return &knftables.Set{
		Name: s.name,
		// "dynamic" because the packet path adds to the set; nft adds the
		// flag itself otherwise, and a later add without it would clash.
		Flags:   []knftables.SetFlag{knftables.DynamicFlag, knftables.TimeoutFlag},
		Timeout: &s.timeout,
	}
}

func (e elementSpec) nft() *knftables.Element {
	el := &knftables.Element{Key: e.key}
	if e.isMap {
		el.Map, el.Value = e.container, []string{e.value}
	} else {
		el.Set = e.container
	}
	return el
}

func (e elementSpec) id() string { return e.container + "\x00" + strings.Join(e.key, "\x00") }

// emitFresh writes o into a table whose service objects were all flushed
// (a full sync): every object is added, chains before the rules that
// reference them.
func (o *objects) emitFresh(tx *knftables.Transaction, setType string) {
	for _, s := range o.sets {
		set := s.nft()
		set.Type = setType
		tx.Add(set)
	}
	for _, c := range o.counters {
		tx.Add(&knftables.Counter{Name: c})
	}
	for i := range o.chains {
		tx.Add(&knftables.Chain{Name: o.chains[i].name})
	}
	for i := range o.chains {
		for _, r := range o.chains[i].rules {
			tx.Add(r.nft(o.chains[i].name))
		}
	}
	for _, e := range o.elements {
		tx.Add(e.nft())
	}
}

// diff is what a partial sync changes for one Service.
type diff struct {
	// staleChains are chains no longer used: flushed now, deleted later.
	staleChains []string
	// newChains are chains that did not exist in the old state.
	newChains []string
}

// emitDiff writes the changes from old to cur: new sets and counters, then
// new and changed chains, then element changes, and last the removal of
// what is no longer used, so nothing is deleted while still referenced.
func emitDiff(tx *knftables.Transaction, old, cur *objects, setType string) diff {
	var d diff
	oldChains := make(map[string][]ruleSpec, len(old.chains))
	for _, c := range old.chains {
		oldChains[c.name] = c.rules
	}
	for _, s := range cur.sets {
		if !slices.ContainsFunc(old.sets, func(o setSpec) bool { return o.name == s.name }) {
			set := s.nft()
			set.Type = setType
			tx.Add(set)
		}
	}
	for _, c := range cur.counters {
		if !slices.Contains(old.counters, c) {
			tx.Add(&knftables.Counter{Name: c})
		}
	}
	for _, c := range cur.chains {
		if _, ok := oldChains[c.name]; !ok {
			tx.Add(&knftables.Chain{Name: c.name})
			d.newChains = append(d.newChains, c.name)
		}
	}
	for _, c := range cur.chains {
		prev, existed := oldChains[c.name]
		if existed && slices.Equal(prev, c.rules) {
			continue
		}
		if existed {
			tx.Flush(&knftables.Chain{Name: c.name})
		}
		for _, r := range c.rules {
			tx.Add(r.nft(c.name))
		}
	}
	emitElementDiff(tx, old.elements, cur.elements)
	emitRemovals(tx, old, cur, &d)
	return d
}

func emitElementDiff(tx *knftables.Transaction, old, cur []elementSpec) {
	curByID := make(map[string]elementSpec, len(cur))
	for _, e := range cur {
		curByID[e.id()] = e
	}
	oldByID := make(map[string]elementSpec, len(old))
	for _, e := range old {
		oldByID[e.id()] = e
		if n, ok := curByID[e.id()]; !ok || n.value != e.value {
			// A map element's value cannot be replaced by adding the key
			// again: delete it first.
			tx.Delete(e.nft())
		}
	}
	for _, e := range cur {
		if o, ok := oldByID[e.id()]; !ok || o.value != e.value {
			tx.Add(e.nft())
		}
	}
}

func emitRemovals(tx *knftables.Transaction, old, cur *objects, d *diff) {
	for _, c := range old.chains {
		if !slices.ContainsFunc(cur.chains, func(n chainSpec) bool { return n.name == c.name }) {
			tx.Flush(&knftables.Chain{Name: c.name})
			d.staleChains = append(d.staleChains, c.name)
		}
	}
	for _, s := range old.sets {
		if !slices.ContainsFunc(cur.sets, func(n setSpec) bool { return n.name == s.name }) {
			tx.Delete(&knftables.Set{Name: s.name})
		}
	}
	for _, c := range old.counters {
		if !slices.Contains(cur.counters, c) {
			tx.Delete(&knftables.Counter{Name: c})
		}
	}
}
