// Package nodenet keeps a node's pod network in step with the cluster: a
// route to every other node's podCIDR through that node's InternalIP
// (host-gw, as flannel's host-gw backend does), and masquerading of pod
// traffic that leaves the cluster CIDR. It runs in the node agent, in the
// node's network namespace, and only ever touches the routes it tagged as
// its own and the nftables table it owns.
package nodenet
