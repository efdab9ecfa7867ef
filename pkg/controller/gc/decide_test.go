package gc

import (
	"reflect"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
)

var (
	podsGVR = schema.GroupVersionResource{Version: "v1", Resource: "pods"}
	rsGVR   = schema.GroupVersionResource{Group: "apps", Version: "v1", Resource: "replicasets"}
)

func ref(uid string, block bool) metav1.OwnerReference {
	r := metav1.OwnerReference{APIVersion: "apps/v1", Kind: "ReplicaSet", Name: "rs-" + uid, UID: types.UID(uid)}
	if block {
		r.BlockOwnerDeletion = &block
	}
	return r
}

func obj(uid string, owners ...metav1.OwnerReference) node {
	return node{ref: objRef{GVR: podsGVR, Namespace: "ns", Name: "obj-" + uid, UID: types.UID(uid)}, owners: owners}
}

func deleting(n node, finalizers ...string) node {
	n.deleting, n.finalizers = true, finalizers
	return n
}

func TestDecideDependent(t *testing.T) {
	a, b := ref("a", true), ref("b", false)
	for _, tc := range []struct {
		name     string
		n        node
		states   map[types.UID]ownerState
		blocking bool
		want     action
	}{
		{name: "no owners", n: obj("x"), want: action{}},
		{name: "owner exists", n: obj("x", a), states: map[types.UID]ownerState{"a": ownerSolid}, want: action{}},
		{name: "owner gone: background", n: obj("x", a), states: map[types.UID]ownerState{"a": ownerDangling},
			want: action{Kind: actDelete, Policy: metav1.DeletePropagationBackground}},
		{name: "every owner gone", n: obj("x", a, b), states: map[types.UID]ownerState{"a": ownerDangling, "b": ownerDangling},
			want: action{Kind: actDelete, Policy: metav1.DeletePropagationBackground}},
		{name: "one owner left: drop the dangling reference", n: obj("x", a, b), states: map[types.UID]ownerState{"a": ownerDangling, "b": ownerSolid},
			want: action{Kind: actSetOwners, Owners: []metav1.OwnerReference{b}}},
		{name: "one owner left, other waiting: drop the waiting reference", n: obj("x", a, b), states: map[types.UID]ownerState{"a": ownerWaiting, "b": ownerSolid},
			want: action{Kind: actSetOwners, Owners: []metav1.OwnerReference{b}}},
		{name: "owner waiting: background delete", n: obj("x", a), states: map[types.UID]ownerState{"a": ownerWaiting},
			want: action{Kind: actDelete, Policy: metav1.DeletePropagationBackground}},
		{name: "owner waiting, own blocking dependents: foreground delete", n: obj("x", a), states: map[types.UID]ownerState{"a": ownerWaiting}, blocking: true,
			want: action{Kind: actDelete, Policy: metav1.DeletePropagationForeground}},
		{name: "waiting and dangling owners", n: obj("x", a, b), states: map[types.UID]ownerState{"a": ownerWaiting, "b": ownerDangling},
			want: action{Kind: actDelete, Policy: metav1.DeletePropagationBackground}},
		{name: "owner gone, own orphan finalizer kept", n: node{ref: obj("x").ref, owners: []metav1.OwnerReference{a}, finalizers: []string{metav1.FinalizerOrphanDependents}},
			states: map[types.UID]ownerState{"a": ownerDangling}, want: action{Kind: actDelete, Policy: metav1.DeletePropagationOrphan}},
		{name: "owner gone, own foreground finalizer kept", n: node{ref: obj("x").ref, owners: []metav1.OwnerReference{a}, finalizers: []string{metav1.FinalizerDeleteDependents}},
			states: map[types.UID]ownerState{"a": ownerDangling}, want: action{Kind: actDelete, Policy: metav1.DeletePropagationForeground}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := decideDependent(tc.n, tc.states, tc.blocking)
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("decideDependent = %+v, want %+v", got, tc.want)
			}
		})
	}
}

func names(ns []node) []string {
	var out []string
	for _, n := range ns {
		out = append(out, string(n.ref.UID))
	}
	return out
}

func TestDecideOwner(t *testing.T) {
	owner := node{ref: objRef{GVR: rsGVR, Namespace: "ns", Name: "rs", UID: "o"}}
	blocking, loose, other := obj("p1", ref("o", true)), obj("p2", ref("o", false)), obj("p3", ref("z", true))
	for _, tc := range []struct {
		name       string
		owner      node
		deps       []node
		wantOrphan []string
		wantDelete []string
		wantRemove string
	}{
		{name: "not being deleted", owner: owner, deps: []node{blocking}},
		{name: "deleted without propagation finalizer", owner: deleting(owner, "example.com/other"), deps: []node{blocking}},
		{name: "orphan: drop references, then the finalizer", owner: deleting(owner, metav1.FinalizerOrphanDependents),
			deps: []node{blocking, loose, other}, wantOrphan: []string{"p1", "p2"}, wantRemove: metav1.FinalizerOrphanDependents},
		{name: "orphan without dependents", owner: deleting(owner, metav1.FinalizerOrphanDependents), wantRemove: metav1.FinalizerOrphanDependents},
		{name: "orphan wins over foreground", owner: deleting(owner, metav1.FinalizerDeleteDependents, metav1.FinalizerOrphanDependents),
			deps: []node{loose}, wantOrphan: []string{"p2"}, wantRemove: metav1.FinalizerOrphanDependents},
		{name: "foreground: wait for blocking dependents", owner: deleting(owner, metav1.FinalizerDeleteDependents),
			deps: []node{blocking, loose, other}, wantDelete: []string{"p1", "p2"}},
		{name: "foreground: non-blocking dependents do not hold the owner", owner: deleting(owner, metav1.FinalizerDeleteDependents),
			deps: []node{loose}, wantDelete: []string{"p2"}, wantRemove: metav1.FinalizerDeleteDependents},
		{name: "foreground: nothing left", owner: deleting(owner, metav1.FinalizerDeleteDependents), wantRemove: metav1.FinalizerDeleteDependents},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := decideOwner(tc.owner, tc.deps)
			if got := names(p.Orphan); !reflect.DeepEqual(got, tc.wantOrphan) {
				t.Errorf("Orphan = %v, want %v", got, tc.wantOrphan)
			}
			if got := names(p.Delete); !reflect.DeepEqual(got, tc.wantDelete) {
				t.Errorf("Delete = %v, want %v", got, tc.wantDelete)
			}
			if p.RemoveFinalizer != tc.wantRemove {
				t.Errorf("RemoveFinalizer = %q, want %q", p.RemoveFinalizer, tc.wantRemove)
			}
		})
	}
}

func TestGraph(t *testing.T) {
	g := newGraph()
	g.upsert(obj("p1", ref("rs", true)))
	g.upsert(obj("p2", ref("rs", false), ref("other", true)))
	g.upsert(node{ref: objRef{GVR: rsGVR, Namespace: "ns", Name: "rs", UID: "rs"}})

	if got := names(g.dependentsOf("rs")); !reflect.DeepEqual(got, []string{"p1", "p2"}) {
		t.Fatalf("dependents of rs = %v", got)
	}
	if !g.hasBlockingDependents("rs") {
		t.Error("rs has no blocking dependents, want p1")
	}
	// p1 drops its owner: the index follows.
	old, existed := g.upsert(obj("p1"))
	if !existed || len(old.owners) != 1 {
		t.Fatalf("upsert returned old=%+v existed=%v", old, existed)
	}
	if got := names(g.dependentsOf("rs")); !reflect.DeepEqual(got, []string{"p2"}) {
		t.Fatalf("dependents of rs after p1 dropped it = %v", got)
	}
	if g.hasBlockingDependents("rs") {
		t.Error("rs still has blocking dependents")
	}
	// Dependents of an owner the graph never saw are known too.
	if got := names(g.dependentsOf("other")); !reflect.DeepEqual(got, []string{"p2"}) {
		t.Fatalf("dependents of other = %v", got)
	}
	if _, ok := g.remove("p2"); !ok {
		t.Fatal("remove p2 found nothing")
	}
	if got := g.dependentsOf("other"); len(got) != 0 {
		t.Fatalf("dependents of other after removing p2 = %v", names(got))
	}
	if _, ok := g.remove("p2"); ok {
		t.Fatal("second remove of p2 found something")
	}
	if g.size() != 2 {
		t.Fatalf("size = %d, want 2", g.size())
	}
	if len(g.dependents) != 0 {
		t.Fatalf("index leaks: %v", g.dependents)
	}
}
