package proxy

import (
	"net/netip"

	v1 "k8s.io/api/core/v1"

	"github.com/svcnet/svcnet/pkg/proxy/conntrack"
	"github.com/svcnet/svcnet/pkg/proxy/model"
)

// staleUDPFlows returns filters for the conntrack entries that lead to UDP
// endpoints the rules used before a change and no longer use: one per
// Service IP and one for the NodePort, each limited to the endpoint as the
// reply source.
func staleUDPFlows(old, cur *model.Service, node string) []conntrack.Filter {
	if old == nil {
		return nil
	}
	var out []conntrack.Filter
	for _, sp := range old.Ports {
		if sp.Name.Protocol != v1.ProtocolUDP {
			continue
		}
		key := sp.Name.Key()
		after := map[netip.AddrPort]bool{}
		if cur != nil && hasPort(cur, key) {
			for _, ep := range usedEndpoints(cur.Endpoints[key], node) {
				after[ep.Addr] = true
			}
		}
		for _, ep := range usedEndpoints(old.Endpoints[key], node) {
			if after[ep.Addr] {
				continue
			}
			ips := append(append([]netip.Addr{sp.ClusterIP}, sp.ExternalIPs...), sp.LoadBalancerIPs...)
			for _, ip := range ips {
				out = append(out, conntrack.Filter{Protocol: "udp", OrigDst: ip, OrigDstPort: sp.Port, ReplySrc: ep.Addr.Addr()})
			}
			if sp.NodePort != 0 {
				out = append(out, conntrack.Filter{Protocol: "udp", OrigDstPort: sp.NodePort, ReplySrc: ep.Addr.Addr()})
			}
		}
	}
	return out
}

func hasPort(s *model.Service, key model.PortKey) bool {
	for _, sp := range s.Ports {
		if sp.Name.Key() == key {
			return true
		}
	}
	return false
}

// usedEndpoints are the endpoints any policy chain may send traffic to.
func usedEndpoints(eps []*model.Endpoint, node string) []*model.Endpoint {
	sel := model.Select(eps, node)
	return append(append([]*model.Endpoint{}, sel.Cluster...), sel.Local...)
}
