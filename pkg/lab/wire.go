package lab

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"os"

	"github.com/vishvananda/netlink"

	"github.com/svcnet/svcnet/pkg/netnsutil"
)

// wire creates the links, addresses and routes. Every netlink handle is
// opened inside a lab namespace, so nothing here can reach the host's own
// network configuration.
func (b *builder) wire(ctx context.Context) error {
	handles := make(map[string]*netlink.Handle, len(b.topo))
	defer func() {
		for _, h := range handles {
			h.Close()
		}
	}()
	for _, ns := range b.topo {
		h, err := netnsutil.Handle(ns.Path)
		if err != nil {
			return err
		}
		handles[ns.Name] = h
		if err := linkUp(h, "lo"); err != nil {
			return fmt.Errorf("%s: %w", ns.NetNS, err)
		}
	}
	router := handles[string(RoleRouter)]
	bridge, err := makeBridge(router)
	if err != nil {
		return fmt.Errorf("%s: %w", b.topo[0].NetNS, err)
	}
	for _, ns := range b.topo[1:] {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := b.connect(router, bridge, handles[ns.Name], ns); err != nil {
			return fmt.Errorf("connect %s: %w", ns.NetNS, err)
		}
		if err := b.step("link " + ns.Name); err != nil {
			return err
		}
	}
	// The LB pool is "connected" on the bridge: the router ARPs for a pool
	// address there, and whichever node answers receives its traffic.
	pool := &netlink.Route{LinkIndex: bridge.Attrs().Index, Dst: ipNet(LBPool), Scope: netlink.SCOPE_LINK}
	if err := router.RouteAdd(pool); err != nil {
		return fmt.Errorf("route %s on %s: %w", LBPool, BridgeName, err)
	}
	return nil
}

// makeBridge creates the bridge that joins the nodes, with the router's
// address on it.
func makeBridge(h *netlink.Handle) (netlink.Link, error) {
	br := &netlink.Bridge{LinkAttrs: netlink.LinkAttrs{Name: BridgeName}}
	if err := h.LinkAdd(br); err != nil {
		return nil, fmt.Errorf("add bridge %s: %w", BridgeName, err)
	}
	if err := addrAndUp(h, BridgeName, RouterNodeAddr); err != nil {
		return nil, err
	}
	return h.LinkByName(BridgeName)
}

// connect creates the veth pair between the router and ns: the router's end
// is made in the router namespace and ns's end (eth0) is created directly in
// ns, so no link ever exists in the host namespace.
func (b *builder) connect(router *netlink.Handle, bridge netlink.Link, h *netlink.Handle, ns Namespace) error {
	f, err := os.Open(ns.Path)
	if err != nil {
		return fmt.Errorf("open namespace: %w", err)
	}
	defer f.Close()
	veth := &netlink.Veth{
		LinkAttrs:     netlink.LinkAttrs{Name: routerOutsideIface},
		PeerName:      NodeIface,
		PeerNamespace: netlink.NsFd(int(f.Fd())),
	}
	local, gw := OutsideAddr, RouterOutsideAddr
	if ns.Role == RoleNode {
		veth.Name = routerNodeIface(ns.Index)
		veth.MasterIndex = bridge.Attrs().Index
		local, gw = NodeAddr(ns.Index), RouterNodeAddr
	}
	if err := router.LinkAdd(veth); err != nil {
		return fmt.Errorf("add veth %s: %w", veth.Name, err)
	}
	if ns.Role == RoleNode {
		if err := linkUp(router, veth.Name); err != nil {
			return err
		}
	} else if err := addrAndUp(router, veth.Name, RouterOutsideAddr); err != nil {
		return err
	}
	if err := addrAndUp(h, NodeIface, local); err != nil {
		return err
	}
	eth0, err := h.LinkByName(NodeIface)
	if err != nil {
		return fmt.Errorf("find %s: %w", NodeIface, err)
	}
	def := &netlink.Route{LinkIndex: eth0.Attrs().Index, Gw: net.IP(gw.Addr().AsSlice())}
	if err := h.RouteAdd(def); err != nil {
		return fmt.Errorf("default route via %s: %w", gw.Addr(), err)
	}
	return nil
}

func linkUp(h *netlink.Handle, name string) error {
	l, err := h.LinkByName(name)
	if err != nil {
		return fmt.Errorf("find %s: %w", name, err)
	}
	if err := h.LinkSetUp(l); err != nil {
		return fmt.Errorf("set %s up: %w", name, err)
	}
	return nil
}

func addrAndUp(h *netlink.Handle, name string, p netip.Prefix) error {
	l, err := h.LinkByName(name)
	if err != nil {
		return fmt.Errorf("find %s: %w", name, err)
	}
	if err := h.AddrAdd(l, &netlink.Addr{IPNet: ipNet(p)}); err != nil {
		return fmt.Errorf("address %s on %s: %w", p, name, err)
	}
	if err := h.LinkSetUp(l); err != nil {
		return fmt.Errorf("set %s up: %w", name, err)
	}
	return nil
}

// ipNet converts p to the net.IPNet netlink wants, keeping the host bits
// (an interface address) as they are.
func ipNet(p netip.Prefix) *net.IPNet {
	return &net.IPNet{IP: net.IP(p.Addr().AsSlice()), Mask: net.CIDRMask(p.Bits(), p.Addr().BitLen())}
}
