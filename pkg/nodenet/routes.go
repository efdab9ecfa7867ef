package nodenet

import (
	"fmt"
	"net"
	"net/netip"

	"github.com/vishvananda/netlink"
)

// RouteManager reads and writes the routes this package owns.
type RouteManager interface {
	// List returns the routes this package installed.
	List() ([]Route, error)
	// Replace installs r, replacing any route to the same destination.
	Replace(r Route) error
	// Delete removes r.
	Delete(r Route) error
}

// RouteProtocol tags the routes nodenet installs (any value above the
// kernel's well-known ones), so that it never touches anyone else's.
const RouteProtocol netlink.RouteProtocol = 0x53 // 'S'

// Netlink is a RouteManager on the current network namespace's main table.
type Netlink struct{}

var _ RouteManager = Netlink{}

// List implements RouteManager.
func (Netlink) List() ([]Route, error) {
	rs, err := netlink.RouteListFiltered(netlink.FAMILY_V4, &netlink.Route{Protocol: RouteProtocol}, netlink.RT_FILTER_PROTOCOL)
	if err != nil {
		return nil, fmt.Errorf("listing routes: %w", err)
	}
	var out []Route
	for _, r := range rs {
		if r.Dst == nil || r.Gw == nil {
			continue
		}
		dst, ok1 := netip.AddrFromSlice(r.Dst.IP)
		gw, ok2 := netip.AddrFromSlice(r.Gw)
		if !ok1 || !ok2 {
			continue
		}
		ones, _ := r.Dst.Mask.Size()
		out = append(out, Route{Dst: netip.PrefixFrom(dst.Unmap(), ones), Gw: gw.Unmap()})
	}
	return out, nil
}

func toNetlink(r Route) *netlink.Route {
	return &netlink.Route{
		Dst:      &net.IPNet{IP: r.Dst.Addr().AsSlice(), Mask: net.CIDRMask(r.Dst.Bits(), r.Dst.Addr().BitLen())},
		Gw:       r.Gw.AsSlice(),
		Protocol: RouteProtocol,
	}
}

// Replace implements RouteManager.
func (Netlink) Replace(r Route) error {
	if err := netlink.RouteReplace(toNetlink(r)); err != nil {
		return fmt.Errorf("route %s via %s: %w", r.Dst, r.Gw, err)
	}
	return nil
}

// Delete implements RouteManager.
func (Netlink) Delete(r Route) error {
	if err := netlink.RouteDel(toNetlink(r)); err != nil {
		return fmt.Errorf("deleting route %s via %s: %w", r.Dst, r.Gw, err)
	}
	return nil
}

// FakeRoutes is a RouteManager that keeps routes in memory.
type FakeRoutes struct{ Routes map[netip.Prefix]Route }

var _ RouteManager = (*FakeRoutes)(nil)

// List implements RouteManager.
func (f *FakeRoutes) List() ([]Route, error) {
	var out []Route
	for _, r := range f.Routes {
		out = append(out, r)
	}
	return out, nil
}

// Replace implements RouteManager.
func (f *FakeRoutes) Replace(r Route) error {
	if f.Routes == nil {
		f.Routes = map[netip.Prefix]Route{}
	}
	f.Routes[r.Dst] = r
	return nil
}

// Delete implements RouteManager.
func (f *FakeRoutes) Delete(r Route) error {
	delete(f.Routes, r.Dst)
	return nil
}
