package proxy

import (
	"context"
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync"
	"testing"

	dto "github.com/prometheus/client_model/go"
	v1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/svcnet/svcnet/pkg/proxy/conntrack"
	"github.com/svcnet/svcnet/pkg/proxy/model"
)

func TestProxierFollowsChanges(t *testing.T) {
	ctx := context.Background()
	tp := startProxy(t, nil,
		svcObj("web", "172.30.0.10", v1.ProtocolTCP, 80),
		sliceObj("web", v1.ProtocolTCP, 80, "10.180.0.1@node1", "10.180.1.1"))
	tp.waitTrace(t, "10.180.2.2", "172.30.0.10", 80, "tcp", "10.180.0.1:80, 10.180.1.1:80")
	if !strings.Contains(lastTx(tp.nft.Fake), "flush table") {
		t.Errorf("the first sync should be full")
	}

	// Add a second Service: a partial sync touches only it.
	if _, err := tp.client.CoreV1().Services("ns").Create(ctx, svcObj("db", "172.30.0.11", v1.ProtocolTCP, 5432), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	tp.waitTrace(t, "10.180.2.2", "172.30.0.11", 5432, "tcp", "REJECT")
	tx := lastTx(tp.nft.Fake)
	if strings.Contains(tx, "flush table") || strings.Contains(tx, "ns/web") || !strings.Contains(tx, "172.30.0.11") {
		t.Errorf("partial sync should touch only ns/db:\n%s", tx)
	}

	// Endpoints leave: the Service rejects.
	if _, err := tp.client.DiscoveryV1().EndpointSlices("ns").Update(ctx, sliceObj("web", v1.ProtocolTCP, 80), metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	tp.waitTrace(t, "10.180.2.2", "172.30.0.10", 80, "tcp", "REJECT")

	// The Service goes away: its IP is unallocated.
	if err := tp.client.CoreV1().Services("ns").Delete(ctx, "web", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	tp.waitTrace(t, "10.180.2.2", "172.30.0.10", 80, "tcp", "DROP")
}

func TestFullSyncAfterFailure(t *testing.T) {
	ctx := context.Background()
	tp := startProxy(t, nil, svcObj("web", "172.30.0.10", v1.ProtocolTCP, 80),
		sliceObj("web", v1.ProtocolTCP, 80, "10.180.1.1"))
	tp.waitTrace(t, "10.180.2.2", "172.30.0.10", 80, "tcp", "10.180.1.1:80")

	tp.nft.failures.Store(1)
	if _, err := tp.client.DiscoveryV1().EndpointSlices("ns").Update(ctx, sliceObj("web", v1.ProtocolTCP, 80, "10.180.1.2"), metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	tp.waitTrace(t, "10.180.2.2", "172.30.0.10", 80, "tcp", "10.180.1.2:80")
	if !strings.Contains(lastTx(tp.nft.Fake), "flush table") {
		t.Errorf("the sync after a failure should be full:\n%s", lastTx(tp.nft.Fake))
	}
	if got := counterValue(t, tp, "svcnet_proxy_sync_failures_total", nil); got != 1 {
		t.Errorf("sync failures = %v, want 1", got)
	}
}

func TestConntrackClearedOnUDPEndpointRemoval(t *testing.T) {
	ctx := context.Background()
	tp := startProxy(t, nil,
		svcObj("dns", "172.30.0.10", v1.ProtocolUDP, 53, func(s *v1.Service) {
			s.Spec.Type, s.Spec.Ports[0].NodePort = v1.ServiceTypeNodePort, 30053
		}),
		sliceObj("dns", v1.ProtocolUDP, 53, "10.180.1.1", "10.180.1.2"),
		svcObj("web", "172.30.0.11", v1.ProtocolTCP, 80),
		sliceObj("web", v1.ProtocolTCP, 80, "10.180.1.3", "10.180.1.4"))
	tp.waitTrace(t, "10.180.2.2", "172.30.0.10", 53, "udp", "10.180.1.1:53, 10.180.1.2:53")
	tp.waitTrace(t, "10.180.2.2", "172.30.0.11", 80, "tcp", "10.180.1.3:80, 10.180.1.4:80")

	// A TCP endpoint leaving needs no cleanup.
	if _, err := tp.client.DiscoveryV1().EndpointSlices("ns").Update(ctx, sliceObj("web", v1.ProtocolTCP, 80, "10.180.1.3"), metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	tp.waitTrace(t, "10.180.2.2", "172.30.0.11", 80, "tcp", "10.180.1.3:80")
	if f := tp.ct.Filters(); len(f) != 0 {
		t.Errorf("TCP change cleared conntrack: %v", f)
	}

	if _, err := tp.client.DiscoveryV1().EndpointSlices("ns").Update(ctx, sliceObj("dns", v1.ProtocolUDP, 53, "10.180.1.1"), metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	tp.waitTrace(t, "10.180.2.2", "172.30.0.10", 53, "udp", "10.180.1.1:53")
	eventually(t, "conntrack cleanup", func() (bool, string) { return len(tp.ct.Filters()) == 2, "" })
	want := []conntrack.Filter{
		{Protocol: "udp", OrigDst: netip.MustParseAddr("172.30.0.10"), OrigDstPort: 53, ReplySrc: netip.MustParseAddr("10.180.1.2")},
		{Protocol: "udp", OrigDstPort: 30053, ReplySrc: netip.MustParseAddr("10.180.1.2")},
	}
	for i, f := range tp.ct.Filters() {
		if f != want[i] {
			t.Errorf("filter %d = %v, want %v", i, f, want[i])
		}
	}
}

func TestScope(t *testing.T) {
	tp := startProxy(t, func(c *Config) { c.ProxyName = "mine" },
		svcObj("headless", "None", v1.ProtocolTCP, 80),
		svcObj("other", "172.30.0.12", v1.ProtocolTCP, 80, func(s *v1.Service) { s.Labels = map[string]string{model.ProxyNameLabel: "theirs"} }),
		svcObj("mine", "172.30.0.13", v1.ProtocolTCP, 80, func(s *v1.Service) { s.Labels = map[string]string{model.ProxyNameLabel: "mine"} }),
		svcObj("plain", "172.30.0.14", v1.ProtocolTCP, 80),
		&v1.Service{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "ext"}, Spec: v1.ServiceSpec{Type: v1.ServiceTypeExternalName, ExternalName: "example.com"}})
	tp.waitTrace(t, "10.180.2.2", "172.30.0.13", 80, "tcp", "REJECT")
	tp.waitTrace(t, "10.180.2.2", "172.30.0.14", 80, "tcp", "REJECT")
	if got := tp.traceFake("10.180.2.2", "172.30.0.12", 80, "tcp"); got != "DROP" {
		t.Errorf("another proxy's Service: %s, want DROP (not programmed)", got)
	}
	if tp.servicesCount() != 2 {
		t.Errorf("model has %d Services, want 2", tp.servicesCount())
	}
}

func (p *Proxier) servicesCount() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	n := 0
	for _, s := range p.services {
		if len(s.Ports) > 0 {
			n++
		}
	}
	return n
}

func TestHealthzAndHealthCheckNodePort(t *testing.T) {
	var mu sync.Mutex
	listeners := map[string]string{}
	listen := func(network, addr string) (net.Listener, error) {
		l, err := net.Listen(network, "127.0.0.1:0")
		if err == nil {
			mu.Lock()
			listeners[addr] = l.Addr().String()
			mu.Unlock()
		}
		return l, err
	}
	lb := svcObj("lb", "172.30.0.20", v1.ProtocolTCP, 80, func(s *v1.Service) {
		s.Spec.Type, s.Spec.Ports[0].NodePort = v1.ServiceTypeLoadBalancer, 30080
		s.Spec.ExternalTrafficPolicy, s.Spec.HealthCheckNodePort = v1.ServiceExternalTrafficPolicyLocal, 30999
		s.Status.LoadBalancer.Ingress = []v1.LoadBalancerIngress{{IP: "203.0.113.10"}}
	})
	tp := startProxy(t, func(c *Config) { c.HealthCheckListen = listen }, lb,
		sliceObj("lb", v1.ProtocolTCP, 80, "10.180.0.1@node1", "10.180.0.2@node1", "10.180.1.1"))
	tp.waitTrace(t, "198.51.100.1", "203.0.113.10", 80, "tcp", "10.180.0.1:80, 10.180.0.2:80")

	rec := httptest.NewRecorder()
	tp.Healthz().ServeHTTP(rec, httptest.NewRequest("GET", "/healthz", nil))
	if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), `"healthy":true`) {
		t.Errorf("/healthz = %d %s", rec.Code, rec.Body)
	}
	var addr string
	eventually(t, "health check port", func() (bool, string) {
		mu.Lock()
		defer mu.Unlock()
		addr = listeners[":30999"]
		return addr != "", ""
	})
	resp, err := http.Get("http://" + addr + "/")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body struct {
		Service             struct{ Namespace, Name string }
		LocalEndpoints      int  `json:"localEndpoints"`
		ServiceProxyHealthy bool `json:"serviceProxyHealthy"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK || body.LocalEndpoints != 2 || body.Service.Name != "lb" || !body.ServiceProxyHealthy {
		t.Errorf("health check = %d %+v", resp.StatusCode, body)
	}
}

func TestTraceMatchesTheRuleset(t *testing.T) {
	tp := startProxy(t, nil,
		svcObj("web", "172.30.0.10", v1.ProtocolTCP, 80, func(s *v1.Service) {
			s.Spec.Type, s.Spec.Ports[0].NodePort = v1.ServiceTypeNodePort, 30080
		}),
		sliceObj("web", v1.ProtocolTCP, 80, "10.180.0.1@node1", "10.180.1.1"))
	tp.waitTrace(t, "10.180.2.2", "172.30.0.10", 80, "tcp", "10.180.0.1:80, 10.180.1.1:80")
	cases := []struct {
		src, dst string
		port     uint16
	}{
		{"10.180.2.2", "172.30.0.10", 80},
		{"10.180.0.1", "172.30.0.10", 80},
		{"198.51.100.1", "172.30.0.10", 80},
		{"198.51.100.1", "192.168.0.2", 30080},
		{"10.180.2.2", "172.30.0.10", 81},
		{"10.180.2.2", "172.30.0.99", 80},
	}
	for _, c := range cases {
		res, err := tp.Trace(netip.MustParseAddr(c.src), netip.MustParseAddr(c.dst), c.port, v1.ProtocolTCP)
		if err != nil {
			t.Fatal(err)
		}
		if got, want := summarize(res), tp.traceFake(c.src, c.dst, c.port, "tcp"); got != want {
			t.Errorf("Trace(%s -> %s:%d) = %q, the programmed rules say %q\n%s", c.src, c.dst, c.port, got, want, res)
		}
	}
	res, _ := tp.Trace(netip.MustParseAddr("10.180.2.2"), netip.MustParseAddr("172.30.0.10"), 80, v1.ProtocolTCP)
	if len(res.Services) != 1 || res.Services[0] != "ns/web:p/TCP" || !strings.Contains(res.String(), "dnat to 10.180.1.1:80") {
		t.Errorf("trace output:\n%s", res)
	}
}

// summarize formats a TraceResult like nfttrace.Result.String.
func summarize(r TraceResult) string {
	seen := map[string]bool{}
	var out []string
	for _, p := range r.Paths {
		s := p.Verdict
		if p.Endpoint.IsValid() && p.Verdict == "ACCEPT" {
			s = p.Endpoint.String()
		}
		if p.Masquerade {
			s += " masq"
		}
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	sortStrings(out)
	return strings.Join(out, ", ")
}

func sortStrings(s []string) {
	for i := range s {
		for j := i + 1; j < len(s); j++ {
			if s[j] < s[i] {
				s[i], s[j] = s[j], s[i]
			}
		}
	}
}

// counterValue reads a counter or histogram count from the registry.
func counterValue(t *testing.T, tp *testProxy, name string, labels map[string]string) float64 {
	t.Helper()
	mfs, err := tp.reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
		for _, m := range mf.GetMetric() {
			if hasLabels(m, labels) {
				switch {
				case m.Counter != nil:
					return m.GetCounter().GetValue()
				case m.Histogram != nil:
					return float64(m.GetHistogram().GetSampleCount())
				case m.Gauge != nil:
					return m.GetGauge().GetValue()
				}
			}
		}
	}
	return -1
}

func hasLabels(m *dto.Metric, want map[string]string) bool {
	for k, v := range want {
		found := false
		for _, l := range m.GetLabel() {
			if l.GetName() == k && l.GetValue() == v {
				found = true
			}
		}
		if !found {
			return false
		}
	}
	return true
}
