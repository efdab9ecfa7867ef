// Package gc is the garbage collector: it deletes objects whose owners
// are gone, and carries out the foreground and orphan propagation
// policies of deletes.
//
// It discovers every resource the cluster serves with the list, watch and
// delete verbs (except events), watches each through a metadata informer
// (only ObjectMeta travels) and builds an ownership graph: every object by
// UID, and for every owner UID the objects whose ownerReferences name it.
// Discovery is repeated periodically, so resources added later are
// watched too. Nothing is acted on before every informer has synced.
//
// Three cases, as in Kubernetes:
//
//   - Background: when an owner is gone, each dependent whose owners are
//     all gone is deleted. A dependent that still has a live owner only
//     loses its references to the dead ones.
//   - Foreground: an owner deleted with propagationPolicy=Foreground has a
//     deletionTimestamp and the foregroundDeletion finalizer. Its
//     dependents are deleted (in the foreground themselves when they have
//     blocking dependents of their own); once no dependent with
//     blockOwnerDeletion=true is left, the finalizer is removed and the
//     API server deletes the owner.
//   - Orphan: an owner with the orphan finalizer has its reference removed
//     from every dependent, then the finalizer is removed.
//
// The graph may be stale, so every owner is looked up live (GET through
// the metadata client, UID compared) before a dependent is judged, and
// every write carries a precondition on what the decision was based on: a
// UID precondition on deletes, JSON-patch tests of the UID and of the
// ownerReferences or finalizers on patches. A write whose precondition
// fails is retried with backoff from fresh state.
//
// The decisions are pure functions (decideDependent, decideOwner) tested
// with tables; the graph is a plain data structure.
package gc
