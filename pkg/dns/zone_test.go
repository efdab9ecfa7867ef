package dns

import (
	"testing"

	"github.com/miekg/dns"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/svcnet/svcnet/pkg/dns/dnstest"
)

const (
	zoneSOA     = "cluster.local. 5 IN SOA ns.dns.cluster.local. hostmaster.cluster.local. 0 7200 1800 86400 5"
	upstreamSOA = "example.test. 60 IN SOA ns.example.test. hostmaster.example.test. 1 7200 1800 86400 60"
)

// upstreamZone is what the fake upstream resolver knows.
var upstreamZone = []string{
	upstreamSOA,
	"ext.example.test. 300 IN A 192.0.2.53",
	"www.example.test. 300 IN A 192.0.2.80",
}

// newTestServer serves objs from a synced index, forwarding to a fake
// upstream on loopback.
func newTestServer(t *testing.T, objs []any, upstream ...string) (*Server, *dnstest.Upstream) {
	t.Helper()
	up := dnstest.NewUpstream(t, upstream...)
	x := NewIndex()
	fillIndex(t, x, objs)
	x.MarkSynced()
	s, err := New(Config{Index: x, Upstreams: []string{up.Addr}, Registerer: prometheus.NewRegistry()})
	mustNoErr(t, err)
	return s, up
}

func TestZone(t *testing.T) {
	s, up := newTestServer(t, fixture(), upstreamZone...)
	cases := []dnsCase{
		// Schema version, apex, structure.
		{qname: "dns-version.cluster.local.", qtype: dns.TypeTXT,
			answer: []string{`dns-version.cluster.local. 5 IN TXT "1.1.0"`}},
		{qname: "dns-version.cluster.local.", qtype: dns.TypeA, ns: []string{zoneSOA}},
		{qname: "x.dns-version.cluster.local.", qtype: dns.TypeTXT, rcode: dns.RcodeNameError, ns: []string{zoneSOA}},
		{qname: "cluster.local.", qtype: dns.TypeSOA, answer: []string{zoneSOA}},
		{qname: "cluster.local.", qtype: dns.TypeNS,
			answer: []string{"cluster.local. 5 IN NS ns.dns.cluster.local."},
			extra:  []string{"ns.dns.cluster.local. 5 IN A 10.96.0.10"}},
		{qname: "cluster.local.", qtype: dns.TypeA, ns: []string{zoneSOA}},
		{qname: "ns.dns.cluster.local.", qtype: dns.TypeA, answer: []string{"ns.dns.cluster.local. 5 IN A 10.96.0.10"}},
		{qname: "dns.cluster.local.", qtype: dns.TypeA, ns: []string{zoneSOA}},
		{qname: "svc.cluster.local.", qtype: dns.TypeA, ns: []string{zoneSOA}},
		{qname: "svc.cluster.local.", qtype: dns.TypeNS, ns: []string{zoneSOA}},
		{qname: "pod.cluster.local.", qtype: dns.TypeA, ns: []string{zoneSOA}},
		{qname: "testns.svc.cluster.local.", qtype: dns.TypeA, ns: []string{zoneSOA}},
		{qname: "nons.svc.cluster.local.", qtype: dns.TypeA, rcode: dns.RcodeNameError, ns: []string{zoneSOA}},
		{qname: "foo.cluster.local.", qtype: dns.TypeA, rcode: dns.RcodeNameError, ns: []string{zoneSOA}},
		{qname: "a.b.c.d.e.f.svc.cluster.local.", qtype: dns.TypeA, rcode: dns.RcodeNameError, ns: []string{zoneSOA}},

		// ClusterIP Services.
		{qname: "svc1.testns.svc.cluster.local.", qtype: dns.TypeA,
			answer: []string{"svc1.testns.svc.cluster.local. 5 IN A 10.0.0.1"}},
		{name: "case-insensitive, answer keeps the asked case", qname: "SVC1.TestNS.svc.Cluster.Local.", qtype: dns.TypeA,
			answer: []string{"svc1.testns.svc.cluster.local. 5 IN A 10.0.0.1"}},
		{name: "no AAAA for an IPv4 Service is NODATA", qname: "svc1.testns.svc.cluster.local.", qtype: dns.TypeAAAA, ns: []string{zoneSOA}},
		{qname: "svc1.testns.svc.cluster.local.", qtype: dns.TypeTXT, ns: []string{zoneSOA}},
		{qname: "svc1.testns.svc.cluster.local.", qtype: dns.TypeSOA, ns: []string{zoneSOA}},
		{qname: "svc6.testns.svc.cluster.local.", qtype: dns.TypeAAAA,
			answer: []string{"svc6.testns.svc.cluster.local. 5 IN AAAA fd00::1"}},
		{qname: "svc6.testns.svc.cluster.local.", qtype: dns.TypeA, ns: []string{zoneSOA}},
		{qname: "dual.testns.svc.cluster.local.", qtype: dns.TypeA, answer: []string{"dual.testns.svc.cluster.local. 5 IN A 10.0.0.3"}},
		{qname: "dual.testns.svc.cluster.local.", qtype: dns.TypeAAAA, answer: []string{"dual.testns.svc.cluster.local. 5 IN AAAA fd00::3"}},
		{qname: "noports.testns.svc.cluster.local.", qtype: dns.TypeA, answer: []string{"noports.testns.svc.cluster.local. 5 IN A 10.0.0.4"}},
		{qname: "nope.testns.svc.cluster.local.", qtype: dns.TypeA, rcode: dns.RcodeNameError, ns: []string{zoneSOA}},
		{name: "slices alone make no Service", qname: "orphan.default.svc.cluster.local.", qtype: dns.TypeA, rcode: dns.RcodeNameError, ns: []string{zoneSOA}},
		{name: "endpoints of a ClusterIP Service have names too", qname: "10-244-0-5.whoami.default.svc.cluster.local.", qtype: dns.TypeA,
			answer: []string{"10-244-0-5.whoami.default.svc.cluster.local. 5 IN A 10.244.0.5"}},

		// SRV for ClusterIP Services: named ports only, targeting the Service.
		{qname: "_http._tcp.svc1.testns.svc.cluster.local.", qtype: dns.TypeSRV,
			answer: []string{"_http._tcp.svc1.testns.svc.cluster.local. 5 IN SRV 0 100 80 svc1.testns.svc.cluster.local."},
			extra:  []string{"svc1.testns.svc.cluster.local. 5 IN A 10.0.0.1"}},
		{qname: "_dns._udp.svc1.testns.svc.cluster.local.", qtype: dns.TypeSRV,
			answer: []string{"_dns._udp.svc1.testns.svc.cluster.local. 5 IN SRV 0 100 53 svc1.testns.svc.cluster.local."},
			extra:  []string{"svc1.testns.svc.cluster.local. 5 IN A 10.0.0.1"}},
		{name: "SRV with the wrong protocol", qname: "_dns._tcp.svc1.testns.svc.cluster.local.", qtype: dns.TypeSRV, rcode: dns.RcodeNameError, ns: []string{zoneSOA}},
		{name: "SRV of a missing port", qname: "_nope._tcp.svc1.testns.svc.cluster.local.", qtype: dns.TypeSRV, rcode: dns.RcodeNameError, ns: []string{zoneSOA}},
		{name: "A at an SRV name is NODATA", qname: "_http._tcp.svc1.testns.svc.cluster.local.", qtype: dns.TypeA, ns: []string{zoneSOA}},
		{name: "the _proto label is an empty non-terminal", qname: "_tcp.svc1.testns.svc.cluster.local.", qtype: dns.TypeSRV, ns: []string{zoneSOA}},
		{qname: "_sctp.svc1.testns.svc.cluster.local.", qtype: dns.TypeSRV, rcode: dns.RcodeNameError, ns: []string{zoneSOA}},
		{name: "SRV at the Service name lists every named port", qname: "svc1.testns.svc.cluster.local.", qtype: dns.TypeSRV,
			answer: []string{
				"svc1.testns.svc.cluster.local. 5 IN SRV 0 50 53 svc1.testns.svc.cluster.local.",
				"svc1.testns.svc.cluster.local. 5 IN SRV 0 50 80 svc1.testns.svc.cluster.local.",
			},
			extra: []string{"svc1.testns.svc.cluster.local. 5 IN A 10.0.0.1"}},
		{qname: "_http._tcp.dual.testns.svc.cluster.local.", qtype: dns.TypeSRV,
			answer: []string{"_http._tcp.dual.testns.svc.cluster.local. 5 IN SRV 0 100 80 dual.testns.svc.cluster.local."},
			extra:  []string{"dual.testns.svc.cluster.local. 5 IN A 10.0.0.3", "dual.testns.svc.cluster.local. 5 IN AAAA fd00::3"}},
		{qname: "noports.testns.svc.cluster.local.", qtype: dns.TypeSRV, ns: []string{zoneSOA}},

		// Headless Services: one record per ready endpoint.
		{qname: "hdls1.testns.svc.cluster.local.", qtype: dns.TypeA,
			answer: []string{
				"hdls1.testns.svc.cluster.local. 5 IN A 172.0.0.2",
				"hdls1.testns.svc.cluster.local. 5 IN A 172.0.0.3",
				"hdls1.testns.svc.cluster.local. 5 IN A 172.0.0.4",
			}},
		{qname: "hdls1.testns.svc.cluster.local.", qtype: dns.TypeAAAA,
			answer: []string{
				"hdls1.testns.svc.cluster.local. 5 IN AAAA fd00:1::2",
				"hdls1.testns.svc.cluster.local. 5 IN AAAA fd00:1::3",
			}},
		{name: "hostname with an address per family", qname: "pet-0.hdls1.testns.svc.cluster.local.", qtype: dns.TypeA,
			answer: []string{"pet-0.hdls1.testns.svc.cluster.local. 5 IN A 172.0.0.4"}},
		{qname: "pet-0.hdls1.testns.svc.cluster.local.", qtype: dns.TypeAAAA,
			answer: []string{"pet-0.hdls1.testns.svc.cluster.local. 5 IN AAAA fd00:1::2"}},
		{name: "not-ready hostname", qname: "pet-1.hdls1.testns.svc.cluster.local.", qtype: dns.TypeA, rcode: dns.RcodeNameError, ns: []string{zoneSOA}},
		{name: "dashed address of an endpoint without hostname", qname: "172-0-0-2.hdls1.testns.svc.cluster.local.", qtype: dns.TypeA,
			answer: []string{"172-0-0-2.hdls1.testns.svc.cluster.local. 5 IN A 172.0.0.2"}},
		{qname: "172-0-0-2.hdls1.testns.svc.cluster.local.", qtype: dns.TypeAAAA, ns: []string{zoneSOA}},
		{qname: "fd00-1--3.hdls1.testns.svc.cluster.local.", qtype: dns.TypeAAAA,
			answer: []string{"fd00-1--3.hdls1.testns.svc.cluster.local. 5 IN AAAA fd00:1::3"}},
		{name: "an endpoint with a hostname has no dashed name", qname: "172-0-0-4.hdls1.testns.svc.cluster.local.", qtype: dns.TypeA, rcode: dns.RcodeNameError, ns: []string{zoneSOA}},
		{qname: "bogus.hdls1.testns.svc.cluster.local.", qtype: dns.TypeA, rcode: dns.RcodeNameError, ns: []string{zoneSOA}},
		{name: "headless SRV: one per endpoint label, endpoint port", qname: "_http._tcp.hdls1.testns.svc.cluster.local.", qtype: dns.TypeSRV,
			answer: []string{
				"_http._tcp.hdls1.testns.svc.cluster.local. 5 IN SRV 0 25 8080 172-0-0-2.hdls1.testns.svc.cluster.local.",
				"_http._tcp.hdls1.testns.svc.cluster.local. 5 IN SRV 0 25 8080 172-0-0-3.hdls1.testns.svc.cluster.local.",
				"_http._tcp.hdls1.testns.svc.cluster.local. 5 IN SRV 0 25 8080 fd00-1--3.hdls1.testns.svc.cluster.local.",
				"_http._tcp.hdls1.testns.svc.cluster.local. 5 IN SRV 0 25 8080 pet-0.hdls1.testns.svc.cluster.local.",
			},
			extra: []string{
				"172-0-0-2.hdls1.testns.svc.cluster.local. 5 IN A 172.0.0.2",
				"172-0-0-3.hdls1.testns.svc.cluster.local. 5 IN A 172.0.0.3",
				"fd00-1--3.hdls1.testns.svc.cluster.local. 5 IN AAAA fd00:1::3",
				"pet-0.hdls1.testns.svc.cluster.local. 5 IN A 172.0.0.4",
				"pet-0.hdls1.testns.svc.cluster.local. 5 IN AAAA fd00:1::2",
			}},
		{qname: "_metrics._tcp.hdls1.testns.svc.cluster.local.", qtype: dns.TypeSRV,
			answer: []string{
				"_metrics._tcp.hdls1.testns.svc.cluster.local. 5 IN SRV 0 25 9090 172-0-0-2.hdls1.testns.svc.cluster.local.",
				"_metrics._tcp.hdls1.testns.svc.cluster.local. 5 IN SRV 0 25 9090 172-0-0-3.hdls1.testns.svc.cluster.local.",
				"_metrics._tcp.hdls1.testns.svc.cluster.local. 5 IN SRV 0 25 9090 fd00-1--3.hdls1.testns.svc.cluster.local.",
				"_metrics._tcp.hdls1.testns.svc.cluster.local. 5 IN SRV 0 25 9090 pet-0.hdls1.testns.svc.cluster.local.",
			},
			extra: []string{
				"172-0-0-2.hdls1.testns.svc.cluster.local. 5 IN A 172.0.0.2",
				"172-0-0-3.hdls1.testns.svc.cluster.local. 5 IN A 172.0.0.3",
				"fd00-1--3.hdls1.testns.svc.cluster.local. 5 IN AAAA fd00:1::3",
				"pet-0.hdls1.testns.svc.cluster.local. 5 IN A 172.0.0.4",
				"pet-0.hdls1.testns.svc.cluster.local. 5 IN AAAA fd00:1::2",
			}},
		{qname: "_http._udp.hdls1.testns.svc.cluster.local.", qtype: dns.TypeSRV, rcode: dns.RcodeNameError, ns: []string{zoneSOA}},
		{qname: "_tcp.hdls1.testns.svc.cluster.local.", qtype: dns.TypeA, ns: []string{zoneSOA}},
		{name: "headless without ready endpoints is NXDOMAIN (spec 2.4.1)", qname: "hdls-empty.testns.svc.cluster.local.", qtype: dns.TypeA,
			rcode: dns.RcodeNameError, ns: []string{zoneSOA}},
		{qname: "_http._tcp.hdls-empty.testns.svc.cluster.local.", qtype: dns.TypeSRV, rcode: dns.RcodeNameError, ns: []string{zoneSOA}},
		{qname: "_tcp.hdls-empty.testns.svc.cluster.local.", qtype: dns.TypeSRV, rcode: dns.RcodeNameError, ns: []string{zoneSOA}},
		{name: "tolerate-unready annotation makes endpoints ready", qname: "hdls-tolerate.testns.svc.cluster.local.", qtype: dns.TypeA,
			answer: []string{"hdls-tolerate.testns.svc.cluster.local. 5 IN A 172.0.2.1"}},
		{qname: "hdls-publish.testns.svc.cluster.local.", qtype: dns.TypeA,
			answer: []string{"hdls-publish.testns.svc.cluster.local. 5 IN A 172.0.3.1"}},

		// ExternalName Services.
		{qname: "ext.testns.svc.cluster.local.", qtype: dns.TypeCNAME,
			answer: []string{"ext.testns.svc.cluster.local. 5 IN CNAME ext.example.test."}},
		{name: "external CNAME target resolved upstream", qname: "ext.testns.svc.cluster.local.", qtype: dns.TypeA,
			answer: []string{"ext.testns.svc.cluster.local. 5 IN CNAME ext.example.test.", "ext.example.test. 300 IN A 192.0.2.53"}},
		{name: "external CNAME target without AAAA", qname: "ext.testns.svc.cluster.local.", qtype: dns.TypeAAAA,
			answer: []string{"ext.testns.svc.cluster.local. 5 IN CNAME ext.example.test."}, ns: []string{upstreamSOA}},
		{name: "internal CNAME target chased in the index", qname: "ext-internal.testns.svc.cluster.local.", qtype: dns.TypeA,
			answer: []string{"ext-internal.testns.svc.cluster.local. 5 IN CNAME svc1.testns.svc.cluster.local.", "svc1.testns.svc.cluster.local. 5 IN A 10.0.0.1"}},
		{name: "internal CNAME target without the type", qname: "ext-internal.testns.svc.cluster.local.", qtype: dns.TypeAAAA,
			answer: []string{"ext-internal.testns.svc.cluster.local. 5 IN CNAME svc1.testns.svc.cluster.local."}, ns: []string{zoneSOA}},
		{name: "internal CNAME to a missing name", qname: "ext-missing.testns.svc.cluster.local.", qtype: dns.TypeA, rcode: dns.RcodeNameError,
			answer: []string{"ext-missing.testns.svc.cluster.local. 5 IN CNAME nope.testns.svc.cluster.local."}, ns: []string{zoneSOA}},
		{name: "CNAME loop", qname: "ext-loop.testns.svc.cluster.local.", qtype: dns.TypeA, rcode: dns.RcodeServerFailure},
		{name: "no names below an ExternalName", qname: "sub.ext.testns.svc.cluster.local.", qtype: dns.TypeCNAME, rcode: dns.RcodeNameError, ns: []string{zoneSOA}},
		{qname: "_http._tcp.ext.testns.svc.cluster.local.", qtype: dns.TypeSRV, rcode: dns.RcodeNameError, ns: []string{zoneSOA}},

		// Pods, verified against the index.
		{qname: "172-0-0-2.testns.pod.cluster.local.", qtype: dns.TypeA,
			answer: []string{"172-0-0-2.testns.pod.cluster.local. 5 IN A 172.0.0.2"}},
		{qname: "172-0-0-2.testns.pod.cluster.local.", qtype: dns.TypeAAAA, ns: []string{zoneSOA}},
		{qname: "fd00-1--3.testns.pod.cluster.local.", qtype: dns.TypeAAAA,
			answer: []string{"fd00-1--3.testns.pod.cluster.local. 5 IN AAAA fd00:1::3"}},
		{name: "no pod with that IP", qname: "172-0-0-99.testns.pod.cluster.local.", qtype: dns.TypeA, rcode: dns.RcodeNameError, ns: []string{zoneSOA}},
		{name: "pod IP in another namespace", qname: "172-0-0-2.default.pod.cluster.local.", qtype: dns.TypeA, rcode: dns.RcodeNameError, ns: []string{zoneSOA}},
		{name: "finished pod", qname: "172-0-0-9.testns.pod.cluster.local.", qtype: dns.TypeA, rcode: dns.RcodeNameError, ns: []string{zoneSOA}},
		{name: "deleting pod", qname: "172-0-0-8.testns.pod.cluster.local.", qtype: dns.TypeA, rcode: dns.RcodeNameError, ns: []string{zoneSOA}},
		{qname: "not-an-ip.testns.pod.cluster.local.", qtype: dns.TypeA, rcode: dns.RcodeNameError, ns: []string{zoneSOA}},
		{qname: "testns.pod.cluster.local.", qtype: dns.TypeA, ns: []string{zoneSOA}},
		{qname: "nopods.pod.cluster.local.", qtype: dns.TypeA, rcode: dns.RcodeNameError, ns: []string{zoneSOA}},

		// Reverse lookups of Service and endpoint IPs.
		{qname: "1.0.0.10.in-addr.arpa.", qtype: dns.TypePTR,
			answer: []string{"1.0.0.10.in-addr.arpa. 5 IN PTR svc1.testns.svc.cluster.local."}},
		{qname: "2.0.0.172.in-addr.arpa.", qtype: dns.TypePTR,
			answer: []string{"2.0.0.172.in-addr.arpa. 5 IN PTR 172-0-0-2.hdls1.testns.svc.cluster.local."}},
		{qname: "4.0.0.172.in-addr.arpa.", qtype: dns.TypePTR,
			answer: []string{"4.0.0.172.in-addr.arpa. 5 IN PTR pet-0.hdls1.testns.svc.cluster.local."}},
		{qname: "5.0.244.10.in-addr.arpa.", qtype: dns.TypePTR,
			answer: []string{"5.0.244.10.in-addr.arpa. 5 IN PTR 10-244-0-5.whoami.default.svc.cluster.local."}},
		{qname: "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.d.f.ip6.arpa.", qtype: dns.TypePTR,
			answer: []string{"1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.d.f.ip6.arpa. 5 IN PTR svc6.testns.svc.cluster.local."}},
		{qname: "2.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.1.0.0.0.0.0.d.f.ip6.arpa.", qtype: dns.TypePTR,
			answer: []string{"2.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.1.0.0.0.0.0.d.f.ip6.arpa. 5 IN PTR pet-0.hdls1.testns.svc.cluster.local."}},
		{name: "unknown IPs are forwarded", qname: "5.0.0.172.in-addr.arpa.", qtype: dns.TypePTR, rcode: dns.RcodeNameError, ns: []string{upstreamSOA}},

		// Names outside the zone are forwarded.
		{qname: "www.example.test.", qtype: dns.TypeA, answer: []string{"www.example.test. 300 IN A 192.0.2.80"}},
		{qname: "missing.example.test.", qtype: dns.TypeA, rcode: dns.RcodeNameError, ns: []string{upstreamSOA}},
	}
	for _, c := range cases {
		t.Run(c.String(), func(t *testing.T) {
			m := c.run(t, s)
			if !m.Response || !m.RecursionAvailable {
				t.Errorf("flags: %v", m.MsgHdr)
			}
			if len(m.Answer) > 0 && m.Answer[0].Header().Name != c.qname {
				t.Errorf("answer owner %q, want the asked %q", m.Answer[0].Header().Name, c.qname)
			}
		})
	}

	// Search-path expansions of an external name never leave the server.
	before := up.Queries()
	for _, name := range []string{"example.com.testns.svc.cluster.local.", "example.com.svc.cluster.local.", "example.com.cluster.local."} {
		c := dnsCase{qname: name, qtype: dns.TypeA, rcode: dns.RcodeNameError, ns: []string{zoneSOA}}
		t.Run("search path "+name, func(t *testing.T) {
			m := c.run(t, s)
			if !m.Authoritative {
				t.Errorf("NXDOMAIN inside the zone should be authoritative")
			}
		})
	}
	if n := up.Queries() - before; n != 0 {
		t.Errorf("names inside the zone sent %d queries upstream", n)
	}
}
