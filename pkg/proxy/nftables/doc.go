// Package nftables turns the proxy's model of Services into nftables
// rules, in one table of family ip (or ip6), written with
// sigs.k8s.io/knftables.
//
// The layout follows kube-proxy's nftables mode:
//
//   - Base chains hook prerouting/output (nat: DNAT to endpoints; filter:
//     loadBalancerSourceRanges before DNAT), input/forward/output after
//     DNAT (refusals) and postrouting (masquerade).
//   - The "services" chain looks the destination up in verdict maps:
//     service-ips (ClusterIP, external IP and LoadBalancer IP . protocol .
//     port) and service-nodeports (protocol . port, only for the node's own
//     addresses: nodeport-ips, or "fib daddr type local").
//   - Each Service port has a chain "service-HASH-ns/name/proto/port" that
//     picks an endpoint with "numgen random mod N vmap", a "local-" chain
//     with this node's endpoints when a traffic policy is Local, an
//     "external-" chain for traffic from outside, and a "firewall-" chain
//     for loadBalancerSourceRanges. Each endpoint has a chain
//     "endpoint-HASH-ns/name/proto/port__ip/port" that marks hairpin
//     traffic for masquerading, records ClientIP affinity and DNATs.
//   - Refusals: a destination without endpoints is rejected (TCP reset,
//     else ICMP port unreachable) from no-endpoint-services and
//     no-endpoint-nodeports; a wrong port on a ClusterIP is rejected; an
//     unallocated address in a Service CIDR is dropped.
//   - Named counters count the new connections of each Service port and
//     endpoint (NAT chains see only a connection's first packet).
//
// Building is pure: Writer.buildService makes the objects of one Service
// from the model alone. A full sync (WriteFull) flushes the table and
// writes everything in one transaction; a partial sync (WritePartial)
// builds the old and new objects of each changed Service and writes only
// the difference. Chains that fall out of use are emptied at once and
// deleted a little later (Cleanup), as the kernel may still hold them.
package nftables
