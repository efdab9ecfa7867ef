package dns

import (
	"context"
	"fmt"
	"net/netip"
	"strings"

	"github.com/miekg/dns"
)

// SchemaVersion is the version of the Kubernetes DNS specification that
// the zone implements, served as TXT at dns-version.<zone>.
const SchemaVersion = "1.1.0"

// maxChase bounds CNAME chains through ExternalName Services.
const maxChase = 8

// ClusterConfig configures a Cluster handler.
type ClusterConfig struct {
	// Domain is the cluster zone, e.g. "cluster.local".
	Domain string
	// TTL is the TTL in seconds of every record, and of negative answers.
	TTL uint32
	// NSNamespace and NSName name the Service whose ClusterIPs are the
	// addresses of the zone's name server, ns.dns.<zone>.
	NSNamespace, NSName string
	// External resolves CNAME targets of ExternalName Services outside the
	// zone; nil leaves them unresolved (the client follows the CNAME).
	External Handler
}

// Cluster answers names in the cluster zone, and PTR queries for Service
// and endpoint IPs, from an Index.
//
// Names outside the zone, and reverse names the index does not know, pass
// to the next handler. Names inside the zone never do: a name the index
// cannot produce is NXDOMAIN, so search-path expansions of external names
// are answered at once. Until the index is synced, every name the handler
// would answer gets SERVFAIL.
type Cluster struct {
	index    *Index
	zone     string // "cluster.local.", lower case
	dotZone  string // ".cluster.local."
	ttl      uint32
	nsName   string // "ns.dns.cluster.local."
	nsSvc    nsName
	external Handler
}

var _ Handler = (*Cluster)(nil)

// NewCluster returns a handler for the zone of c over index.
func NewCluster(index *Index, c ClusterConfig) *Cluster {
	zone := dns.Fqdn(strings.ToLower(c.Domain))
	return &Cluster{
		index:    index,
		zone:     zone,
		dotZone:  "." + zone,
		ttl:      c.TTL,
		nsName:   "ns.dns." + zone,
		nsSvc:    nsName{c.NSNamespace, c.NSName},
		external: c.External,
	}
}

// Name implements Handler.
func (c *Cluster) Name() string { return "cluster" }

// ServeDNS implements Handler.
func (c *Cluster) ServeDNS(ctx context.Context, req *dns.Msg) (*dns.Msg, error) {
	if len(req.Question) != 1 {
		return nil, nil
	}
	q := req.Question[0]
	lower := strings.ToLower(dns.Fqdn(q.Name))
	if lower == c.zone || strings.HasSuffix(lower, c.dotZone) {
		if !c.index.Synced() {
			return failure(req, dns.RcodeServerFailure), nil
		}
		return c.answerZone(ctx, req, q, lower), nil
	}
	if a, ok := reverseAddr(lower); ok {
		if !c.index.Synced() {
			return failure(req, dns.RcodeServerFailure), nil
		}
		return c.answerPTR(req, q, a), nil
	}
	return nil, nil
}

// answerZone answers a name inside the zone.
func (c *Cluster) answerZone(ctx context.Context, req *dns.Msg, q dns.Question, lower string) *dns.Msg {
	r := c.resolve(ctx, q.Name, lower, q.Qtype, 0)
	m := new(dns.Msg)
	m.SetReply(req)
	m.Authoritative = true
	m.RecursionAvailable = true
	m.Rcode = r.rcode
	m.Answer = r.answer
	m.Extra = r.extra
	switch {
	case r.ns != nil:
		m.Ns = r.ns
	case r.rcode == dns.RcodeNameError || r.negative:
		m.Ns = []dns.RR{c.soa()}
	}
	return m
}

// answerPTR answers a reverse name, or passes it on when the address is
// not a Service or endpoint IP.
func (c *Cluster) answerPTR(req *dns.Msg, q dns.Question, a netip.Addr) *dns.Msg {
	if q.Qtype != dns.TypePTR && q.Qtype != dns.TypeANY {
		return nil
	}
	targets := c.index.reverse(a)
	if len(targets) == 0 {
		return nil
	}
	m := new(dns.Msg)
	m.SetReply(req)
	m.Authoritative = true
	m.RecursionAvailable = true
	m.Answer = make([]dns.RR, 0, len(targets))
	for _, t := range targets {
		name := c.serviceName(t.ns, t.name)
		if t.label != "" {
			name = t.label + "." + name
		}
		m.Answer = append(m.Answer, &dns.PTR{Hdr: c.hdr(q.Name, dns.TypePTR), Ptr: name})
	}
	return m
}

// result is the outcome of resolving one name.
type result struct {
	rcode  int
	answer []dns.RR
	extra  []dns.RR
	ns     []dns.RR // authority from an upstream, for chased CNAMEs
	// negative is set when the last name in the chain exists in the zone
	// but has no record of the asked type (NODATA).
	negative bool
}

// resolve answers qtype for a name in the zone; owner is the name as asked
// (its case is kept in the answer) and lower its lower-case form.
func (c *Cluster) resolve(ctx context.Context, owner, lower string, qtype uint16, depth int) result {
	n := c.lookup(lower)
	if !n.exists() {
		return result{rcode: dns.RcodeNameError}
	}
	if n.kind == nodeCNAME {
		return c.chase(ctx, owner, n.cname, qtype, depth)
	}
	answer, extra := c.records(owner, n, qtype)
	return result{rcode: dns.RcodeSuccess, answer: answer, extra: extra, negative: len(answer) == 0}
}

// chase answers a CNAME, followed by the target's records for qtype:
// from the index for targets in the zone, from External otherwise.
func (c *Cluster) chase(ctx context.Context, owner, target string, qtype uint16, depth int) result {
	cname := &dns.CNAME{Hdr: c.hdr(owner, dns.TypeCNAME), Target: target}
	r := result{rcode: dns.RcodeSuccess, answer: []dns.RR{cname}}
	if qtype == dns.TypeCNAME || qtype == dns.TypeANY {
		return r
	}
	if depth >= maxChase {
		// A loop, or a chain too long to follow.
		return result{rcode: dns.RcodeServerFailure}
	}
	if target == c.zone || strings.HasSuffix(target, c.dotZone) {
		next := c.resolve(ctx, target, target, qtype, depth+1)
		if next.rcode == dns.RcodeServerFailure {
			return next
		}
		next.answer = append(r.answer, next.answer...)
		return next
	}
	if c.external == nil {
		return r
	}
	q := new(dns.Msg)
	q.SetQuestion(target, qtype)
	up, err := c.external.ServeDNS(ctx, q)
	if err != nil || up == nil || (up.Rcode != dns.RcodeSuccess && up.Rcode != dns.RcodeNameError) {
		return r
	}
	r.rcode = up.Rcode
	r.answer = append(r.answer, up.Answer...)
	r.ns = up.Ns
	return r
}

// serviceName is <name>.<ns>.svc.<zone>.
func (c *Cluster) serviceName(ns, name string) string {
	return name + "." + ns + ".svc." + c.zone
}

func (c *Cluster) hdr(name string, t uint16) dns.RR_Header {
	return dns.RR_Header{Name: name, Rrtype: t, Class: dns.ClassINET, Ttl: c.ttl}
}

// soa is the zone's SOA; its serial is the index's last change.
func (c *Cluster) soa() dns.RR {
	return &dns.SOA{
		Hdr:     c.hdr(c.zone, dns.TypeSOA),
		Ns:      c.nsName,
		Mbox:    "hostmaster." + c.zone,
		Serial:  uint32(c.index.Modified().Unix()),
		Refresh: 7200,
		Retry:   1800,
		Expire:  86400,
		Minttl:  c.ttl,
	}
}

// failure is an empty reply with rcode.
func failure(req *dns.Msg, rcode int) *dns.Msg {
	m := new(dns.Msg)
	m.SetRcode(req, rcode)
	m.RecursionAvailable = true
	return m
}

func (c *Cluster) String() string { return fmt.Sprintf("cluster(%s)", c.zone) }
