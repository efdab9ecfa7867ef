package lab

import (
	"net/netip"
	"strconv"

	"github.com/svcnet/svcnet/pkg/netnsutil"
)

// Role says what a lab namespace is for.
type Role string

// The roles of lab namespaces.
const (
	RoleRouter  Role = "router"
	RoleNode    Role = "node"
	RoleOutside Role = "outside"
)

// Namespace is one network namespace of a lab.
type Namespace struct {
	// Name is the short name used by Exec and Start: "router", "outside",
	// "node1", ...
	Name string
	// Role is what the namespace is for.
	Role Role
	// NetNS is the namespace's name for `ip netns`: "<lab>-node1".
	NetNS string
	// Path is the pinned namespace file, /run/netns/<NetNS>, usable with
	// setns(2), `nsenter --net=` and netnsutil.
	Path string
	// IP is the namespace's address on its link to the router: the node IP
	// for nodes, OutsideAddr for the outside namespace, RouterNodeAddr for the
	// router.
	IP netip.Addr
	// Index is the node number (1..N) for nodes, 0 otherwise.
	Index int
}

// Node is a lab node: a Namespace with RoleNode.
type Node = Namespace

// topology lists the namespaces of lab name with n nodes, in creation order:
// router, outside, node1..noden. It is pure, so it can be tested anywhere.
func topology(name string, n int) []Namespace {
	out := make([]Namespace, 0, n+2)
	add := func(short string, role Role, ip netip.Addr, idx int) {
		ns := name + "-" + short
		out = append(out, Namespace{Name: short, Role: role, NetNS: ns, Path: netnsutil.NamedPath(ns), IP: ip, Index: idx})
	}
	add(string(RoleRouter), RoleRouter, RouterNodeAddr.Addr(), 0)
	add(string(RoleOutside), RoleOutside, OutsideAddr.Addr(), 0)
	for i := 1; i <= n; i++ {
		add(NodeName(i), RoleNode, NodeAddr(i).Addr(), i)
	}
	return out
}

// routerNodeIface is the name of the router's end of node i's veth.
func routerNodeIface(i int) string { return routerNodeIfacePrefix + strconv.Itoa(i) }
