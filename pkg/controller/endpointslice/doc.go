// Package endpointslice is the EndpointSlice controller: for every Service
// with a selector it keeps a set of discovery.k8s.io/v1 EndpointSlices
// listing the pods the selector matches, which is what the proxy and DNS
// program from.
//
// # What goes in
//
// A pod is an endpoint when it is in the Service's namespace, matches the
// selector, has an IP of the slice's address family and is not terminal
// (Succeeded or Failed). Its conditions follow Kubernetes:
//
//	serving     = the pod's Ready condition is True
//	terminating = the pod has a deletionTimestamp
//	ready       = spec.publishNotReadyAddresses || (serving && !terminating)
//
// Each endpoint carries the pod's node name, its node's
// topology.kubernetes.io/zone, a targetRef to the pod, and, when the pod's
// subdomain names the Service, its hostname. Named target ports are
// resolved per pod; pods that resolve to different port lists go into
// different slices, and a pod without a named port is listed without it.
//
// # Slices
//
// Slices are named <service>-<random>, owned by the Service (controller
// reference), labelled kubernetes.io/service-name,
// endpointslice.kubernetes.io/managed-by=endpointslice-controller.k8s.io,
// service.kubernetes.io/headless for headless Services, and the Service's
// own labels. None holds more than Config.MaxEndpointsPerSlice endpoints.
// Each write stamps endpoints.kubernetes.io/last-change-trigger-time.
//
// Reconcile (pure) decides the writes so that churn stays low: unchanged
// slices are never written, a changed endpoint is updated in the slice
// that holds it, new endpoints fill slices before new ones are made, and
// emptied slices are reused. A single pod change therefore costs a single
// slice write. SliceTracker entries for every write let a sync recognise
// a stale informer cache instead of creating duplicate slices.
//
// Services without a selector are left alone, so that user-written slices
// work; the slices of a Service that is deleted, loses its selector or
// becomes ExternalName are deleted.
package endpointslice
