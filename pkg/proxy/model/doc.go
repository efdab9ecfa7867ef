// Package model is the proxy's view of the cluster: Services and
// EndpointSlices trimmed to the few fields that decide how a packet is
// forwarded, and the change trackers that collect informer events between
// syncs.
//
// Informer callbacks call ServiceTracker.Update and EndpointSliceTracker.Update.
// Those only record what changed, keyed by Service name, and report whether
// anything relevant changed (a status-only update of a Service, for example,
// changes nothing). The sync loop later calls Checkout on both trackers and
// gets the new state of every changed Service in one go, so a burst of
// events costs one sync.
//
// A Service is immutable once built: a sync replaces changed Services with
// new values and may keep the old ones to compute what to remove. Nothing
// in this package knows about nftables.
package model
