package dns

import (
	"net/netip"
	"slices"
)

// service returns the view of a Service, or nil when no such Service
// exists (slices alone do not make a Service).
func (x *Index) service(ns, name string) *serviceView {
	x.mu.RLock()
	st := x.services[nsName{ns, name}]
	var v *serviceView
	if st != nil {
		v = st.view
	}
	x.mu.RUnlock()
	if v == nil || v.svc == nil {
		return nil
	}
	return v
}

// hasNamespace reports whether a namespace has at least one Service.
func (x *Index) hasNamespace(ns string) bool {
	x.mu.RLock()
	defer x.mu.RUnlock()
	return x.namespaces[ns] > 0
}

// hasPodIP reports whether a pod in namespace ns has address a.
func (x *Index) hasPodIP(ns string, a netip.Addr) bool {
	x.mu.RLock()
	defer x.mu.RUnlock()
	return x.podIPs[nsAddr{ns, a}] > 0
}

// hasPodNamespace reports whether a namespace has a pod with an IP.
func (x *Index) hasPodNamespace(ns string) bool {
	x.mu.RLock()
	defer x.mu.RUnlock()
	return x.podNamespaces[ns] > 0
}

// ptrTarget names the owner of an IP: Service name in namespace ns, and
// for an endpoint its label (hostname, or dashed address).
type ptrTarget struct {
	ns, name string
	label    string
}

// reverse returns the names that own address a: its Services (for a
// ClusterIP) and the Services it is a ready endpoint of.
func (x *Index) reverse(a netip.Addr) []ptrTarget {
	x.mu.RLock()
	defer x.mu.RUnlock()
	refs, ok := x.ptr[a]
	if !ok {
		return nil
	}
	all := refs.all()
	out := make([]ptrTarget, 0, len(all))
	for _, r := range all {
		t := ptrTarget{ns: r.st.ns, name: r.st.name}
		if r.endpoint {
			e, ok := r.st.view.endpointAt(a)
			if !ok {
				continue
			}
			t.label = endpointLabel(e.hostname, a)
		}
		out = append(out, t)
	}
	return out
}

// endpointAt finds the endpoint with address a; endpoints are sorted by
// address.
func (v *serviceView) endpointAt(a netip.Addr) (endpoint, bool) {
	i, ok := slices.BinarySearchFunc(v.endpoints, a, func(e endpoint, a netip.Addr) int { return e.addr.Compare(a) })
	if !ok {
		return endpoint{}, false
	}
	return v.endpoints[i], true
}

// endpointLabel is an endpoint's DNS label: its hostname, or its address
// with dashes for dots and colons (10-244-1-5, 2001-db8--5), as CoreDNS
// names endpoints without a hostname.
func endpointLabel(hostname string, a netip.Addr) string {
	if hostname != "" {
		return hostname
	}
	return dashed(a)
}

func dashed(a netip.Addr) string {
	b := []byte(a.String())
	for i, c := range b {
		if c == '.' || c == ':' {
			b[i] = '-'
		}
	}
	return string(b)
}

// undash parses a dashed address label; ok is false when it is not one.
func undash(label string) (netip.Addr, bool) {
	if len(label) < 2 || len(label) > 45 {
		return netip.Addr{}, false
	}
	var buf [45]byte
	b := buf[:len(label)]
	dots := 0
	for i := 0; i < len(label); i++ {
		c := label[i]
		if c == '-' {
			dots++
		}
		b[i] = c
	}
	// Four groups and three dashes is IPv4; anything else must be IPv6.
	sep := byte(':')
	if dots == 3 && !containsHexLetter(label) {
		sep = '.'
	}
	for i, c := range b {
		if c == '-' {
			b[i] = sep
		}
	}
	a, err := netip.ParseAddr(string(b))
	if err != nil || a.Zone() != "" {
		return netip.Addr{}, false
	}
	return a, true
}

func containsHexLetter(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i] | 0x20; c >= 'a' && c <= 'f' {
			return true
		}
	}
	return false
}
