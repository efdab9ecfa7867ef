// Package events holds validation for events.k8s.io/v1 Events.
//
// An events.k8s.io/v1 Event is the same object as a core/v1 Event under
// other field names, and kube-apiserver validates both in their common
// internal form. This package therefore converts to core/v1 and applies
// core's strict rules: error paths use the core/v1 names (message,
// involvedObject, firstTimestamp, ...), exactly as kube-apiserver reports
// them for events.k8s.io/v1 requests.
package events
