// Package coordination holds validation for coordination.k8s.io/v1 Leases,
// which svcnet uses for leader election and for choosing the node that
// announces a LoadBalancer IP. Leases need no defaulting.
package coordination
