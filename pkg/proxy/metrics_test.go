package proxy

import (
	"context"
	"strings"
	"testing"
	"time"

	v1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/knftables"
)

func TestMetrics(t *testing.T) {
	ctx := context.Background()
	tp := startProxy(t, nil, svcObj("web", "172.30.0.10", v1.ProtocolTCP, 80),
		sliceObj("web", v1.ProtocolTCP, 80, "10.180.1.1"))
	tp.waitTrace(t, "10.180.2.2", "172.30.0.10", 80, "tcp", "10.180.1.1:80")
	if _, err := tp.client.DiscoveryV1().EndpointSlices("ns").Update(ctx,
		sliceObj("web", v1.ProtocolTCP, 80, "10.180.1.1", "10.180.1.2"), metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	tp.waitTrace(t, "10.180.2.2", "172.30.0.10", 80, "tcp", "10.180.1.1:80, 10.180.1.2:80")
	eventually(t, "a partial sync observed", func() (bool, string) {
		n := counterValue(t, tp, "svcnet_proxy_sync_duration_seconds", map[string]string{"mode": "partial"})
		return n >= 1, ""
	})
	if n := counterValue(t, tp, "svcnet_proxy_sync_duration_seconds", map[string]string{"mode": "full"}); n < 1 {
		t.Errorf("full syncs observed: %v", n)
	}
	// Both slice versions carry a trigger time a second old.
	if n := counterValue(t, tp, "svcnet_proxy_network_programming_duration_seconds", nil); n < 2 {
		t.Errorf("network programming latency samples: %v, want 2", n)
	}
	if n := counterValue(t, tp, "svcnet_proxy_nftables_objects", map[string]string{"kind": "chain"}); n < 3 {
		t.Errorf("chains: %v", n)
	}
	if n := counterValue(t, tp, "svcnet_proxy_services", nil); n != 1 {
		t.Errorf("services: %v", n)
	}

	// The nft counters show up as metrics with their Service and endpoint.
	tp.nft.Lock()
	for name, c := range tp.nft.Table.Counters {
		if strings.Contains(name, "10.180.1.2") {
			c.Packets, c.Bytes = ptrTo[uint64](7), ptrTo[uint64](420)
		} else if strings.HasPrefix(name, "service-") {
			c.Packets, c.Bytes = ptrTo[uint64](9), ptrTo[uint64](540)
		}
	}
	tp.nft.Unlock()
	svc := map[string]string{"namespace": "ns", "service": "web", "protocol": "tcp", "port": "p"}
	if n := counterValue(t, tp, "svcnet_proxy_service_packets_total", svc); n != 9 {
		t.Errorf("service packets = %v, want 9", n)
	}
	ep := map[string]string{"service": "web", "endpoint": "10.180.1.2:80"}
	if n := counterValue(t, tp, "svcnet_proxy_endpoint_bytes_total", ep); n != 420 {
		t.Errorf("endpoint bytes = %v, want 420", n)
	}
}

func TestParseCounterName(t *testing.T) {
	tests := []struct {
		name     string
		want     string
		endpoint bool
	}{
		{"service-ABCDEFGH-ns/web/tcp/http", "ns web tcp http", false},
		{"endpoint-ABCDEFGH-ns/web/udp/dns__10.0.0.1/53", "ns web udp dns 10.0.0.1:53", true},
		{"endpoint-ABCDEFGH-ns/web/tcp/__fd00..1/80", "ns web tcp  [fd00::1]:80", true},
		{"mark-for-masquerade", "", false},
		{"service-ABCDEFGH-ns/web/tcp/http__10.0.0.1/80", "", false},
	}
	for _, tc := range tests {
		labels, isEP, ok := parseCounterName(tc.name)
		if got := strings.Join(labels, " "); got != tc.want || (ok && isEP != tc.endpoint) || ok != (tc.want != "") {
			t.Errorf("parseCounterName(%q) = %q, %v, %v", tc.name, got, isEP, ok)
		}
	}
}

func TestRunner(t *testing.T) {
	runs := make(chan time.Time, 100)
	r := newRunner(func(context.Context) { runs <- time.Now() }, 100*time.Millisecond, time.Hour, 2)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go r.Loop(ctx)
	start := time.Now()
	// A burst of requests: two runs at once, then one per minInterval.
	for i := 0; i < 3; i++ {
		r.Run()
		<-runs
	}
	if d := time.Since(start); d < 50*time.Millisecond {
		t.Errorf("third run after %v: the burst of 2 should have been spent", d)
	}
	// Many requests while throttled fold into one run.
	for i := 0; i < 10; i++ {
		r.Run()
	}
	<-runs
	select {
	case <-runs:
		t.Errorf("requests while waiting should fold into one run")
	case <-time.After(300 * time.Millisecond):
	}
	// A retry runs after its delay, without a request.
	retryAt := time.Now()
	r.RetryAfter(150 * time.Millisecond)
	got := <-runs
	if d := got.Sub(retryAt); d < 140*time.Millisecond {
		t.Errorf("retry ran after %v, want 150ms", d)
	}
}

func TestRunnerMaxInterval(t *testing.T) {
	runs := make(chan struct{}, 10)
	r := newRunner(func(context.Context) { runs <- struct{}{} }, time.Millisecond, 50*time.Millisecond, 1)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go r.Loop(ctx)
	for i := 0; i < 2; i++ {
		select {
		case <-runs:
		case <-time.After(2 * time.Second):
			t.Fatal("no periodic run")
		}
	}
}

func TestConfigValidate(t *testing.T) {
	nft := knftables.NewFake(knftables.IPv4Family, "svcnet")
	tests := []struct {
		name    string
		mutate  func(*Config)
		wantErr string
	}{
		{"valid", func(*Config) {}, ""},
		{"no node", func(c *Config) { c.NodeName = "" }, "NodeName"},
		{"no client", func(c *Config) { c.Client = nil }, "Client or Informers"},
		{"bad bit", func(c *Config) { c.MasqueradeBit = 40 }, "MasqueradeBit"},
		{"min above max", func(c *Config) { c.MinSyncInterval, c.MaxSyncInterval = time.Minute, time.Second }, "exceeds"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := Config{Client: startClient(), NFT: nft, NodeName: "n"}
			tc.mutate(&c)
			err := c.Validate()
			if (err == nil) != (tc.wantErr == "") || (err != nil && !strings.Contains(err.Error(), tc.wantErr)) {
				t.Errorf("Validate() = %v, want %q", err, tc.wantErr)
			}
		})
	}
	c := Config{Client: startClient(), NodeName: "n"}
	if err := c.Validate(); err != nil || c.TableName != "svcnet" || c.MasqueradeBit != 14 || c.HealthzTimeout != time.Minute || c.HealthzAddress != ":10256" {
		t.Errorf("defaults: %v %+v", err, c)
	}
}
