// Package printers builds the server-side Tables that `kubectl get` asks
// for with `Accept: application/json;as=Table;g=meta.k8s.io;v=v1`.
//
// kubectl prints whatever columns the server sends, so the columns, their
// order, their types and the text of every cell decide what users see.
// The Generator here reproduces what kube-apiserver prints for the types
// svcnet serves: Services, Pods, Endpoints, EndpointSlices, Deployments,
// ReplicaSets, Nodes, Namespaces, Events (core/v1 and events.k8s.io/v1),
// ConfigMaps, Leases, ServiceCIDRs and IPAddresses. Any other object gets
// NAME and AGE columns.
//
// Like kube-apiserver, the Generator always fills in the wide columns. They
// carry Priority 1, and kubectl hides them unless it runs with `-o wide`.
//
// Usage:
//
//	g := printers.New()
//	table, err := g.Table(serviceList, time.Now())
//
// The caller owns the envelope: it sets the Table's ListMeta, drops the
// column definitions when the client sent noHeaders, and replaces each
// row's Object (the original object) with a PartialObjectMetadata or the
// full object, as includeObject asks.
package printers
