// Package lab builds and tears down a lab cluster: a multi-node network made
// of Linux network namespaces on one machine, the way kind makes one out of
// containers. `svcnet lab up/down/exec/kubeconfig` and the end-to-end tests
// use it.
//
// A lab named N with k nodes is
//
//   - N-router: a namespace holding the bridge svcnet-br (192.0.2.1/24) that
//     joins the nodes, a veth to the outside namespace (198.51.100.1/24), IP
//     forwarding, and a route for the LoadBalancer pool 203.0.113.0/24 on the
//     bridge, so that a node answering ARP for a pool address receives its
//     traffic;
//   - N-node1 .. N-nodek: one namespace per node, with eth0 = 192.0.2.(10+i)/24
//     on the bridge and a default route via the router;
//   - N-outside: a client outside the cluster, 198.51.100.2/24, default route
//     via the router.
//
// Every link is created inside a lab namespace (veth pairs are created in the
// router namespace with their peer placed directly in the node namespace), no
// lab namespace has a route out of the lab, and the host's links, addresses,
// routes, sysctls and nftables are never touched. See README.md for the
// diagram and the safety guarantees.
//
// Up records what it creates in a JSON state file in Config.RunDir before it
// creates it, and Start records the PIDs (with their start times) of the
// processes it starts, so that Down, given only the run directory, removes
// everything the lab made even when the process that ran Up died halfway.
// Down stops only the processes recorded there, by PID, and deletes only the
// namespaces recorded there.
//
// Commands run inside a namespace (Exec, Start) are forked from a thread that
// has joined the namespace (netnsutil.StartCommand), so no nsenter or ip
// binary is needed; only the network namespace differs from the caller's.
package lab
