package dns

import (
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/miekg/dns"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	"github.com/svcnet/svcnet/pkg/dns/dnstest"
)

// Builders for the API objects of the fixtures.

func service(ns, name string, clusterIPs []string, ports ...corev1.ServicePort) *corev1.Service {
	s := &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec:       corev1.ServiceSpec{Type: corev1.ServiceTypeClusterIP, ClusterIPs: clusterIPs, Ports: ports},
	}
	if len(clusterIPs) > 0 {
		s.Spec.ClusterIP = clusterIPs[0]
	}
	return s
}

func headless(ns, name string, ports ...corev1.ServicePort) *corev1.Service {
	return service(ns, name, []string{corev1.ClusterIPNone}, ports...)
}

func externalName(ns, name, target string) *corev1.Service {
	return &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec:       corev1.ServiceSpec{Type: corev1.ServiceTypeExternalName, ExternalName: target},
	}
}

func port(name string, proto corev1.Protocol, n int32) corev1.ServicePort {
	return corev1.ServicePort{Name: name, Protocol: proto, Port: n}
}

type ep struct {
	ip       string
	hostname string
	notReady bool
}

func slice(ns, name, svc string, ports []discoveryv1.EndpointPort, eps ...ep) *discoveryv1.EndpointSlice {
	s := &discoveryv1.EndpointSlice{
		ObjectMeta:  metav1.ObjectMeta{Namespace: ns, Name: name, Labels: map[string]string{discoveryv1.LabelServiceName: svc}},
		AddressType: discoveryv1.AddressTypeIPv4,
		Ports:       ports,
	}
	for _, e := range eps {
		if strings.Contains(e.ip, ":") {
			s.AddressType = discoveryv1.AddressTypeIPv6
		}
		end := discoveryv1.Endpoint{Addresses: []string{e.ip}, Conditions: discoveryv1.EndpointConditions{Ready: ptr.To(!e.notReady)}}
		if e.hostname != "" {
			end.Hostname = ptr.To(e.hostname)
		}
		s.Endpoints = append(s.Endpoints, end)
	}
	return s
}

func slicePort(name string, proto corev1.Protocol, n int32) discoveryv1.EndpointPort {
	return discoveryv1.EndpointPort{Name: ptr.To(name), Protocol: ptr.To(proto), Port: ptr.To(n)}
}

func pod(ns, name string, phase corev1.PodPhase, ips ...string) *corev1.Pod {
	p := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Status:     corev1.PodStatus{Phase: phase},
	}
	for _, ip := range ips {
		p.Status.PodIPs = append(p.Status.PodIPs, corev1.PodIP{IP: ip})
	}
	if len(ips) > 0 {
		p.Status.PodIP = ips[0]
	}
	return p
}

// fixture is the cluster the zone tests query.
func fixture() []any {
	http := slicePort("http", corev1.ProtocolTCP, 8080)
	metrics := slicePort("metrics", corev1.ProtocolTCP, 9090)
	tolerate := headless("testns", "hdls-tolerate", port("http", corev1.ProtocolTCP, 80))
	tolerate.Annotations = map[string]string{"service.alpha.kubernetes.io/tolerate-unready-endpoints": "true"}
	publish := headless("testns", "hdls-publish", port("http", corev1.ProtocolTCP, 80))
	publish.Spec.PublishNotReadyAddresses = true
	deleting := pod("testns", "deleting", corev1.PodRunning, "172.0.0.8")
	deleting.DeletionTimestamp = &metav1.Time{}
	objs := []any{
		service("kube-system", "kube-dns", []string{"10.96.0.10"}, port("dns", corev1.ProtocolUDP, 53), port("dns-tcp", corev1.ProtocolTCP, 53)),
		service("testns", "svc1", []string{"10.0.0.1"}, port("http", corev1.ProtocolTCP, 80), port("dns", corev1.ProtocolUDP, 53), port("", corev1.ProtocolTCP, 8080)),
		service("testns", "svc6", []string{"fd00::1"}, port("http", corev1.ProtocolTCP, 80)),
		service("testns", "dual", []string{"10.0.0.3", "fd00::3"}, port("http", corev1.ProtocolTCP, 80)),
		service("testns", "noports", []string{"10.0.0.4"}),
		headless("testns", "hdls1", port("http", corev1.ProtocolTCP, 80), port("metrics", corev1.ProtocolTCP, 90)),
		slice("testns", "hdls1-v4", "hdls1", []discoveryv1.EndpointPort{http, metrics},
			ep{ip: "172.0.0.2"}, ep{ip: "172.0.0.3"}, ep{ip: "172.0.0.4", hostname: "pet-0"}, ep{ip: "172.0.0.5", hostname: "pet-1", notReady: true}),
		slice("testns", "hdls1-v6", "hdls1", []discoveryv1.EndpointPort{http, metrics},
			ep{ip: "fd00:1::2", hostname: "pet-0"}, ep{ip: "fd00:1::3"}),
		headless("testns", "hdls-empty", port("http", corev1.ProtocolTCP, 80)),
		slice("testns", "hdls-empty-x", "hdls-empty", []discoveryv1.EndpointPort{http}, ep{ip: "172.0.1.1", notReady: true}),
		tolerate,
		slice("testns", "hdls-tolerate-x", "hdls-tolerate", []discoveryv1.EndpointPort{http}, ep{ip: "172.0.2.1", notReady: true}),
		publish,
		slice("testns", "hdls-publish-x", "hdls-publish", []discoveryv1.EndpointPort{http}, ep{ip: "172.0.3.1", notReady: true}),
		externalName("testns", "ext", "ext.example.test"),
		externalName("testns", "ext-internal", "svc1.testns.svc.cluster.local"),
		externalName("testns", "ext-missing", "nope.testns.svc.cluster.local"),
		externalName("testns", "ext-loop", "ext-loop.testns.svc.cluster.local"),
		service("default", "whoami", []string{"10.96.0.50"}, port("http", corev1.ProtocolTCP, 80)),
		slice("default", "whoami-abc", "whoami", []discoveryv1.EndpointPort{http}, ep{ip: "10.244.0.5"}),
		// Slices of a Service that does not exist are kept but unanswered.
		slice("default", "orphan-abc", "orphan", []discoveryv1.EndpointPort{http}, ep{ip: "10.244.0.6"}),
		pod("testns", "pod-a", corev1.PodRunning, "172.0.0.2"),
		pod("testns", "pod-b", corev1.PodRunning, "172.0.0.3", "fd00:1::3"),
		pod("testns", "done", corev1.PodSucceeded, "172.0.0.9"),
		deleting,
		pod("testns", "pending", corev1.PodPending),
	}
	return objs
}

func fillIndex(t testing.TB, x *Index, objs []any) {
	t.Helper()
	for _, o := range objs {
		if err := x.Upsert(o); err != nil {
			t.Fatal(err)
		}
	}
}

// dnsCase is one query and its expected reply, records in zone-file
// syntax. SOA serials are compared as 0.
type dnsCase struct {
	name      string
	qname     string
	qtype     uint16
	tcp       bool
	bufsize   uint16 // EDNS0 buffer; 0 sends no OPT record
	rcode     int
	answer    []string
	ns        []string
	extra     []string
	truncated bool
}

func (c dnsCase) String() string {
	if c.name != "" {
		return c.name
	}
	return c.qname + "/" + dns.TypeToString[c.qtype]
}

func (c dnsCase) msg() *dns.Msg {
	m := new(dns.Msg)
	m.SetQuestion(c.qname, c.qtype)
	if c.bufsize > 0 {
		m.SetEdns0(c.bufsize, false)
	}
	return m
}

// run sends c to s.ServeDNS and checks the reply.
func (c dnsCase) run(t *testing.T, s *Server) *dns.Msg {
	t.Helper()
	w := dnstest.NewRecorder(c.tcp)
	s.ServeDNS(w, c.msg())
	if w.Msg == nil {
		t.Fatalf("no reply")
	}
	c.check(t, w.Msg)
	return w.Msg
}

func (c dnsCase) check(t *testing.T, m *dns.Msg) {
	t.Helper()
	if m.Rcode != c.rcode {
		t.Errorf("rcode %s, want %s\n%v", dns.RcodeToString[m.Rcode], dns.RcodeToString[c.rcode], m)
	}
	if m.Truncated != c.truncated {
		t.Errorf("truncated %v, want %v", m.Truncated, c.truncated)
	}
	checkSection(t, "answer", m.Answer, c.answer)
	checkSection(t, "authority", m.Ns, c.ns)
	var extra []dns.RR
	for _, rr := range m.Extra {
		if rr.Header().Rrtype != dns.TypeOPT {
			extra = append(extra, rr)
		}
	}
	checkSection(t, "additional", extra, c.extra)
}

func checkSection(t *testing.T, section string, got []dns.RR, want []string) {
	t.Helper()
	g := make([]string, 0, len(got))
	for _, rr := range got {
		g = append(g, normalize(rr))
	}
	w := make([]string, 0, len(want))
	for _, s := range want {
		rr, err := dns.NewRR(s)
		if err != nil {
			t.Fatalf("bad expected record %q: %v", s, err)
		}
		w = append(w, normalize(rr))
	}
	sort.Strings(g)
	sort.Strings(w)
	if strings.Join(g, "\n") != strings.Join(w, "\n") {
		t.Errorf("%s section:\n got:\n  %s\nwant:\n  %s", section, strings.Join(g, "\n  "), strings.Join(w, "\n  "))
	}
}

// normalize prints a record with a zero SOA serial and a lower-case owner
// name for comparison; case is checked separately where it matters.
func normalize(rr dns.RR) string {
	rr = dns.Copy(rr)
	if soa, ok := rr.(*dns.SOA); ok {
		soa.Serial = 0
	}
	rr.Header().Name = strings.ToLower(rr.Header().Name)
	return rr.String()
}

func mustNoErr(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(fmt.Errorf("unexpected: %w", err))
	}
}
