package dns

import (
	"fmt"
	"testing"

	"github.com/miekg/dns"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	"k8s.io/client-go/tools/cache"

	"github.com/svcnet/svcnet/pkg/dns/dnstest"
)

// TestIndexUpdates replays changes in order and checks the answers after
// each: what the informers do to a running server.
func TestIndexUpdates(t *testing.T) {
	s, _ := newTestServer(t, nil)
	x := s.Index()
	http := []discoveryv1.EndpointPort{slicePort("http", corev1.ProtocolTCP, 80)}
	a := func(name, ip string) string { return name + " 5 IN A " + ip }
	nx := func(qname string) dnsCase {
		return dnsCase{qname: qname, qtype: dns.TypeA, rcode: dns.RcodeNameError, ns: []string{zoneSOA}}
	}
	const web = "web.default.svc.cluster.local."
	steps := []struct {
		name   string
		upsert []any
		delete []any
		cases  []dnsCase
	}{
		{
			name:   "slice before its Service answers nothing",
			upsert: []any{slice("default", "web-1", "web", http, ep{ip: "10.244.0.1"})},
			cases:  []dnsCase{nx(web), {qname: "1.0.244.10.in-addr.arpa.", qtype: dns.TypePTR, rcode: dns.RcodeNameError}},
		},
		{
			name:   "the Service arrives",
			upsert: []any{headless("default", "web", port("http", corev1.ProtocolTCP, 80))},
			cases: []dnsCase{
				{qname: web, qtype: dns.TypeA, answer: []string{a(web, "10.244.0.1")}},
				{qname: "1.0.244.10.in-addr.arpa.", qtype: dns.TypePTR, answer: []string{"1.0.244.10.in-addr.arpa. 5 IN PTR 10-244-0-1.web.default.svc.cluster.local."}},
			},
		},
		{
			name:   "a second slice repeats an address and adds one",
			upsert: []any{slice("default", "web-2", "web", http, ep{ip: "10.244.0.1"}, ep{ip: "10.244.0.2"})},
			cases:  []dnsCase{{qname: web, qtype: dns.TypeA, answer: []string{a(web, "10.244.0.1"), a(web, "10.244.0.2")}}},
		},
		{
			name:   "the first slice goes; the repeated address stays",
			delete: []any{slice("default", "web-1", "web", nil)},
			cases:  []dnsCase{{qname: web, qtype: dns.TypeA, answer: []string{a(web, "10.244.0.1"), a(web, "10.244.0.2")}}},
		},
		{
			name:   "an endpoint turns not ready",
			upsert: []any{slice("default", "web-2", "web", http, ep{ip: "10.244.0.1", notReady: true}, ep{ip: "10.244.0.2"})},
			cases: []dnsCase{
				{qname: web, qtype: dns.TypeA, answer: []string{a(web, "10.244.0.2")}},
				{qname: "1.0.244.10.in-addr.arpa.", qtype: dns.TypePTR, rcode: dns.RcodeNameError},
			},
		},
		{
			name:   "the slice is relabelled to another Service",
			upsert: []any{headless("default", "api"), slice("default", "web-2", "api", http, ep{ip: "10.244.0.2"})},
			cases: []dnsCase{
				nx(web),
				{qname: "api.default.svc.cluster.local.", qtype: dns.TypeA, answer: []string{a("api.default.svc.cluster.local.", "10.244.0.2")}},
				{qname: "2.0.244.10.in-addr.arpa.", qtype: dns.TypePTR, answer: []string{"2.0.244.10.in-addr.arpa. 5 IN PTR 10-244-0-2.api.default.svc.cluster.local."}},
			},
		},
		{
			name:   "a headless Service becomes ClusterIP",
			upsert: []any{service("default", "api", []string{"10.96.0.20"})},
			cases: []dnsCase{
				{qname: "api.default.svc.cluster.local.", qtype: dns.TypeA, answer: []string{a("api.default.svc.cluster.local.", "10.96.0.20")}},
				{qname: "20.0.96.10.in-addr.arpa.", qtype: dns.TypePTR, answer: []string{"20.0.96.10.in-addr.arpa. 5 IN PTR api.default.svc.cluster.local."}},
			},
		},
		{
			name:   "the Services go",
			delete: []any{service("default", "api", nil), service("default", "web", nil), slice("default", "web-2", "api", nil)},
			cases: []dnsCase{
				nx("api.default.svc.cluster.local."),
				{qname: "20.0.96.10.in-addr.arpa.", qtype: dns.TypePTR, rcode: dns.RcodeNameError},
				{qname: "2.0.244.10.in-addr.arpa.", qtype: dns.TypePTR, rcode: dns.RcodeNameError},
				{qname: "default.svc.cluster.local.", qtype: dns.TypeA, rcode: dns.RcodeNameError, ns: []string{zoneSOA}},
			},
		},
		{
			name:   "a pod gets an IP",
			upsert: []any{pod("default", "p", corev1.PodRunning, "10.244.1.1")},
			cases:  []dnsCase{{qname: "10-244-1-1.default.pod.cluster.local.", qtype: dns.TypeA, answer: []string{"10-244-1-1.default.pod.cluster.local. 5 IN A 10.244.1.1"}}},
		},
		{
			name:   "the pod is recreated with another IP",
			delete: []any{pod("default", "p", corev1.PodRunning)},
			upsert: []any{pod("default", "p", corev1.PodRunning, "10.244.1.2")},
			cases: []dnsCase{
				nx("10-244-1-1.default.pod.cluster.local."),
				{qname: "10-244-1-2.default.pod.cluster.local.", qtype: dns.TypeA, answer: []string{"10-244-1-2.default.pod.cluster.local. 5 IN A 10.244.1.2"}},
			},
		},
		{
			name:   "tombstones delete too",
			delete: []any{cache.DeletedFinalStateUnknown{Key: "default/p", Obj: pod("default", "p", corev1.PodRunning)}},
			cases:  []dnsCase{nx("10-244-1-2.default.pod.cluster.local."), {qname: "default.pod.cluster.local.", qtype: dns.TypeA, rcode: dns.RcodeNameError, ns: []string{zoneSOA}}},
		},
	}
	for _, st := range steps {
		for _, o := range st.delete {
			mustNoErr(t, x.Delete(o))
		}
		for _, o := range st.upsert {
			mustNoErr(t, x.Upsert(o))
		}
		for _, c := range st.cases {
			t.Run(st.name+"/"+c.String(), func(t *testing.T) { c.run(t, s) })
		}
	}
	if st := x.Stats(); st != (IndexStats{}) {
		t.Errorf("stats after deleting everything: %+v", st)
	}
	if len(x.services) != 0 || len(x.ptr) != 0 || len(x.sliceOwner) != 0 || len(x.podIPs) != 0 {
		t.Errorf("leftovers: %d services, %d PTR, %d slices, %d pod IPs", len(x.services), len(x.ptr), len(x.sliceOwner), len(x.podIPs))
	}
}

func TestIndexRejectsOtherTypes(t *testing.T) {
	x := NewIndex()
	if err := x.Upsert(&corev1.ConfigMap{}); err == nil {
		t.Errorf("ConfigMap accepted")
	}
	if err := x.Delete("nothing"); err == nil {
		t.Errorf("string accepted")
	}
}

func TestDashedLabels(t *testing.T) {
	cases := []struct {
		label string
		want  string // "" when not an address
	}{
		{"10-244-0-5", "10.244.0.5"},
		{"fd00-1--3", "fd00:1::3"},
		{"2001-db8-0-0-0-0-0-1", "2001:db8::1"},
		{"1-2-3-4", "1.2.3.4"},
		{"1-2-3--4", "1:2:3::4"},
		{"pet-0", ""},
		{"10-244-0", ""},
		{"10-244-0-256", ""},
		{"fe80--1%eth0", ""},
		{"", ""},
	}
	for _, c := range cases {
		a, ok := undash(c.label)
		got := ""
		if ok {
			got = a.String()
		}
		if got != c.want {
			t.Errorf("undash(%q) = %q, want %q", c.label, got, c.want)
		}
		if ok && dashed(a) != c.label && c.label != "2001-db8-0-0-0-0-0-1" {
			t.Errorf("dashed(%s) = %q, want %q", a, dashed(a), c.label)
		}
	}
}

func TestReverseNames(t *testing.T) {
	cases := []struct {
		name string
		want string
	}{
		{"1.0.96.10.in-addr.arpa.", "10.96.0.1"},
		{"255.255.255.255.in-addr.arpa.", "255.255.255.255"},
		{"0.96.10.in-addr.arpa.", ""},
		{"1.1.0.96.10.in-addr.arpa.", ""},
		{"01.0.96.10.in-addr.arpa.", ""},
		{"256.0.96.10.in-addr.arpa.", ""},
		{"x.0.96.10.in-addr.arpa.", ""},
		{"1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa.", "2001:db8::1"},
		{"1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.ip6.arpa.", ""},
		{"g.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa.", ""},
		{"example.com.", ""},
	}
	for _, c := range cases {
		a, ok := reverseAddr(c.name)
		got := ""
		if ok {
			got = a.String()
		}
		if got != c.want {
			t.Errorf("reverseAddr(%q) = %q, want %q", c.name, got, c.want)
		}
		if ok {
			if r, _ := dns.ReverseAddr(a.String()); r != c.name {
				t.Errorf("round trip of %s: %s", a, r)
			}
		}
	}
}

// TestConcurrentQueriesAndUpdates queries while the index changes; run
// with -race it checks that answers never read what a writer changes.
func TestConcurrentQueriesAndUpdates(t *testing.T) {
	s, _ := newTestServer(t, fixture())
	x := s.Index()
	http := []discoveryv1.EndpointPort{slicePort("http", corev1.ProtocolTCP, 80)}
	done := make(chan struct{})
	errs := make(chan error, 1)
	go func() {
		defer close(done)
		for i := range 300 {
			// Never 172.0.0.4, the fixed pet-0 endpoint: two endpoints with one
			// address would make the answer depend on which one wins.
			ip := fmt.Sprintf("172.0.1.%d", i%200+2)
			sl := slice("testns", "hdls1-v4", "hdls1", http, ep{ip: ip}, ep{ip: "172.0.0.4", hostname: "pet-0"})
			if err := x.Upsert(sl); err != nil {
				errs <- err
				return
			}
			if err := x.Upsert(pod("testns", "pod-a", corev1.PodRunning, ip)); err != nil {
				errs <- err
				return
			}
		}
	}()
	queries := []dnsCase{
		{qname: "hdls1.testns.svc.cluster.local.", qtype: dns.TypeA},
		{qname: "_http._tcp.hdls1.testns.svc.cluster.local.", qtype: dns.TypeSRV},
		{qname: "4.0.0.172.in-addr.arpa.", qtype: dns.TypePTR},
		{qname: "pet-0.hdls1.testns.svc.cluster.local.", qtype: dns.TypeA},
	}
	for n := 0; ; n++ {
		select {
		case <-done:
			select {
			case err := <-errs:
				t.Fatal(err)
			default:
			}
			return
		default:
		}
		c := queries[n%len(queries)]
		w := dnstest.NewRecorder(false)
		s.ServeDNS(w, c.msg())
		if w.Msg.Rcode != dns.RcodeSuccess || len(w.Msg.Answer) == 0 {
			t.Fatalf("%s during updates: %v", c, w.Msg)
		}
	}
}
