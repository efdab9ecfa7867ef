package dns

import (
	"net/netip"
	"slices"
	"strings"

	"github.com/miekg/dns"

	"github.com/svcnet/svcnet/pkg/dns/object"
)

// srvRecord is one SRV record and the addresses of its target, for the
// additional section.
type srvRecord struct {
	port   uint16
	target string
	addrs  []netip.Addr
}

// records builds the answer for qtype at node n, named owner, and the
// additional records that go with it.
func (c *Cluster) records(owner string, n node, qtype uint16) (answer, extra []dns.RR) {
	switch n.kind {
	case nodeApex:
		if qtype == dns.TypeSOA || qtype == dns.TypeANY {
			answer = append(answer, c.soa())
		}
		if qtype == dns.TypeNS || qtype == dns.TypeANY {
			answer = append(answer, &dns.NS{Hdr: c.hdr(owner, dns.TypeNS), Ns: c.nsName})
			if v := c.index.service(c.nsSvc.ns, c.nsSvc.name); v != nil {
				extra = c.appendAddrs(extra, c.nsName, v.svc.ClusterIPs, dns.TypeANY)
			}
		}
	case nodeVersion:
		if qtype == dns.TypeTXT || qtype == dns.TypeANY {
			answer = append(answer, &dns.TXT{Hdr: c.hdr(owner, dns.TypeTXT), Txt: []string{SchemaVersion}})
		}
	case nodeAddrs:
		answer = c.appendAddrs(nil, owner, n.addrs, qtype)
	case nodeService:
		s := n.view.svc
		if s.Headless {
			eps := n.view.endpoints
			answer = c.appendAddrsOf(answer, owner, qtype, len(eps), func(i int) netip.Addr { return eps[i].addr })
		} else {
			answer = c.appendAddrs(answer, owner, n.addrs, qtype)
		}
		if qtype == dns.TypeSRV || qtype == dns.TypeANY {
			answer, extra = c.appendSRV(answer, extra, owner, c.srvs(n.ns, n.view, "", ""))
		}
	case nodeSRV:
		if qtype == dns.TypeSRV || qtype == dns.TypeANY {
			answer, extra = c.appendSRV(answer, extra, owner, n.srv)
		}
	}
	return answer, extra
}

// appendAddrs appends the A records (for qtype A) or AAAA records (for
// AAAA) of addrs, or both for ANY.
func (c *Cluster) appendAddrs(rrs []dns.RR, owner string, addrs []netip.Addr, qtype uint16) []dns.RR {
	return c.appendAddrsOf(rrs, owner, qtype, len(addrs), func(i int) netip.Addr { return addrs[i] })
}

// appendAddrsOf is appendAddrs over n addresses given by addr. It
// allocates the records and their IP bytes in one block each, so that a
// headless Service with many endpoints costs a few allocations, not two
// per record.
func (c *Cluster) appendAddrsOf(rrs []dns.RR, owner string, qtype uint16, n int, addr func(int) netip.Addr) []dns.RR {
	want4 := qtype == dns.TypeA || qtype == dns.TypeANY
	want6 := qtype == dns.TypeAAAA || qtype == dns.TypeANY
	n4, n6 := 0, 0
	for i := range n {
		if a := addr(i); a.Is4() && want4 {
			n4++
		} else if a.Is6() && want6 {
			n6++
		}
	}
	if n4+n6 == 0 {
		return rrs
	}
	if rrs == nil {
		rrs = make([]dns.RR, 0, n4+n6)
	}
	as := make([]dns.A, n4)
	aaaas := make([]dns.AAAA, n6)
	ips := make([]byte, 4*n4+16*n6)
	i4, i6 := 0, 0
	for i := range n {
		a := addr(i)
		switch {
		case a.Is4() && want4:
			ip := ips[:4:4]
			ips = ips[4:]
			b := a.As4()
			copy(ip, b[:])
			as[i4] = dns.A{Hdr: c.hdr(owner, dns.TypeA), A: ip}
			rrs = append(rrs, &as[i4])
			i4++
		case a.Is6() && want6:
			ip := ips[:16:16]
			ips = ips[16:]
			b := a.As16()
			copy(ip, b[:])
			aaaas[i6] = dns.AAAA{Hdr: c.hdr(owner, dns.TypeAAAA), AAAA: ip}
			rrs = append(rrs, &aaaas[i6])
			i6++
		}
	}
	return rrs
}

// appendSRV appends SRV records, with equal weights, and the addresses of
// their targets.
func (c *Cluster) appendSRV(answer, extra []dns.RR, owner string, srv []srvRecord) ([]dns.RR, []dns.RR) {
	weight := uint16(1)
	if len(srv) > 0 && len(srv) < 100 {
		weight = uint16(100 / len(srv))
	}
	seen := make(map[string]bool, len(srv))
	for _, s := range srv {
		answer = append(answer, &dns.SRV{Hdr: c.hdr(owner, dns.TypeSRV), Priority: 0, Weight: weight, Port: s.port, Target: s.target})
		if !seen[s.target] {
			seen[s.target] = true
			extra = c.appendAddrs(extra, s.target, s.addrs, dns.TypeANY)
		}
	}
	return answer, extra
}

// srvs lists the SRV records of a Service for its named ports that match
// port and proto ("" matches any). A ClusterIP Service has one per port,
// targeting the Service; a headless one has one per port and ready
// endpoint label, targeting <label>.<svc>.<ns>.svc.<zone> and using the
// endpoint's own port number (its resolved target port).
func (c *Cluster) srvs(ns string, v *serviceView, port, proto string) []srvRecord {
	s := v.svc
	if s.ExternalName != "" {
		return nil
	}
	var out []srvRecord
	var groups []labelGroup
	svcName := ""
	for _, p := range s.Ports {
		if p.Name == "" || (port != "" && p.Name != port) || (proto != "" && p.Protocol != proto) {
			continue
		}
		if svcName == "" {
			svcName = c.serviceName(ns, s.Name)
		}
		if !s.Headless {
			out = append(out, srvRecord{port: uint16(p.Port), target: svcName, addrs: s.ClusterIPs})
			continue
		}
		if groups == nil {
			groups = groupEndpoints(v.endpoints)
		}
		for _, g := range groups {
			out = append(out, srvRecord{
				port:   uint16(endpointPort(g.first, p)),
				target: g.label + "." + svcName,
				addrs:  g.addrs,
			})
		}
	}
	slices.SortFunc(out, func(a, b srvRecord) int {
		if d := strings.Compare(a.target, b.target); d != 0 {
			return d
		}
		return int(a.port) - int(b.port)
	})
	return out
}

// labelGroup is the endpoints that share a DNS label: a hostname used by
// a dual-stack endpoint (or by several pods), or one dashed address.
type labelGroup struct {
	label string
	first endpoint
	addrs []netip.Addr
}

func groupEndpoints(eps []endpoint) []labelGroup {
	out := make([]labelGroup, 0, len(eps))
	byHost := map[string]int{}
	for _, e := range eps {
		if e.hostname == "" {
			out = append(out, labelGroup{label: dashed(e.addr), first: e, addrs: []netip.Addr{e.addr}})
			continue
		}
		if i, ok := byHost[e.hostname]; ok {
			out[i].addrs = append(out[i].addrs, e.addr)
			continue
		}
		byHost[e.hostname] = len(out)
		out = append(out, labelGroup{label: e.hostname, first: e, addrs: []netip.Addr{e.addr}})
	}
	return out
}

// endpointPort is the number of Service port p on endpoint e: the port of
// the same name and protocol in e's slice, or p's own number.
func endpointPort(e endpoint, p object.Port) int32 {
	for _, ep := range e.slice.Ports {
		if ep.Name == p.Name && ep.Protocol == p.Protocol {
			return ep.Port
		}
	}
	return p.Port
}
