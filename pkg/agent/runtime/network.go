//go:build linux

package runtime

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"

	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"

	"github.com/svcnet/svcnet/pkg/netnsutil"
)

// podIfName is the pod's interface, as in every Kubernetes pod.
const podIfName = "eth0"

// EnsureNodeNetwork creates (or repairs) the node bridge in the node's
// network namespace: BridgeName, holding the podCIDR's first address, up.
// It is idempotent.
func (l *Linux) EnsureNodeNetwork(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	h, err := l.nodeHandle()
	if err != nil {
		return err
	}
	defer h.Close()
	br, err := l.ensureBridge(h)
	if err != nil {
		return err
	}
	gw := &netlink.Addr{IPNet: ipNet(netip.PrefixFrom(Gateway(l.cfg.PodCIDR), l.cfg.PodCIDR.Bits()))}
	if err := h.AddrReplace(br, gw); err != nil {
		return fmt.Errorf("set gateway address %s on %s: %w", gw.IPNet, l.cfg.BridgeName, err)
	}
	if err := h.LinkSetUp(br); err != nil {
		return fmt.Errorf("set %s up: %w", l.cfg.BridgeName, err)
	}
	l.log.Debug("node network ready", "bridge", l.cfg.BridgeName, "gateway", gw.IPNet.String())
	return nil
}

// ensureBridge returns the node bridge, creating it with a fixed random MAC
// (otherwise a bridge takes its lowest port's MAC, which changes as pods
// come and go and would break the pods' ARP caches).
func (l *Linux) ensureBridge(h *netlink.Handle) (netlink.Link, error) {
	link, err := h.LinkByName(l.cfg.BridgeName)
	if err == nil {
		if link.Type() != "bridge" {
			return nil, fmt.Errorf("%s exists but is a %s, not a bridge", l.cfg.BridgeName, link.Type())
		}
		return link, nil
	}
	var nf netlink.LinkNotFoundError
	if !errors.As(err, &nf) {
		return nil, fmt.Errorf("look up bridge %s: %w", l.cfg.BridgeName, err)
	}
	mac, err := randomMAC()
	if err != nil {
		return nil, err
	}
	br := &netlink.Bridge{LinkAttrs: netlink.LinkAttrs{Name: l.cfg.BridgeName, HardwareAddr: mac}}
	if err := h.LinkAdd(br); err != nil && !errors.Is(err, unix.EEXIST) {
		return nil, fmt.Errorf("create bridge %s: %w", l.cfg.BridgeName, err)
	}
	link, err = h.LinkByName(l.cfg.BridgeName)
	if err != nil {
		return nil, fmt.Errorf("look up bridge %s: %w", l.cfg.BridgeName, err)
	}
	return link, nil
}

// ensurePodNetNS makes sure the pod's namespace is pinned, replacing a stale
// pin file (left by a reboot), and returns its path.
func ensurePodNetNS(uid string) (string, error) {
	name := podNetNSName(uid)
	path := netnsutil.NamedPath(name)
	if netnsutil.IsNamespace(path) {
		return path, nil
	}
	if err := netnsutil.DeleteNamed(name); err != nil {
		return "", fmt.Errorf("remove stale pod namespace pin: %w", err)
	}
	if err := netnsutil.CreateNamed(name); err != nil {
		return "", fmt.Errorf("create pod network namespace: %w", err)
	}
	return path, nil
}

// setupPodNetwork wires a pod's namespace to the node bridge: a veth whose
// node end (hostVeth) is a bridge port and whose pod end is eth0 with ip and
// a default route through the gateway; loopback is up. It is idempotent.
func (l *Linux) setupPodNetwork(nsPath, hostVeth string, ip netip.Addr) error {
	nh, err := l.nodeHandle()
	if err != nil {
		return err
	}
	defer nh.Close()
	ph, err := netnsutil.Handle(nsPath)
	if err != nil {
		return err
	}
	defer ph.Close()

	br, err := nh.LinkByName(l.cfg.BridgeName)
	if err != nil {
		return fmt.Errorf("node bridge %s (was EnsureNodeNetwork called?): %w", l.cfg.BridgeName, err)
	}
	_, hostErr := nh.LinkByName(hostVeth)
	_, podErr := ph.LinkByName(podIfName)
	if hostErr != nil || podErr != nil {
		// Half a pair (or none): start over.
		if err := deleteLinkIfExists(nh, hostVeth); err != nil {
			return err
		}
		if err := deleteLinkIfExists(ph, podIfName); err != nil {
			return err
		}
		if err := createVeth(nh, nsPath, hostVeth, br.Attrs().Index); err != nil {
			return err
		}
	}
	host, err := nh.LinkByName(hostVeth)
	if err != nil {
		return fmt.Errorf("look up %s: %w", hostVeth, err)
	}
	if err := nh.LinkSetMaster(host, br); err != nil {
		return fmt.Errorf("attach %s to %s: %w", hostVeth, l.cfg.BridgeName, err)
	}
	if err := nh.LinkSetUp(host); err != nil {
		return fmt.Errorf("set %s up: %w", hostVeth, err)
	}
	return l.configurePodSide(ph, ip)
}

// createVeth creates the pair in the node namespace with its peer created
// directly inside the pod namespace as eth0, so no "eth0" ever exists in
// the node namespace, even for a moment.
func createVeth(nh *netlink.Handle, nsPath, hostVeth string, master int) error {
	f, err := os.Open(nsPath)
	if err != nil {
		return fmt.Errorf("open pod network namespace: %w", err)
	}
	defer f.Close()
	veth := &netlink.Veth{
		LinkAttrs:     netlink.LinkAttrs{Name: hostVeth, MasterIndex: master},
		PeerName:      podIfName,
		PeerNamespace: netlink.NsFd(int(f.Fd())),
	}
	if err := nh.LinkAdd(veth); err != nil {
		return fmt.Errorf("create veth %s: %w", hostVeth, err)
	}
	return nil
}

// configurePodSide sets lo and eth0 up, eth0's address and the default
// route, inside the pod namespace.
func (l *Linux) configurePodSide(ph *netlink.Handle, ip netip.Addr) error {
	lo, err := ph.LinkByName("lo")
	if err != nil {
		return fmt.Errorf("look up pod loopback: %w", err)
	}
	if err := ph.LinkSetUp(lo); err != nil {
		return fmt.Errorf("set pod loopback up: %w", err)
	}
	eth, err := ph.LinkByName(podIfName)
	if err != nil {
		return fmt.Errorf("look up pod %s: %w", podIfName, err)
	}
	addr := &netlink.Addr{IPNet: ipNet(netip.PrefixFrom(ip, l.cfg.PodCIDR.Bits()))}
	if err := ph.AddrReplace(eth, addr); err != nil {
		return fmt.Errorf("set pod address %s: %w", addr.IPNet, err)
	}
	if err := ph.LinkSetUp(eth); err != nil {
		return fmt.Errorf("set pod %s up: %w", podIfName, err)
	}
	gw := Gateway(l.cfg.PodCIDR)
	route := &netlink.Route{
		LinkIndex: eth.Attrs().Index,
		Dst:       &net.IPNet{IP: net.IPv4zero, Mask: net.CIDRMask(0, 32)},
		Gw:        gw.AsSlice(),
	}
	if err := ph.RouteReplace(route); err != nil {
		return fmt.Errorf("set pod default route via %s: %w", gw, err)
	}
	return nil
}

// teardownPodNetwork deletes the pod's veth (from the node side, so the
// bridge port goes away at once, not whenever the kernel frees the
// namespace) and unpins the pod's namespace. Missing pieces are fine.
func (l *Linux) teardownPodNetwork(uid string) error {
	nh, err := l.nodeHandle()
	if err != nil {
		return err
	}
	defer nh.Close()
	return errors.Join(
		deleteLinkIfExists(nh, hostVethName(uid)),
		netnsutil.DeleteNamed(podNetNSName(uid)),
	)
}

func deleteLinkIfExists(h *netlink.Handle, name string) error {
	link, err := h.LinkByName(name)
	if err != nil {
		var nf netlink.LinkNotFoundError
		if errors.As(err, &nf) {
			return nil
		}
		return fmt.Errorf("look up %s: %w", name, err)
	}
	if err := h.LinkDel(link); err != nil && !errors.Is(err, unix.ENODEV) {
		return fmt.Errorf("delete %s: %w", name, err)
	}
	return nil
}

func ipNet(p netip.Prefix) *net.IPNet {
	return &net.IPNet{IP: p.Addr().AsSlice(), Mask: net.CIDRMask(p.Bits(), p.Addr().BitLen())}
}
