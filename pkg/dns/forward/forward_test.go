package forward

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/miekg/dns"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/svcnet/svcnet/pkg/dns/dnstest"
)

const soa = "example.test. 60 IN SOA ns.example.test. hostmaster.example.test. 1 7200 1800 86400 30"

// clock is a settable test clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func newForwarder(t *testing.T, clk *clock, size int, upstreams ...string) *Forwarder {
	t.Helper()
	f, err := New(Config{Upstreams: upstreams, CacheSize: size, Timeout: 500 * time.Millisecond, Now: clk.now, Registerer: prometheus.NewRegistry()})
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func query(t *testing.T, f *Forwarder, name string, qtype uint16) *dns.Msg {
	t.Helper()
	q := new(dns.Msg)
	q.SetQuestion(name, qtype)
	m, err := f.ServeDNS(context.Background(), q)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	if m.Id != q.Id {
		t.Errorf("reply ID %d, want the query's %d", m.Id, q.Id)
	}
	return m
}

// deadAddr is a loopback UDP port with nobody listening.
func deadAddr(t *testing.T) string {
	t.Helper()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := pc.LocalAddr().String()
	pc.Close()
	return addr
}

func TestCacheTTLs(t *testing.T) {
	up := dnstest.NewUpstream(t, soa,
		"www.example.test. 300 IN A 192.0.2.1",
		"short.example.test. 100 IN A 192.0.2.2",
		"short.example.test. 20 IN A 192.0.2.3",
		"zero.example.test. 0 IN A 192.0.2.4")
	clk := &clock{t: time.Unix(1_000_000, 0)}
	f := newForwarder(t, clk, 100, up.Addr)

	steps := []struct {
		name    string
		advance time.Duration
		qname   string
		qtype   uint16
		rcode   int
		ttl     uint32 // of the first answer, or of the SOA for negative replies
		asked   bool   // the upstream was asked
	}{
		{name: "miss", qname: "www.example.test.", qtype: dns.TypeA, ttl: 300, asked: true},
		{name: "hit", qname: "www.example.test.", qtype: dns.TypeA, ttl: 300},
		{name: "hit, case-insensitive", qname: "WWW.Example.Test.", qtype: dns.TypeA, ttl: 300},
		{name: "TTL counts down", advance: 100 * time.Second, qname: "www.example.test.", qtype: dns.TypeA, ttl: 200},
		{name: "expired", advance: 200 * time.Second, qname: "www.example.test.", qtype: dns.TypeA, ttl: 300, asked: true},
		{name: "smallest TTL of the set", qname: "short.example.test.", qtype: dns.TypeA, ttl: 100, asked: true},
		{name: "kept for the smallest TTL", advance: 19 * time.Second, qname: "short.example.test.", qtype: dns.TypeA, ttl: 81},
		{name: "gone after the smallest TTL", advance: time.Second, qname: "short.example.test.", qtype: dns.TypeA, ttl: 100, asked: true},
		{name: "TTL 0 is not cached", qname: "zero.example.test.", qtype: dns.TypeA, asked: true},
		{name: "TTL 0 asked again", qname: "zero.example.test.", qtype: dns.TypeA, asked: true},
		{name: "NXDOMAIN", qname: "nx.example.test.", qtype: dns.TypeA, rcode: dns.RcodeNameError, ttl: 60, asked: true},
		{name: "NXDOMAIN cached", advance: 10 * time.Second, qname: "nx.example.test.", qtype: dns.TypeA, rcode: dns.RcodeNameError, ttl: 50},
		{name: "NXDOMAIN kept for the SOA minimum", advance: 20 * time.Second, qname: "nx.example.test.", qtype: dns.TypeA, rcode: dns.RcodeNameError, ttl: 60, asked: true},
		{name: "NODATA", qname: "www.example.test.", qtype: dns.TypeAAAA, ttl: 60, asked: true},
		{name: "NODATA cached", advance: 29 * time.Second, qname: "www.example.test.", qtype: dns.TypeAAAA, ttl: 31},
		{name: "NODATA expired", advance: time.Second, qname: "www.example.test.", qtype: dns.TypeAAAA, ttl: 60, asked: true},
	}
	for _, s := range steps {
		clk.advance(s.advance)
		before := up.Queries()
		m := query(t, f, s.qname, s.qtype)
		if asked := up.Queries() > before; asked != s.asked {
			t.Errorf("%s: upstream asked %v, want %v", s.name, asked, s.asked)
		}
		if m.Rcode != s.rcode {
			t.Errorf("%s: rcode %s", s.name, dns.RcodeToString[m.Rcode])
		}
		var rr dns.RR
		switch {
		case len(m.Answer) > 0:
			rr = m.Answer[0]
		case len(m.Ns) > 0:
			rr = m.Ns[0]
		}
		if s.ttl != 0 && (rr == nil || rr.Header().Ttl != s.ttl) {
			t.Errorf("%s: record %v, want TTL %d", s.name, rr, s.ttl)
		}
		if len(m.Question) != 1 || m.Question[0].Name != s.qname {
			t.Errorf("%s: question %v, want the asked name", s.name, m.Question)
		}
	}
}

func TestNegativeWithoutSOAIsNotCached(t *testing.T) {
	up := dnstest.NewUpstream(t) // no SOA
	clk := &clock{t: time.Unix(1_000_000, 0)}
	f := newForwarder(t, clk, 100, up.Addr)
	query(t, f, "nx.example.test.", dns.TypeA)
	query(t, f, "nx.example.test.", dns.TypeA)
	if n := up.Queries(); n != 2 {
		t.Errorf("upstream asked %d times, want 2", n)
	}
}

func TestCacheIsBounded(t *testing.T) {
	var records []string
	for i := range 20 {
		records = append(records, fmt.Sprintf("h%d.example.test. 300 IN A 192.0.2.%d", i, i+1))
	}
	up := dnstest.NewUpstream(t, records...)
	f := newForwarder(t, &clock{t: time.Unix(1_000_000, 0)}, 5, up.Addr)
	for i := range 20 {
		query(t, f, fmt.Sprintf("h%d.example.test.", i), dns.TypeA)
		if n := f.Cache().Len(); n > 5 {
			t.Fatalf("cache holds %d entries, bound is 5", n)
		}
	}
}

func TestTCPFallback(t *testing.T) {
	var records []string
	for i := range 60 {
		records = append(records, fmt.Sprintf("many.example.test. 300 IN A 192.0.2.%d", i+1))
	}
	up := dnstest.NewUpstream(t, records...)
	up.SetMaxUDP(512)
	f := newForwarder(t, &clock{t: time.Unix(1_000_000, 0)}, 100, up.Addr)
	m := query(t, f, "many.example.test.", dns.TypeA)
	if m.Truncated || len(m.Answer) != 60 {
		t.Errorf("TC %v with %d answers, want 60 over TCP", m.Truncated, len(m.Answer))
	}
	if up.UDP.Load() != 1 || up.TCP.Load() != 1 {
		t.Errorf("UDP %d, TCP %d queries; want one each", up.UDP.Load(), up.TCP.Load())
	}
}

func TestFailover(t *testing.T) {
	good := dnstest.NewUpstream(t, soa, "www.example.test. 300 IN A 192.0.2.1")
	broken := dnstest.NewUpstream(t)
	broken.SetRcode(dns.RcodeServerFailure)
	refusing := dnstest.NewUpstream(t)
	refusing.SetRcode(dns.RcodeRefused)
	clk := &clock{t: time.Unix(1_000_000, 0)}

	t.Run("dead, then SERVFAIL, then good", func(t *testing.T) {
		f := newForwarder(t, clk, 0, deadAddr(t), broken.Addr, good.Addr)
		m := query(t, f, "www.example.test.", dns.TypeA)
		if m.Rcode != dns.RcodeSuccess || len(m.Answer) != 1 {
			t.Errorf("reply %v", m)
		}
	})
	t.Run("only failures: the last SERVFAIL or REFUSED is the reply, uncached", func(t *testing.T) {
		f := newForwarder(t, clk, 100, broken.Addr, refusing.Addr)
		for range 2 {
			if m := query(t, f, "www.example.test.", dns.TypeA); m.Rcode != dns.RcodeRefused {
				t.Errorf("rcode %s, want REFUSED", dns.RcodeToString[m.Rcode])
			}
		}
		if n := refusing.Queries(); n != 2 {
			t.Errorf("refusing upstream asked %d times, want 2 (no caching)", n)
		}
	})
	t.Run("nobody answers: an error", func(t *testing.T) {
		f := newForwarder(t, clk, 0, deadAddr(t))
		q := new(dns.Msg)
		q.SetQuestion("www.example.test.", dns.TypeA)
		if _, err := f.ServeDNS(context.Background(), q); err == nil {
			t.Errorf("no error")
		}
	})
	t.Run("silent upstream times out", func(t *testing.T) {
		pc, err := net.ListenPacket("udp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer pc.Close()
		f := newForwarder(t, clk, 0, pc.LocalAddr().String(), good.Addr)
		start := time.Now()
		m := query(t, f, "www.example.test.", dns.TypeA)
		if len(m.Answer) != 1 {
			t.Errorf("reply %v", m)
		}
		if d := time.Since(start); d < 400*time.Millisecond || d > 3*time.Second {
			t.Errorf("took %s, want about the 500ms timeout", d)
		}
	})
}

func TestConfig(t *testing.T) {
	for _, c := range []Config{
		{},
		{Upstreams: []string{"example.test:53"}},
		{Upstreams: []string{"127.0.0.1"}},
		{Upstreams: []string{"127.0.0.1:53"}, CacheSize: -1},
	} {
		if err := c.Validate(); err == nil {
			t.Errorf("%+v: no error", c)
		}
	}
}

func TestResolvConf(t *testing.T) {
	path := filepath.Join(t.TempDir(), "resolv.conf")
	if err := os.WriteFile(path, []byte("# comment\nsearch a.test\nnameserver 192.0.2.1\nnameserver 2001:db8::1\nnameserver 127.0.0.1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	ups, err := ResolvConf(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(ups, ","); got != "192.0.2.1:53,[2001:db8::1]:53,127.0.0.1:53" {
		t.Errorf("upstreams %s", got)
	}
	self := []netip.AddrPort{netip.MustParseAddrPort("192.0.2.1:53"), netip.MustParseAddrPort("127.0.0.1:5353")}
	if got := strings.Join(WithoutSelf(ups, self), ","); got != "[2001:db8::1]:53,127.0.0.1:53" {
		t.Errorf("without self: %s", got)
	}
	if _, err := ResolvConf(filepath.Join(t.TempDir(), "missing")); err == nil {
		t.Errorf("missing file: no error")
	}
}
