// Package dns is svcnet's cluster DNS: an authoritative server for the
// cluster zone (cluster.local by default) that implements the Kubernetes
// DNS-Based Service Discovery specification, schema 1.1.0, and forwards
// every other name to the node's upstream resolvers through a cache.
//
// The pieces, from the inside out:
//
//   - [Index] holds trimmed Services, EndpointSlices and Pods (package
//     object) and derives what answers need: each Service's ready
//     endpoints, the reverse (PTR) map and the pod IPs per namespace.
//     Informers fill it in [Server.Run]; tests fill it directly with
//     [Index.Upsert].
//   - [Cluster] answers names inside the zone, and PTR names of Service
//     and endpoint IPs, from an Index. It never forwards a name inside the
//     zone: the search-path queries that a pod's resolver makes with
//     ndots:5 (example.com.default.svc.cluster.local and so on) get
//     NXDOMAIN straight from the index.
//   - forward.Forwarder (package forward) sends the rest to upstream
//     resolvers over UDP, retrying over TCP when the reply is truncated,
//     and caches positive and negative replies for their TTLs.
//   - [Server] chains those [Handler]s, serves them on UDP and TCP,
//     truncates replies that do not fit the client's UDP buffer, keeps
//     Prometheus metrics and serves /healthz.
//
// Server.ServeDNS is a miekg/dns handler, so everything but the sockets
// can be exercised in-process, as the tests and benchmarks do.
package dns
