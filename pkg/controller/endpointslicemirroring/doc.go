// Package endpointslicemirroring is the EndpointSlice mirroring
// controller: for a Service without a selector, whose endpoints users write
// by hand as a core/v1 Endpoints object, it mirrors that object into
// EndpointSlices so that the proxy and DNS (which read slices only) see
// them.
//
// Each Endpoints subset becomes one slice per address family, labelled
// kubernetes.io/service-name and
// endpointslice.kubernetes.io/managed-by=endpointslicemirroring-controller.k8s.io,
// owned by the Endpoints object, and carrying its labels and annotations.
// Ready addresses are mirrored ready, not-ready ones not ready; at most
// MaxEndpointsPerSubset addresses of a subset are mirrored, and skipped
// ones are reported as Events on the Endpoints object.
//
// Endpoints labelled endpointslice.kubernetes.io/skip-mirror=true (the
// API server's own default/kubernetes, for one) and leader-election
// Endpoints are not mirrored. Deleting the Endpoints or the Service, or
// giving the Service a selector, removes the mirrored slices.
//
// Reconcile is the pure core; Controller is the loop around it.
package endpointslicemirroring
