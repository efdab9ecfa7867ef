package nodeipam

import (
	"fmt"
	"net/netip"
)

// tracker is the controller's pure core: it knows which node holds which
// subnet of the cluster CIDR. It does no I/O and is not safe for concurrent
// use.
type tracker struct {
	set    *CIDRSet
	byNode map[string]netip.Prefix
}

func newTracker(set *CIDRSet) *tracker {
	return &tracker{set: set, byNode: map[string]netip.Prefix{}}
}

// decision says what a node's spec should become.
type decision struct {
	// CIDR is the pod CIDR the node should have.
	CIDR netip.Prefix
	// Write is true when the node does not have CIDR yet.
	Write bool
}

// observe records the pod CIDRs a node already has and reports whether it
// has any. Prefixes outside the cluster CIDR (set by hand) are honoured by
// leaving the node alone, but take nothing from the set.
func (t *tracker) observe(node string, podCIDRs []string) (bool, error) {
	has := false
	for _, s := range podCIDRs {
		p, err := netip.ParsePrefix(s)
		if err != nil {
			return true, fmt.Errorf("parsing podCIDR %q of node %s: %w", s, node, err)
		}
		has = true
		if !t.set.Contains(p) {
			continue
		}
		p = p.Masked()
		if old, ok := t.byNode[node]; ok && old != p {
			// Someone changed the node's podCIDR: what we gave it is free.
			_ = t.set.Release(old)
		}
		if err := t.set.Occupy(p); err != nil {
			return true, err
		}
		t.byNode[node] = p
	}
	return has, nil
}

// assign decides the pod CIDR of a node with the given spec.podCIDRs,
// allocating the lowest free subnet for a node that has none. A node we
// already gave a subnet to (whose spec our cache does not show yet) gets
// the same one again, so retries never allocate twice.
func (t *tracker) assign(node string, podCIDRs []string) (decision, error) {
	has, err := t.observe(node, podCIDRs)
	if err != nil || has {
		return decision{}, err
	}
	if p, ok := t.byNode[node]; ok {
		return decision{CIDR: p, Write: true}, nil
	}
	p, err := t.set.AllocateNext()
	if err != nil {
		return decision{}, err
	}
	t.byNode[node] = p
	return decision{CIDR: p, Write: true}, nil
}

// release frees what a deleted node held. It reports whether anything was
// freed.
func (t *tracker) release(node string) bool {
	p, ok := t.byNode[node]
	if !ok {
		return false
	}
	delete(t.byNode, node)
	// Another node may claim an overlapping prefix (set by hand); keep it
	// taken.
	_ = t.set.Release(p)
	for _, q := range t.byNode {
		if q.Overlaps(p) {
			_ = t.set.Occupy(q)
		}
	}
	return true
}
