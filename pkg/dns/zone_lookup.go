package dns

import (
	"net/netip"
	"strings"
)

// nodeKind says what a name in the zone is.
type nodeKind uint8

const (
	nodeNone    nodeKind = iota // does not exist: NXDOMAIN
	nodeEmpty                   // exists without records: NODATA for every type
	nodeApex                    // the zone: SOA and NS
	nodeVersion                 // dns-version.<zone>: TXT
	nodeAddrs                   // addresses only: ns.dns.<zone>, pods, endpoints
	nodeService                 // <svc>.<ns>.svc.<zone>: addresses and SRV
	nodeCNAME                   // an ExternalName Service
	nodeSRV                     // _<port>._<proto>.<svc>.<ns>.svc.<zone>
)

// node is a name of the zone and what is needed to build its records.
type node struct {
	kind  nodeKind
	addrs []netip.Addr // nodeAddrs, and nodeService for ClusterIP Services
	view  *serviceView // nodeService, nodeSRV
	ns    string       // namespace of view
	cname string       // nodeCNAME target
	srv   []srvRecord  // nodeSRV
}

func (n node) exists() bool { return n.kind != nodeNone }

// maxLabels is the most labels below the zone that can exist:
// _<port>._<proto>.<svc>.<ns>.svc.
const maxLabels = 5

// lookup finds a lower-case name of the zone.
func (c *Cluster) lookup(lower string) node {
	if lower == c.zone {
		return node{kind: nodeApex}
	}
	rel := lower[:len(lower)-len(c.dotZone)]
	if strings.IndexByte(rel, '\\') >= 0 {
		return node{} // escaped characters never appear in API names
	}
	// l[0] is the label next to the zone, l[n-1] the leftmost.
	var l [maxLabels]string
	n := 0
	for rel != "" {
		if n == maxLabels {
			return node{}
		}
		i := strings.LastIndexByte(rel, '.')
		l[n] = rel[i+1:]
		if l[n] == "" {
			return node{}
		}
		n++
		if i < 0 {
			break
		}
		rel = rel[:i]
	}
	switch l[0] {
	case "svc":
		return c.lookupSvc(l[1:n])
	case "pod":
		return c.lookupPod(l[1:n])
	case "dns-version":
		if n == 1 {
			return node{kind: nodeVersion}
		}
	case "dns":
		switch {
		case n == 1:
			return node{kind: nodeEmpty}
		case n == 2 && l[1] == "ns":
			n := node{kind: nodeAddrs}
			if v := c.index.service(c.nsSvc.ns, c.nsSvc.name); v != nil {
				n.addrs = v.svc.ClusterIPs
			}
			return n
		}
	}
	return node{}
}

// lookupSvc finds a name under svc.<zone>; l runs from namespace leftwards.
func (c *Cluster) lookupSvc(l []string) node {
	switch len(l) {
	case 0:
		return node{kind: nodeEmpty}
	case 1:
		if c.index.hasNamespace(l[0]) {
			return node{kind: nodeEmpty}
		}
		return node{}
	}
	ns := l[0]
	v := c.index.service(ns, l[1])
	if v == nil {
		return node{}
	}
	s := v.svc
	switch len(l) {
	case 2:
		switch {
		case s.ExternalName != "":
			return node{kind: nodeCNAME, cname: s.ExternalName}
		case s.Headless && len(v.endpoints) == 0:
			// The specification: a headless Service without ready
			// endpoints is NXDOMAIN.
			return node{}
		}
		return node{kind: nodeService, view: v, ns: ns, addrs: s.ClusterIPs}
	case 3:
		if s.ExternalName != "" {
			return node{}
		}
		if label := l[2]; strings.HasPrefix(label, "_") {
			// _<proto>.<svc>...: exists when an SRV record is below it.
			if len(c.srvs(ns, v, "", label[1:])) > 0 {
				return node{kind: nodeEmpty}
			}
			return node{}
		}
		return c.lookupEndpoint(v, l[2])
	case 4:
		port, proto := l[3], l[2]
		if s.ExternalName != "" || !strings.HasPrefix(port, "_") || !strings.HasPrefix(proto, "_") || len(port) == 1 {
			return node{}
		}
		srv := c.srvs(ns, v, port[1:], proto[1:])
		if len(srv) == 0 {
			return node{}
		}
		return node{kind: nodeSRV, view: v, ns: ns, srv: srv}
	}
	return node{}
}

// lookupEndpoint finds <label>.<svc>.<ns>.svc.<zone>: the ready endpoints
// with that hostname, or the one without hostname at that dashed address.
func (c *Cluster) lookupEndpoint(v *serviceView, label string) node {
	a, isAddr := undash(label)
	var addrs []netip.Addr
	for _, e := range v.endpoints {
		if e.hostname == label || (e.hostname == "" && isAddr && e.addr == a) {
			addrs = append(addrs, e.addr)
		}
	}
	if len(addrs) == 0 {
		return node{}
	}
	return node{kind: nodeAddrs, addrs: addrs}
}

// lookupPod finds a name under pod.<zone>: <dashed-ip>.<ns>.pod.<zone>
// exists when a pod in <ns> has that IP ("pods verified").
func (c *Cluster) lookupPod(l []string) node {
	switch len(l) {
	case 0:
		return node{kind: nodeEmpty}
	case 1:
		if c.index.hasPodNamespace(l[0]) {
			return node{kind: nodeEmpty}
		}
	case 2:
		if a, ok := undash(l[1]); ok && c.index.hasPodIP(l[0], a) {
			return node{kind: nodeAddrs, addrs: []netip.Addr{a}}
		}
	}
	return node{}
}
