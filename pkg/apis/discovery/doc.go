// Package discovery holds defaulting and validation for discovery.k8s.io/v1
// EndpointSlices, with the field paths and messages kube-apiserver uses.
package discovery
