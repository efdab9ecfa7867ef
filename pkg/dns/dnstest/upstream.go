package dnstest

import (
	"fmt"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/miekg/dns"
)

// Upstream is a tiny authoritative DNS server on 127.0.0.1, UDP and TCP on
// one port, that answers from zone-file records, for testing forwarding.
// Unknown names get NXDOMAIN and known names without the asked type get
// NODATA, both with the SOA given by SetSOA.
type Upstream struct {
	// Addr is the 127.0.0.1:port it serves on.
	Addr string

	mu      sync.Mutex
	records map[string][]dns.RR
	soa     dns.RR
	maxUDP  atomic.Int64 // see SetMaxUDP
	rcode   atomic.Int64 // see SetRcode

	// UDP and TCP count the queries received on each transport.
	UDP, TCP atomic.Int64
}

// NewUpstream starts an Upstream with the given records, stopped when the
// test ends.
func NewUpstream(t testing.TB, records ...string) *Upstream {
	t.Helper()
	u := &Upstream{records: map[string][]dns.RR{}}
	for _, r := range records {
		u.Add(t, r)
	}
	var pc net.PacketConn
	var ln net.Listener
	var err error
	for range 20 {
		pc, err = net.ListenPacket("udp", "127.0.0.1:0")
		if err != nil {
			t.Fatalf("upstream: %v", err)
		}
		ln, err = net.Listen("tcp", pc.LocalAddr().String())
		if err == nil {
			break
		}
		pc.Close()
	}
	if err != nil {
		t.Fatalf("upstream: %v", err)
	}
	u.Addr = pc.LocalAddr().String()
	udp := &dns.Server{PacketConn: pc, Handler: dns.HandlerFunc(func(w dns.ResponseWriter, r *dns.Msg) { u.serve(w, r, false) })}
	tcp := &dns.Server{Listener: ln, Handler: dns.HandlerFunc(func(w dns.ResponseWriter, r *dns.Msg) { u.serve(w, r, true) })}
	var started sync.WaitGroup
	started.Add(2)
	udp.NotifyStartedFunc = started.Done
	tcp.NotifyStartedFunc = started.Done
	go func() { _ = udp.ActivateAndServe() }()
	go func() { _ = tcp.ActivateAndServe() }()
	started.Wait()
	t.Cleanup(func() {
		_ = udp.Shutdown()
		_ = tcp.Shutdown()
	})
	return u
}

// Add adds a record in zone-file syntax.
func (u *Upstream) Add(t testing.TB, record string) {
	t.Helper()
	rr, err := dns.NewRR(record)
	if err != nil {
		t.Fatalf("upstream record %q: %v", record, err)
	}
	u.mu.Lock()
	defer u.mu.Unlock()
	if rr.Header().Rrtype == dns.TypeSOA {
		u.soa = rr
		return
	}
	name := strings.ToLower(rr.Header().Name)
	u.records[name] = append(u.records[name], rr)
}

// SetMaxUDP truncates UDP replies to n bytes (0: the client's buffer).
func (u *Upstream) SetMaxUDP(n int) { u.maxUDP.Store(int64(n)) }

// SetRcode makes every reply an empty one with rcode (0: answer normally).
func (u *Upstream) SetRcode(rcode int) { u.rcode.Store(int64(rcode)) }

// Queries is the number of queries received.
func (u *Upstream) Queries() int64 { return u.UDP.Load() + u.TCP.Load() }

func (u *Upstream) String() string { return fmt.Sprintf("upstream(%s)", u.Addr) }

func (u *Upstream) serve(w dns.ResponseWriter, r *dns.Msg, tcp bool) {
	if tcp {
		u.TCP.Add(1)
	} else {
		u.UDP.Add(1)
	}
	m := new(dns.Msg)
	m.SetReply(r)
	m.Authoritative = true
	m.RecursionAvailable = true
	if rc := u.rcode.Load(); rc != 0 {
		m.Rcode = int(rc)
		_ = w.WriteMsg(m)
		return
	}
	q := r.Question[0]
	u.mu.Lock()
	rrs, ok := u.records[strings.ToLower(q.Name)]
	for _, rr := range rrs {
		if rr.Header().Rrtype == q.Qtype || q.Qtype == dns.TypeANY || rr.Header().Rrtype == dns.TypeCNAME {
			m.Answer = append(m.Answer, dns.Copy(rr))
		}
	}
	soa := u.soa
	u.mu.Unlock()
	if !ok {
		m.Rcode = dns.RcodeNameError
	}
	if len(m.Answer) == 0 && soa != nil {
		m.Ns = []dns.RR{dns.Copy(soa)}
	}
	if opt := r.IsEdns0(); opt != nil {
		m.SetEdns0(opt.UDPSize(), opt.Do())
	}
	if !tcp {
		size := dns.MinMsgSize
		if opt := r.IsEdns0(); opt != nil {
			size = int(opt.UDPSize())
		}
		if n := int(u.maxUDP.Load()); n > 0 {
			size = n
		}
		m.Truncate(size)
	}
	_ = w.WriteMsg(m)
}
