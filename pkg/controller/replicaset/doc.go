// Package replicaset is the ReplicaSet controller: it keeps spec.replicas
// pods that match a ReplicaSet's selector alive, and reports what it sees in
// the ReplicaSet's status.
//
// One sync of a ReplicaSet works in three steps, each a pure function of the
// informer caches that the controller then acts on:
//
//  1. claim: pods that match the selector and have no controller are adopted
//     (an ownerReference with controller=true is patched onto them); pods the
//     ReplicaSet controls whose labels no longer match are released.
//  2. manage: the difference between the active pods (not terminating, not
//     Succeeded or Failed) and spec.replicas is turned into creations (from
//     the pod template, generateName "<rs>-", in slow-start batches of 1, 2,
//     4, ...) or deletions (the least valuable pods first: unscheduled, then
//     pending, not ready, doubled up on a node, recently ready, restarted,
//     newest).
//  3. status: replicas, fullyLabeledReplicas, readyReplicas,
//     availableReplicas (ready for minReadySeconds), terminatingReplicas,
//     observedGeneration and the ReplicaFailure condition.
//
// Expectations make the controller safe against its own stale cache: after
// asking for N creations (or deletions of named pods) it does not manage the
// ReplicaSet again until the informer has shown it those N pods (or those
// deletions), or five minutes have passed.
package replicaset
