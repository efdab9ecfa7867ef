// Package storage defines the persistence contract of svcnet's API server.
//
// A Store keeps API objects under string keys and exposes exactly what the
// REST layer needs: create, get, guaranteed (optimistic) update, delete, a
// paginated list, and a watch from a revision. The resourceVersion of every
// object is the store's revision at which the object was last written, so a
// watch from a list's resourceVersion never misses or repeats an event.
//
// Writes may carry extra Ops, applied in the same atomic transaction as the
// object write. The Service registry uses them to store each ClusterIP and
// NodePort allocation as a key of its own: the allocation and the Service are
// committed together or not at all, so nothing leaks or doubles even with
// several API servers racing.
package storage
