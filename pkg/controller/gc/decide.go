package gc

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
)

// ownerState is what a live lookup found for one owner reference.
type ownerState int

const (
	// ownerSolid exists with the referenced UID and is not waiting for
	// its dependents to go.
	ownerSolid ownerState = iota
	// ownerDangling is gone, or replaced by an object with another UID.
	ownerDangling
	// ownerWaiting exists and is being deleted in the foreground: it waits
	// for its dependents.
	ownerWaiting
)

// actionKind says what to do with a dependent.
type actionKind int

const (
	actNone actionKind = iota
	// actDelete deletes the dependent with Policy.
	actDelete
	// actSetOwners replaces the dependent's ownerReferences with Owners.
	actSetOwners
)

// action is the decision about one dependent.
type action struct {
	Kind   actionKind
	Policy metav1.DeletionPropagation
	Owners []metav1.OwnerReference
}

// decideDependent decides about an object that has owners, from the live
// state of each owner (by UID). hasBlockingDependents says whether the
// object itself has dependents that block its foreground deletion.
//
//   - Some owner still solid: the object stays; references to owners that
//     are gone or waiting are dropped, so that they stop holding it (or it
//     stops holding them).
//   - No solid owner, some waiting: the object goes, in the foreground if
//     it has blocking dependents of its own, so its owner waits for them
//     too.
//   - Every owner gone: the object goes, keeping the propagation its own
//     finalizers ask for, background by default.
func decideDependent(n node, states map[types.UID]ownerState, hasBlockingDependents bool) action {
	var solid, other []metav1.OwnerReference
	waiting := false
	for _, r := range n.owners {
		switch states[r.UID] {
		case ownerSolid:
			solid = append(solid, r)
		case ownerWaiting:
			waiting = true
			other = append(other, r)
		default:
			other = append(other, r)
		}
	}
	switch {
	case len(n.owners) == 0:
		return action{}
	case len(solid) > 0:
		if len(other) == 0 {
			return action{}
		}
		return action{Kind: actSetOwners, Owners: solid}
	case waiting:
		if hasBlockingDependents {
			return action{Kind: actDelete, Policy: metav1.DeletePropagationForeground}
		}
		return action{Kind: actDelete, Policy: metav1.DeletePropagationBackground}
	}
	policy := metav1.DeletePropagationBackground
	switch {
	case n.hasFinalizer(metav1.FinalizerOrphanDependents):
		policy = metav1.DeletePropagationOrphan
	case n.hasFinalizer(metav1.FinalizerDeleteDependents):
		policy = metav1.DeletePropagationForeground
	}
	return action{Kind: actDelete, Policy: policy}
}

// ownerPlan is the decision about an object being deleted with a
// propagation finalizer.
type ownerPlan struct {
	// Orphan lists dependents whose reference to the owner must go before
	// the orphan finalizer is removed.
	Orphan []node
	// Delete lists the dependents of a foreground deletion; each is
	// considered for deletion (its owner is waiting).
	Delete []node
	// RemoveFinalizer is the finalizer to take off the owner, once the
	// dependents in Orphan are orphaned; "" for none.
	RemoveFinalizer string
}

// decideOwner decides about an object that is being deleted, from its
// known dependents. Orphaning comes first, as in Kubernetes: an object
// carrying both finalizers orphans its dependents.
func decideOwner(n node, deps []node) ownerPlan {
	if !n.deleting {
		return ownerPlan{}
	}
	switch {
	case n.hasFinalizer(metav1.FinalizerOrphanDependents):
		p := ownerPlan{RemoveFinalizer: metav1.FinalizerOrphanDependents}
		for _, d := range deps {
			if _, ok := d.ownerRef(n.ref.UID); ok {
				p.Orphan = append(p.Orphan, d)
			}
		}
		return p
	case n.hasFinalizer(metav1.FinalizerDeleteDependents):
		// Every dependent goes; the owner waits only for those that
		// block it (blockOwnerDeletion), the others may outlive it briefly
		// and then go as dangling.
		var p ownerPlan
		blocked := false
		for _, d := range deps {
			if _, ok := d.ownerRef(n.ref.UID); ok {
				p.Delete = append(p.Delete, d)
				blocked = blocked || d.blocks(n.ref.UID)
			}
		}
		if !blocked {
			p.RemoveFinalizer = metav1.FinalizerDeleteDependents
		}
		return p
	}
	return ownerPlan{}
}

// withoutOwner returns refs without the reference to owner.
func withoutOwner(refs []metav1.OwnerReference, owner types.UID) []metav1.OwnerReference {
	var out []metav1.OwnerReference
	for _, r := range refs {
		if r.UID != owner {
			out = append(out, r)
		}
	}
	return out
}

// without returns list without s.
func without(list []string, s string) []string {
	var out []string
	for _, x := range list {
		if x != s {
			out = append(out, x)
		}
	}
	return out
}
