// Package conntrack deletes connection-tracking entries of the proxy's
// UDP Services.
//
// UDP has no connection to close: while a conntrack entry lives, every
// datagram from the same client port follows the DNAT the entry recorded,
// even after that endpoint is gone. When an endpoint is removed the proxy
// deletes the entries that were translated to it, so the client's next
// datagram is balanced again.
//
// Netlink talks to the kernel (Linux only); Fake keeps flows in memory and
// records every call, for tests.
package conntrack
