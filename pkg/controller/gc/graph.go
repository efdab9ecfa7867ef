package gc

import (
	"slices"
	"sync"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
)

// objRef identifies one object of the cluster.
type objRef struct {
	GVR       schema.GroupVersionResource
	Namespace string
	Name      string
	UID       types.UID
}

// node is what the collector knows about one object: its identity, its
// owners and its deletion state, as the metadata informers last saw them.
type node struct {
	ref        objRef
	owners     []metav1.OwnerReference
	finalizers []string
	deleting   bool
	// resourceVersion is kept only to tell real changes from resyncs.
	resourceVersion string
}

func (n *node) hasFinalizer(f string) bool { return slices.Contains(n.finalizers, f) }

// ownerRef returns n's reference to the owner with the given UID.
func (n *node) ownerRef(owner types.UID) (metav1.OwnerReference, bool) {
	for _, r := range n.owners {
		if r.UID == owner {
			return r, true
		}
	}
	return metav1.OwnerReference{}, false
}

// blocks reports whether n blocks the foreground deletion of owner.
func (n *node) blocks(owner types.UID) bool {
	r, ok := n.ownerRef(owner)
	return ok && r.BlockOwnerDeletion != nil && *r.BlockOwnerDeletion
}

// graph is the ownership graph: every object by UID, and for every owner
// UID (whether or not the owner is known) the UIDs of the objects that
// name it. It is safe for concurrent use; it hands out copies.
type graph struct {
	mu         sync.Mutex
	nodes      map[types.UID]*node
	dependents map[types.UID]map[types.UID]struct{}
}

func newGraph() *graph {
	return &graph{nodes: map[types.UID]*node{}, dependents: map[types.UID]map[types.UID]struct{}{}}
}

// upsert records n. It returns the previous version, if any.
func (g *graph) upsert(n node) (old node, existed bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if prev, ok := g.nodes[n.ref.UID]; ok {
		old, existed = *prev, true
		g.unlinkLocked(prev)
	}
	cp := n
	g.nodes[n.ref.UID] = &cp
	for _, r := range n.owners {
		deps := g.dependents[r.UID]
		if deps == nil {
			deps = map[types.UID]struct{}{}
			g.dependents[r.UID] = deps
		}
		deps[n.ref.UID] = struct{}{}
	}
	return old, existed
}

// remove forgets the object with the given UID and returns it.
func (g *graph) remove(uid types.UID) (node, bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	n, ok := g.nodes[uid]
	if !ok {
		return node{}, false
	}
	g.unlinkLocked(n)
	delete(g.nodes, uid)
	return *n, true
}

func (g *graph) unlinkLocked(n *node) {
	for _, r := range n.owners {
		if deps := g.dependents[r.UID]; deps != nil {
			delete(deps, n.ref.UID)
			if len(deps) == 0 {
				delete(g.dependents, r.UID)
			}
		}
	}
}

// get returns the object with the given UID.
func (g *graph) get(uid types.UID) (node, bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	n, ok := g.nodes[uid]
	if !ok {
		return node{}, false
	}
	return *n, true
}

// dependentsOf returns the known objects that name owner as an owner.
func (g *graph) dependentsOf(owner types.UID) []node {
	g.mu.Lock()
	defer g.mu.Unlock()
	var out []node
	for uid := range g.dependents[owner] {
		if n, ok := g.nodes[uid]; ok {
			out = append(out, *n)
		}
	}
	slices.SortFunc(out, func(a, b node) int {
		if a.ref.UID < b.ref.UID {
			return -1
		}
		if a.ref.UID > b.ref.UID {
			return 1
		}
		return 0
	})
	return out
}

// hasBlockingDependents reports whether any known object blocks the
// foreground deletion of owner.
func (g *graph) hasBlockingDependents(owner types.UID) bool {
	for _, d := range g.dependentsOf(owner) {
		if d.blocks(owner) {
			return true
		}
	}
	return false
}

// size returns the number of objects known.
func (g *graph) size() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return len(g.nodes)
}
