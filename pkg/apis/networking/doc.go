// Package networking holds validation for the networking.k8s.io/v1 objects
// svcnet's Service IP allocator works with: ServiceCIDRs, which define the
// ranges ClusterIPs come from, and IPAddresses, one per allocated ClusterIP.
// Neither needs defaulting.
package networking
