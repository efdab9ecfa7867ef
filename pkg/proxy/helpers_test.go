package proxy

import (
	"context"
	"errors"
	"net/netip"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	v1 "k8s.io/api/core/v1"
	discovery "k8s.io/api/discovery/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/client-go/kubernetes/fake"
	"sigs.k8s.io/knftables"

	"github.com/svcnet/svcnet/pkg/proxy/conntrack"
	"github.com/svcnet/svcnet/pkg/proxy/nfttrace"
)

var nodeIP = netip.MustParseAddr("192.168.0.2")

// flakyNFT is the knftables fake with failures on demand.
type flakyNFT struct {
	*knftables.Fake
	failures atomic.Int32
}

func (f *flakyNFT) Run(ctx context.Context, tx *knftables.Transaction) error {
	if f.failures.Load() > 0 {
		f.failures.Add(-1)
		return errors.New("injected nft failure")
	}
	return f.Fake.Run(ctx, tx)
}

type testProxy struct {
	*Proxier
	client *fake.Clientset
	nft    *flakyNFT
	ct     *conntrack.Fake
	reg    *prometheus.Registry
}

// startProxy runs a Proxier against a fake clientset until the test ends.
func startProxy(t *testing.T, mutate func(*Config), objects ...runtime.Object) *testProxy {
	t.Helper()
	client := fake.NewClientset(objects...)
	tp := &testProxy{client: client, nft: &flakyNFT{Fake: knftables.NewFake(knftables.IPv4Family, "svcnet")},
		ct: &conntrack.Fake{}, reg: prometheus.NewRegistry()}
	cfg := Config{
		Client: client, NFT: tp.nft, Conntrack: tp.ct, Registerer: tp.reg,
		NodeName: "node1", NodeIPs: []netip.Addr{nodeIP},
		ClusterCIDR:     []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")},
		ServiceCIDRs:    []netip.Prefix{netip.MustParsePrefix("172.30.0.0/16")},
		MinSyncInterval: 10 * time.Millisecond, MaxSyncInterval: time.Second, RetryInterval: 50 * time.Millisecond,
	}
	if mutate != nil {
		mutate(&cfg)
	}
	p, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	tp.Proxier = p
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- p.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
	})
	return tp
}

// eventually polls cond for up to 10 seconds.
func eventually(t *testing.T, what string, cond func() (bool, string)) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	var last string
	for time.Now().Before(deadline) {
		ok, msg := cond()
		if ok {
			return
		}
		last = msg
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("timed out waiting for %s; last: %s", what, last)
}

// traceFake traces a packet through the proxy's fake table.
func (tp *testProxy) traceFake(src, dst string, port uint16, proto string) string {
	tr, err := nfttrace.NewFromFake(tp.nft.Fake, []netip.Addr{nodeIP})
	if err != nil {
		return "error: " + err.Error()
	}
	res, err := tr.Trace(nfttrace.Packet{Src: netip.MustParseAddr(src), Dst: netip.MustParseAddr(dst), DPort: port, Protocol: proto})
	if err != nil {
		return "error: " + err.Error()
	}
	return res.String()
}

// waitTrace waits until a packet's fate is want.
func (tp *testProxy) waitTrace(t *testing.T, src, dst string, port uint16, proto, want string) {
	t.Helper()
	eventually(t, dst+" -> "+want, func() (bool, string) {
		got := tp.traceFake(src, dst, port, proto)
		return got == want, got
	})
}

func lastTx(f *knftables.Fake) string {
	f.RLock()
	defer f.RUnlock()
	if f.LastTransaction == nil {
		return ""
	}
	return f.LastTransaction.String()
}

func svcObj(name, clusterIP string, proto v1.Protocol, port int32, mutate ...func(*v1.Service)) *v1.Service {
	s := &v1.Service{
		ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: name},
		Spec: v1.ServiceSpec{
			Type: v1.ServiceTypeClusterIP, ClusterIP: clusterIP, ClusterIPs: []string{clusterIP},
			Ports: []v1.ServicePort{{Name: "p", Protocol: proto, Port: port, TargetPort: intstr.FromInt32(port)}},
		},
	}
	for _, m := range mutate {
		m(s)
	}
	return s
}

// sliceObj is an EndpointSlice of Service name with endpoints "ip@node".
func sliceObj(svc string, proto v1.Protocol, port int32, eps ...string) *discovery.EndpointSlice {
	es := &discovery.EndpointSlice{
		ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: svc + "-abc",
			Labels:      map[string]string{discovery.LabelServiceName: svc},
			Annotations: map[string]string{v1.EndpointsLastChangeTriggerTime: time.Now().Add(-time.Second).Format(time.RFC3339Nano)}},
		AddressType: discovery.AddressTypeIPv4,
		Ports:       []discovery.EndpointPort{{Name: ptrTo("p"), Protocol: &proto, Port: &port}},
	}
	for _, e := range eps {
		ip, node := e, "node2"
		for i := range e {
			if e[i] == '@' {
				ip, node = e[:i], e[i+1:]
			}
		}
		es.Endpoints = append(es.Endpoints, discovery.Endpoint{Addresses: []string{ip}, NodeName: ptrTo(node),
			Conditions: discovery.EndpointConditions{Ready: ptrTo(true)}})
	}
	return es
}

func ptrTo[T any](v T) *T { return &v }

func startClient() *fake.Clientset { return fake.NewClientset() }
