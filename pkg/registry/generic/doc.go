// Package generic implements the REST semantics shared by every resource
// svcnet serves: metadata bookkeeping (uid, generateName, creationTimestamp,
// generation), optimistic concurrency on resourceVersion, finalizers and
// deletionTimestamp, graceful deletion, dry runs, label and field selection,
// pagination and watch.
//
// A Registry is one resource. What differs between resources lives in its
// Strategy (defaulting, validation, field selectors) and in optional Hooks
// that add storage ops to the same transaction as the object write; the
// Service registry uses them to allocate and release ClusterIPs and
// NodePorts atomically with the Service itself.
package generic
