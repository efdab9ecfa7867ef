// Package namespace deletes the content of terminating namespaces and then
// lets the API server remove them.
//
// Deleting a Namespace only marks it: it gets a deletionTimestamp, phase
// Terminating, and keeps "kubernetes" in spec.finalizers; the API server
// refuses new content in it. This controller then, for each such
// namespace:
//
//  1. discovers every namespaced resource with the list and delete verbs
//     (events included) and deletes all objects of each in the namespace:
//     one deletecollection call where supported, else one delete per
//     object, with the default grace period and background propagation;
//  2. lists what is left and records it in the namespace's conditions
//     (NamespaceDeletionDiscoveryFailure, NamespaceDeletionContentFailure,
//     NamespaceContentRemaining, NamespaceFinalizersRemaining), as
//     Kubernetes does;
//  3. when nothing is left and nothing failed, removes "kubernetes" from
//     spec.finalizers through the finalize subresource; the API server
//     deletes the namespace once no finalizers remain. Otherwise it looks
//     again when the slowest pod's grace period should be over (within
//     1s..5s), or after 2s.
//
// Pods bound to a node are deleted gracefully, as in Kubernetes: they stay
// Terminating until the node's agent confirms they stopped (a delete with
// gracePeriodSeconds=0), and they keep the namespace Terminating until
// then. The controller never force-deletes them: a pod whose node is gone
// for good is the node lifecycle's business, not the namespace's.
//
// The report of one pass (report.go) and its conditions are pure and
// tested with tables; the deleter (content.go) is tested against the
// client-go metadata fake.
package namespace
