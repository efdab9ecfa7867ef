// Package nodeipam assigns every Node a pod CIDR.
//
// The cluster CIDR (10.244.0.0/16 by default) is cut into subnets of one
// size (/24 by default). Each Node without spec.podCIDR gets the lowest
// free subnet, written to spec.podCIDR and spec.podCIDRs; a deleted Node's
// subnet is free again. The node agent builds pod addresses from it.
//
// The allocation lives only in the Nodes: on start the controller waits
// for its Node cache and marks every podCIDR that Nodes already carry as
// taken before it allocates anything, so a restart (or a failover to
// another server) never hands out a subnet twice. Subnets are tracked in
// CIDRSet, a plain bitmap with no I/O, and in a small tracker that
// remembers which node got which subnet, so that a retried write reuses
// the same subnet.
//
// When the range is full the Node gets a Warning Event with reason
// CIDRNotAvailable and waits; it is retried as soon as a subnet is
// released.
package nodeipam
