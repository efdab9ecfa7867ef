package model

import (
	"cmp"
	"net/netip"
	"slices"
	"time"

	v1 "k8s.io/api/core/v1"
	discovery "k8s.io/api/discovery/v1"
)

// sliceInfo is an EndpointSlice trimmed to what the proxy uses.
type sliceInfo struct {
	ports     []slicePort
	endpoints []sliceEndpoint
}

type slicePort struct {
	key  PortKey
	port uint16
}

type sliceEndpoint struct {
	addr                        netip.Addr
	node                        string
	ready, serving, terminating bool
}

// trimSlice keeps the ports and endpoints of s that the proxy can use. It
// returns nil for slices of another address type.
func (s Scope) trimSlice(es *discovery.EndpointSlice) *sliceInfo {
	want := discovery.AddressTypeIPv4
	if s.Family == IPv6 {
		want = discovery.AddressTypeIPv6
	}
	if es.AddressType != want {
		return nil
	}
	info := &sliceInfo{}
	for _, p := range es.Ports {
		if p.Port == nil || *p.Port <= 0 || *p.Port > 65535 {
			continue
		}
		key := PortKey{Protocol: v1.ProtocolTCP}
		if p.Name != nil {
			key.Name = *p.Name
		}
		if p.Protocol != nil {
			key.Protocol = *p.Protocol
		}
		if supportedProtocol(key.Protocol) {
			info.ports = append(info.ports, slicePort{key: key, port: uint16(*p.Port)})
		}
	}
	for i := range es.Endpoints {
		ep := &es.Endpoints[i]
		if len(ep.Addresses) == 0 {
			continue
		}
		a, ok := s.Family.addr(ep.Addresses[0])
		if !ok {
			continue
		}
		c := ep.Conditions
		se := sliceEndpoint{addr: a, ready: c.Ready == nil || *c.Ready, terminating: c.Terminating != nil && *c.Terminating}
		se.serving = se.ready
		if c.Serving != nil {
			se.serving = *c.Serving
		}
		if ep.NodeName != nil {
			se.node = *ep.NodeName
		}
		info.endpoints = append(info.endpoints, se)
	}
	return info
}

// mergeSlices builds the endpoints of each port from all slices of one
// Service. An address listed twice (while an endpoint moves between slices)
// counts once, preferring the better condition.
func mergeSlices(slices_ map[string]*sliceInfo) map[PortKey][]*Endpoint {
	byPort := map[PortKey]map[netip.AddrPort]*Endpoint{}
	for _, si := range slices_ {
		for _, p := range si.ports {
			m := byPort[p.key]
			if m == nil {
				m = map[netip.AddrPort]*Endpoint{}
				byPort[p.key] = m
			}
			for _, e := range si.endpoints {
				ep := &Endpoint{Addr: netip.AddrPortFrom(e.addr, p.port), NodeName: e.node,
					Ready: e.ready, Serving: e.serving, Terminating: e.terminating}
				if old := m[ep.Addr]; old == nil || rank(ep) > rank(old) {
					m[ep.Addr] = ep
				}
			}
		}
	}
	out := make(map[PortKey][]*Endpoint, len(byPort))
	for key, m := range byPort {
		list := make([]*Endpoint, 0, len(m))
		for _, ep := range m {
			list = append(list, ep)
		}
		slices.SortFunc(list, func(a, b *Endpoint) int { return a.Addr.Compare(b.Addr) })
		out[key] = list
	}
	return out
}

func rank(e *Endpoint) int {
	switch {
	case e.Ready:
		return 2
	case e.Serving:
		return 1
	}
	return 0
}

// triggerTime reads the EndpointSlice controller's last-change-trigger-time
// annotation: when the change that led to this slice happened.
func triggerTime(es *discovery.EndpointSlice) time.Time {
	v, ok := es.Annotations[v1.EndpointsLastChangeTriggerTime]
	if !ok {
		return time.Time{}
	}
	t, err := time.Parse(time.RFC3339Nano, v)
	if err != nil {
		return time.Time{}
	}
	return t
}

func earliest(ts []time.Time) time.Time {
	if len(ts) == 0 {
		return time.Time{}
	}
	return slices.MinFunc(ts, func(a, b time.Time) int { return cmp.Compare(a.UnixNano(), b.UnixNano()) })
}
