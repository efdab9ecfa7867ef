// Package proxy is svcnet's service proxy: it programs this node's
// nftables so that Service IPs, NodePorts, external IPs and LoadBalancer
// IPs reach the Services' endpoints, like kube-proxy in nftables mode.
//
// The pieces:
//
//   - Informer callbacks only record changes, in model.ServiceTracker and
//     model.EndpointSliceTracker, and kick the sync runner.
//   - A bounded-frequency runner (runner.go) runs syncs: at most Burst in a
//     row, then one per MinSyncInterval, and at least one per
//     MaxSyncInterval. A failed sync asks for a retry after RetryInterval.
//   - A sync (sync.go) applies the recorded changes to the model and writes
//     one nftables transaction with nftables.Writer: full at start, after a
//     failure and every FullSyncInterval; otherwise partial, touching only
//     the changed Services. After it succeeds, conntrack entries of removed
//     UDP endpoints are deleted, the health check ports follow the
//     Services with externalTrafficPolicy Local, and metrics are updated.
//   - Healthz serves /healthz; Trace explains what the rules do with a
//     packet, computed from the model with the same rule writer.
//
// See README.md for the configuration, the metrics and what users see.
package proxy
