package dns

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"
	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"

	"github.com/svcnet/svcnet/pkg/dns/dnstest"
)

// bigHeadless is a headless Service with n ready endpoints.
func bigHeadless(n int) []any {
	eps := make([]ep, n)
	for i := range eps {
		eps[i] = ep{ip: fmt.Sprintf("10.1.%d.%d", i/250, i%250+1)}
	}
	return []any{
		headless("default", "big", port("http", corev1.ProtocolTCP, 80)),
		slice("default", "big-1", "big", []discoveryv1.EndpointPort{slicePort("http", corev1.ProtocolTCP, 80)}, eps...),
	}
}

func TestTruncation(t *testing.T) {
	// 200 A records are 3.2 kB compressed: more than 1232 bytes, less than 4096.
	s, _ := newTestServer(t, bigHeadless(200))
	cases := []struct {
		name      string
		tcp       bool
		bufsize   uint16
		truncated bool
		maxSize   int
	}{
		{name: "UDP without EDNS0 fits 512 bytes", maxSize: 512, truncated: true},
		{name: "UDP with a 1232-byte buffer", bufsize: 1232, maxSize: 1232, truncated: true},
		{name: "UDP buffer below 512 counts as 512", bufsize: 100, maxSize: 512, truncated: true},
		{name: "UDP with a buffer big enough", bufsize: 4096, maxSize: 4096},
		{name: "TCP holds everything", tcp: true, maxSize: dns.MaxMsgSize},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			q := new(dns.Msg)
			q.SetQuestion("big.default.svc.cluster.local.", dns.TypeA)
			if c.bufsize > 0 {
				q.SetEdns0(c.bufsize, false)
			}
			w := dnstest.NewRecorder(c.tcp)
			s.ServeDNS(w, q)
			m := w.Msg
			if m.Truncated != c.truncated {
				t.Errorf("TC %v, want %v", m.Truncated, c.truncated)
			}
			if w.Size > c.maxSize {
				t.Errorf("reply is %d bytes, more than %d", w.Size, c.maxSize)
			}
			if !c.truncated && len(m.Answer) != 200 {
				t.Errorf("%d answers, want 200", len(m.Answer))
			}
			if c.truncated && (len(m.Answer) == 0 || len(m.Answer) >= 200) {
				t.Errorf("%d answers in a truncated reply", len(m.Answer))
			}
			if (c.bufsize > 0) != (m.IsEdns0() != nil) {
				t.Errorf("OPT record in reply: %v, in request: %v", m.IsEdns0() != nil, c.bufsize > 0)
			}
		})
	}
}

func TestMalformedQueries(t *testing.T) {
	s, up := newTestServer(t, fixture(), upstreamZone...)
	q := func(f func(m *dns.Msg)) *dns.Msg {
		m := new(dns.Msg)
		m.SetQuestion("svc1.testns.svc.cluster.local.", dns.TypeA)
		f(m)
		return m
	}
	cases := []struct {
		name  string
		req   *dns.Msg
		rcode int
	}{
		{"no question", q(func(m *dns.Msg) { m.Question = nil }), dns.RcodeFormatError},
		{"two questions", q(func(m *dns.Msg) { m.Question = append(m.Question, m.Question[0]) }), dns.RcodeFormatError},
		{"NOTIFY", q(func(m *dns.Msg) { m.Opcode = dns.OpcodeNotify }), dns.RcodeNotImplemented},
		{"CHAOS class", q(func(m *dns.Msg) { m.Question[0].Qclass = dns.ClassCHAOS }), dns.RcodeRefused},
		{"zone transfer", q(func(m *dns.Msg) { m.Question[0].Qtype = dns.TypeAXFR }), dns.RcodeRefused},
		{"EDNS version 1", q(func(m *dns.Msg) { m.SetEdns0(1232, false); m.IsEdns0().SetVersion(1) }), dns.RcodeBadVers},
		{"ANY class is answered", q(func(m *dns.Msg) { m.Question[0].Qclass = dns.ClassANY }), dns.RcodeSuccess},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			w := dnstest.NewRecorder(false)
			s.ServeDNS(w, c.req)
			if w.Msg.Rcode != c.rcode {
				t.Errorf("rcode %s, want %s", dns.RcodeToString[w.Msg.Rcode], dns.RcodeToString[c.rcode])
			}
			if w.Msg.Id != c.req.Id {
				t.Errorf("reply ID %d, want %d", w.Msg.Id, c.req.Id)
			}
		})
	}
	if n := up.Queries(); n != 0 {
		t.Errorf("%d queries forwarded", n)
	}
}

func TestNotSynced(t *testing.T) {
	up := dnstest.NewUpstream(t, upstreamZone...)
	x := NewIndex()
	fillIndex(t, x, fixture())
	reg := prometheus.NewRegistry()
	s, err := New(Config{Index: x, Upstreams: []string{up.Addr}, Registerer: reg})
	mustNoErr(t, err)
	health := func() int {
		rec := httptest.NewRecorder()
		s.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/healthz", nil))
		return rec.Code
	}

	for _, c := range []dnsCase{
		{qname: "svc1.testns.svc.cluster.local.", qtype: dns.TypeA, rcode: dns.RcodeServerFailure},
		{qname: "nope.cluster.local.", qtype: dns.TypeA, rcode: dns.RcodeServerFailure},
		{qname: "1.0.0.10.in-addr.arpa.", qtype: dns.TypePTR, rcode: dns.RcodeServerFailure},
		{name: "external names are forwarded before sync", qname: "www.example.test.", qtype: dns.TypeA,
			answer: []string{"www.example.test. 300 IN A 192.0.2.80"}},
	} {
		t.Run("before sync "+c.String(), func(t *testing.T) { c.run(t, s) })
	}
	if code := health(); code != http.StatusServiceUnavailable {
		t.Errorf("healthz before sync: %d", code)
	}
	if v := counterValue(t, s.m.queries.WithLabelValues("udp", "A", "SERVFAIL")); v != 2 {
		t.Errorf("SERVFAIL A queries counted %v, want 2", v)
	}

	x.MarkSynced()
	c := dnsCase{qname: "svc1.testns.svc.cluster.local.", qtype: dns.TypeA, answer: []string{"svc1.testns.svc.cluster.local. 5 IN A 10.0.0.1"}}
	c.run(t, s)
	if code := health(); code != http.StatusOK {
		t.Errorf("healthz after sync: %d", code)
	}
	for name, want := range map[string]float64{
		"svcnet_dns_index_synced":       1,
		"svcnet_dns_index_services":     14,
		"svcnet_dns_cache_hits_total":   0,
		"svcnet_dns_cache_misses_total": 1,
	} {
		if got := gauge(t, reg, name); got != want {
			t.Errorf("%s = %v, want %v", name, got, want)
		}
	}
}

func counterValue(t *testing.T, c prometheus.Counter) float64 {
	t.Helper()
	var m dto.Metric
	mustNoErr(t, c.Write(&m))
	return m.GetCounter().GetValue()
}

// gauge reads a single-series metric from a registry.
func gauge(t *testing.T, reg *prometheus.Registry, name string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	mustNoErr(t, err)
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
		m := mf.GetMetric()[0]
		switch {
		case m.Gauge != nil:
			return m.Gauge.GetValue()
		case m.Counter != nil:
			return m.Counter.GetValue()
		}
	}
	t.Fatalf("metric %s not found", name)
	return 0
}

// runServer runs s on loopback until the test ends and returns its UDP and
// TCP addresses.
func runServer(t *testing.T, s *Server) (udp, tcp string) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("Run: %v", err)
			}
		case <-time.After(10 * time.Second):
			t.Errorf("Run did not return")
		}
	})
	select {
	case <-s.Listening():
	case err := <-done:
		t.Fatalf("Run: %v", err)
	}
	for _, a := range s.Addrs() {
		switch a := a.(type) {
		case *net.UDPAddr:
			udp = a.String()
		case *net.TCPAddr:
			tcp = a.String()
		}
	}
	if udp == "" || udp != tcp {
		t.Fatalf("addresses %v: want UDP and TCP on one port", s.Addrs())
	}
	return udp, tcp
}

func TestSockets(t *testing.T) {
	up := dnstest.NewUpstream(t, upstreamZone...)
	x := NewIndex()
	fillIndex(t, x, append(fixture(), bigHeadless(300)...))
	x.MarkSynced()
	s, err := New(Config{Index: x, Listen: []string{"127.0.0.1:0"}, Upstreams: []string{up.Addr}, Registerer: prometheus.NewRegistry()})
	mustNoErr(t, err)
	addr, _ := runServer(t, s)

	udp := &dns.Client{Net: "udp", Timeout: 2 * time.Second}
	tcp := &dns.Client{Net: "tcp", Timeout: 2 * time.Second}
	ask := func(c *dns.Client, name string, qtype uint16) *dns.Msg {
		t.Helper()
		q := new(dns.Msg)
		q.SetQuestion(name, qtype)
		m, _, err := c.Exchange(q, addr)
		if err != nil {
			t.Fatalf("%s %s over %s: %v", name, dns.TypeToString[qtype], c.Net, err)
		}
		return m
	}
	for _, c := range []*dns.Client{udp, tcp} {
		m := ask(c, "svc1.testns.svc.cluster.local.", dns.TypeA)
		dnsCase{answer: []string{"svc1.testns.svc.cluster.local. 5 IN A 10.0.0.1"}}.check(t, m)
		m = ask(c, "www.example.test.", dns.TypeA)
		dnsCase{answer: []string{"www.example.test. 300 IN A 192.0.2.80"}}.check(t, m)
	}
	m := ask(udp, "big.default.svc.cluster.local.", dns.TypeA)
	if !m.Truncated || len(m.Answer) >= 300 {
		t.Errorf("big headless over UDP: TC %v with %d answers", m.Truncated, len(m.Answer))
	}
	m = ask(tcp, "big.default.svc.cluster.local.", dns.TypeA)
	if m.Truncated || len(m.Answer) != 300 {
		t.Errorf("big headless over TCP: TC %v with %d answers", m.Truncated, len(m.Answer))
	}
}

func TestConfigValidate(t *testing.T) {
	x := NewIndex()
	cases := []struct {
		name string
		c    Config
		err  string
	}{
		{name: "defaults", c: Config{Index: x}},
		{name: "no client or index", c: Config{}, err: "need a Client or an Index"},
		{name: "bad domain", c: Config{Index: x, ClusterDomain: "a..b"}, err: "not a domain name"},
		{name: "fractional TTL", c: Config{Index: x, TTL: 1500 * time.Millisecond}, err: "whole seconds"},
		{name: "listen without port", c: Config{Index: x, Listen: []string{"127.0.0.1"}}, err: "want host:port"},
		{name: "listen on a name", c: Config{Index: x, Listen: []string{"localhost:53"}}, err: "must be an IP"},
		{name: "upstream name", c: Config{Index: x, Upstreams: []string{"dns.example:53"}}, err: "want IP or IP:port"},
		{name: "bad NS service", c: Config{Index: x, NSService: "kube-dns"}, err: "want namespace/name"},
		{name: "negative cache", c: Config{Index: x, CacheSize: -1}, err: "negative"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := c.c.Validate()
			if c.err == "" {
				mustNoErr(t, err)
				if c.c.ClusterDomain != "cluster.local" || c.c.TTL != 5*time.Second || c.c.CacheSize != DefaultCacheSize {
					t.Errorf("defaults not filled: %+v", c.c)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("error %v, want %q", err, c.err)
			}
		})
	}
	c := Config{Index: x, Upstreams: []string{"127.0.0.1", "[::1]:5353"}}
	mustNoErr(t, c.Validate())
	if got := strings.Join(c.Upstreams, ","); got != "127.0.0.1:53,[::1]:5353" {
		t.Errorf("normalized upstreams %s", got)
	}
}

func TestUpstreamsFromResolvConf(t *testing.T) {
	path := filepath.Join(t.TempDir(), "resolv.conf")
	// 127.0.0.1:53 is this server's own listen address and is skipped.
	mustNoErr(t, os.WriteFile(path, []byte("search example.test\nnameserver 127.0.0.1\nnameserver 127.0.0.2\noptions ndots:2\n"), 0o644))
	s, err := New(Config{Index: NewIndex(), Listen: []string{"127.0.0.1:53"}, ResolvConf: path})
	mustNoErr(t, err)
	if got := strings.Join(s.Upstreams(), ","); got != "127.0.0.2:53" {
		t.Errorf("upstreams %s, want 127.0.0.2:53", got)
	}
	mustNoErr(t, os.WriteFile(path, []byte("nameserver 127.0.0.1\n"), 0o644))
	if _, err := New(Config{Index: NewIndex(), Listen: []string{"127.0.0.1:53"}, ResolvConf: path}); err == nil {
		t.Errorf("a resolv.conf pointing only at ourselves should fail")
	}
	if _, err := New(Config{Index: NewIndex(), ResolvConf: filepath.Join(t.TempDir(), "missing")}); err == nil {
		t.Errorf("a missing resolv.conf without upstreams should fail")
	}
}
