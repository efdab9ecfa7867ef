// Package core holds defaulting and validation for the core/v1 types that
// svcnet's API server serves: Services, Pods, Namespaces, Nodes, Endpoints,
// ConfigMaps and Events.
//
// The types come straight from k8s.io/api/core/v1; there is no internal
// version. The API server runs a resource's Default* function on every
// create and update, then its Validate* (create) or Validate*Update (update)
// function, and returns a non-empty field.ErrorList as a 422 built with
// apierrors.NewInvalid. Field paths, error types and messages therefore
// follow kube-apiserver closely, so that kubectl users see the errors they
// know, for example:
//
//	spec.ports[0].port: Invalid value: 0: must be between 1 and 65535, inclusive
//	spec.clusterIPs[0]: Invalid value: ["10.96.0.5"]: may not change once set
//
// Service handling mirrors three places in Kubernetes: the v1 defaulting
// functions (DefaultService), the service registry's update preparation
// (DefaultServiceUpdate: keeping allocated values, syncing clusterIP with
// clusterIPs, dropping fields that no longer apply after a type change) and
// the IP family defaulting the allocator does before it allocates
// (DefaultServiceWithFamilies). Allocation itself, that is choosing free
// ClusterIPs and NodePorts and checking ranges, is the registry's job.
//
// Every function here is pure: it reads its arguments, mutates only the
// object it defaults, and keeps no state.
package core
