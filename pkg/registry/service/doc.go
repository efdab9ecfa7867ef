// Package service is the Service registry's allocation logic: ClusterIPs
// from the service CIDR and NodePorts (and healthCheckNodePorts) from the
// node port range.
//
// Every allocation is a key of its own in etcd: a networking.k8s.io/v1
// IPAddress object per ClusterIP (as Kubernetes' MultiCIDR allocator keeps
// them) and a raw key per NodePort. The keys are created and deleted in the
// same transaction as the Service, so a Service and its allocations are
// committed together or not at all. The in-memory bitmaps are only a cache
// that picks free candidates quickly; etcd's create-if-absent is the truth,
// so several API servers may allocate concurrently and never double-book.
package service
