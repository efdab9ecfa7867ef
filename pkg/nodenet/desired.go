package nodenet

import (
	"net/netip"
	"sort"

	corev1 "k8s.io/api/core/v1"
)

// Route is one route this package manages: Dst via Gw.
type Route struct {
	Dst netip.Prefix
	Gw  netip.Addr
}

// DesiredRoutes returns a route to each other node's podCIDR via its
// InternalIP, sorted by destination. Nodes without a podCIDR or an
// InternalIP are skipped, and so is self.
func DesiredRoutes(nodes []*corev1.Node, self string) []Route {
	var out []Route
	for _, n := range nodes {
		if n.Name == self || n.Spec.PodCIDR == "" {
			continue
		}
		dst, err := netip.ParsePrefix(n.Spec.PodCIDR)
		if err != nil {
			continue
		}
		gw, ok := internalIP(n)
		if !ok || gw.Is4() != dst.Addr().Is4() {
			continue
		}
		out = append(out, Route{Dst: dst.Masked(), Gw: gw})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Dst.String() < out[j].Dst.String() })
	return out
}

func internalIP(n *corev1.Node) (netip.Addr, bool) {
	for _, a := range n.Status.Addresses {
		if a.Type == corev1.NodeInternalIP {
			if ip, err := netip.ParseAddr(a.Address); err == nil {
				return ip, true
			}
		}
	}
	return netip.Addr{}, false
}

// Diff returns the routes to add (or replace) and to delete to turn have
// into want.
func Diff(have, want []Route) (replace, remove []Route) {
	haveBy := map[netip.Prefix]Route{}
	for _, r := range have {
		haveBy[r.Dst] = r
	}
	wantBy := map[netip.Prefix]bool{}
	for _, r := range want {
		wantBy[r.Dst] = true
		if cur, ok := haveBy[r.Dst]; !ok || cur.Gw != r.Gw {
			replace = append(replace, r)
		}
	}
	for _, r := range have {
		if !wantBy[r.Dst] {
			remove = append(remove, r)
		}
	}
	return replace, remove
}
