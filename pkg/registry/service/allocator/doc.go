// Package allocator holds the in-memory data structures that hand out
// Service ClusterIPs and NodePorts.
//
// It does no I/O. The registry rebuilds a range from the allocations it keeps
// in storage, asks it for a free item, and then records that item in the same
// storage transaction that stores the Service. Because of that split the
// types here can be tested exhaustively without a cluster.
//
// Every range is a [Bitmap]: a fixed number of items, each mapped to one bit.
// [IPRange] maps the usable addresses of a CIDR (the network address and, for
// IPv4, the broadcast address are never handed out) and [PortRange] maps a
// contiguous port range such as 30000-32767.
//
// # Static and dynamic bands
//
// As in Kubernetes, the lowest offsets of a range form a static band that
// users are encouraged to pick from by hand (for example kube-dns at
// 10.96.0.10). [Bitmap.AllocateNext] picks a random free item from the
// dynamic band above it and only falls back to the static band when the
// dynamic band is full, so a hand-picked item rarely collides with an
// automatically chosen one. The band sizes follow the Kubernetes formula
// min(max(16, size/step), limit):
//
//   - IP ranges: step 16, limit 256, computed from the full CIDR size
//     (10.96.0.0/12 gives a 256-address static band, 10.96.0.1-10.96.1.0).
//   - Port ranges: step 32, limit 128 (30000-32767 gives 86 static ports,
//     30000-30085).
//
// Ranges of 16 items or fewer have no static band.
//
// The random source is passed to AllocateNext so tests can be deterministic.
// All methods are safe for concurrent use.
package allocator
