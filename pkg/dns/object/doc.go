// Package object holds the small structs that the cluster DNS caches
// instead of full API objects.
//
// A Service, an EndpointSlice or a Pod from the API carries managed fields,
// labels, annotations, specs and statuses that DNS never reads. The cluster
// DNS runs on every node and watches every Service, EndpointSlice and Pod of
// the cluster, so it trims each object to what a DNS answer needs (names,
// addresses, ports, hostnames, readiness) as soon as client-go decodes it:
// [Transform] is a cache.TransformFunc for the informers, and the trimmed
// objects are what the informer stores keep and what the DNS index points
// at. Nothing is held twice.
//
// The trimmed types satisfy metav1.Object and runtime.Object, because
// client-go's stores key objects by namespace and name through those
// interfaces; every other method is a no-op on an embedded nil pointer.
package object
