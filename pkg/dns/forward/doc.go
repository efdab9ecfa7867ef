// Package forward sends DNS queries for names outside the cluster zone to
// upstream resolvers and caches the replies.
//
// A Forwarder asks its upstreams in order: over UDP first, again over TCP
// when the UDP reply is truncated, and on to the next upstream when one
// fails, times out or answers SERVFAIL or REFUSED. Each query to an
// upstream gets a fresh random ID.
//
// The Cache keeps NOERROR replies for the smallest TTL among their records
// and negative replies (NXDOMAIN, NODATA) for the SOA's negative TTL
// (RFC 2308), both capped, in a bounded number of entries. A cached reply
// is served with its TTLs counted down.
//
// ResolvConf reads upstreams from a resolv.conf file, and WithoutSelf
// drops those that would send queries back to the server itself.
package forward
