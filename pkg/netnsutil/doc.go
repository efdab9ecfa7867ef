// Package netnsutil is a small toolkit for working with Linux network
// namespaces from Go: creating and deleting named namespaces, running Go code
// inside one, and creating sockets, netlink handles and child processes that
// belong to one.
//
// # Thread discipline
//
// A network namespace belongs to an OS thread, not to a goroutine or a
// process. Do therefore runs its function on a fresh goroutine that locks its
// OS thread, switches that thread into the target namespace and never unlocks
// it: when the goroutine returns, the Go runtime ends the thread, so a thread
// in a foreign namespace can never be handed to unrelated goroutines. This is
// the discipline of the CNI plugins' ns package. The thread is also switched
// back to its original namespace before the goroutine ends, because the one
// thread the runtime cannot end is the process's main thread: it parks it
// forever instead, and a main thread parked inside a lab namespace would make
// the whole process look (in /proc/<pid>/ns/net) as if it lived there, and
// keep that namespace alive after it is deleted.
//
// Objects created inside Do keep their namespace after Do returns:
//
//   - a socket (Listen, ListenPacket, Dial) stays in the namespace where it was
//     created, and can be used from any goroutine;
//   - a netlink handle (Handle) talks to the namespace it was opened in;
//   - a child process (StartCommand) is forked from the locked thread and
//     inherits its namespace.
//
// Goroutines started inside fn do NOT inherit the namespace, and neither does
// name resolution, which may run on other goroutines. Dial and Listen
// therefore accept only IP literals.
//
// # Named namespaces
//
// CreateNamed and DeleteNamed follow iproute2: a namespace named X is pinned
// by a bind mount at /run/netns/X, so `ip netns exec X ...` works on it, and
// /run/netns is made a shared mount point (as `ip netns add` does) so that
// unmounting it in one mount namespace unmounts it everywhere.
//
// The package is Linux only and needs CAP_SYS_ADMIN (root) for everything
// except Do on an existing namespace the caller may join.
package netnsutil
