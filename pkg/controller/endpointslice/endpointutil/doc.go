// Package endpointutil holds the rules that the endpoint-writing
// controllers (endpointslice, endpoints, endpointslicemirroring) share, so
// that they agree on what an endpoint is:
//
//   - which pods belong in a Service's endpoints (ShouldPodBeInEndpoints),
//     which of their IPs to use (IPForFamily) and which port a named
//     targetPort means on a given pod (FindPort);
//   - when a pod change matters to endpoints at all (EndpointChanged), so
//     informer callbacks enqueue only useful work;
//   - the identity of a slice's address type and port list (PortsKey) and
//     a fast endpoint comparison (EndpointEqual);
//   - the last-change-trigger-time bookkeeping that feeds network
//     programming latency (TriggerTimeTracker);
//   - the record of the controller's own EndpointSlice writes that tells a
//     stale informer cache apart from a current one (SliceTracker).
//
// Everything here is pure or guarded by its own mutex; nothing does I/O.
package endpointutil
