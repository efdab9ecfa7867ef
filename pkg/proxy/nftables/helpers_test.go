package nftables

import (
	"context"
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"

	v1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/knftables"

	"github.com/svcnet/svcnet/pkg/proxy/model"
	"github.com/svcnet/svcnet/pkg/proxy/nfttrace"
)

// The test cluster: this node is node1 at 192.168.0.2; its pods are in
// 10.180.0.0/24, node2's in 10.180.1.0/24; the pod network is 10.0.0.0/8
// and Services live in 172.30.0.0/16.
var (
	nodeIP  = netip.MustParseAddr("192.168.0.2")
	testCfg = Config{
		Family:         model.IPv4,
		NodeName:       "node1",
		NodeIPs:        []netip.Addr{nodeIP},
		ClusterCIDRs:   []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")},
		ServiceCIDRs:   []netip.Prefix{netip.MustParsePrefix("172.30.0.0/16")},
		MasqueradeMark: 0x4000,
		Counters:       true,
	}
)

// svcOpt changes a test Service port.
type svcOpt func(*model.ServicePort)

func nodePort(n uint16) svcOpt { return func(p *model.ServicePort) { p.NodePort = n } }
func externalIP(ip string) svcOpt {
	return func(p *model.ServicePort) { p.ExternalIPs = append(p.ExternalIPs, netip.MustParseAddr(ip)) }
}
func lbIP(ip string) svcOpt {
	return func(p *model.ServicePort) { p.LoadBalancerIPs = append(p.LoadBalancerIPs, netip.MustParseAddr(ip)) }
}
func sourceRange(c string) svcOpt {
	return func(p *model.ServicePort) { p.SourceRanges = append(p.SourceRanges, netip.MustParsePrefix(c)) }
}
func affinity(d time.Duration) svcOpt { return func(p *model.ServicePort) { p.AffinityTimeout = d } }
func externalLocal() svcOpt           { return func(p *model.ServicePort) { p.ExternalLocal = true } }
func internalLocal() svcOpt           { return func(p *model.ServicePort) { p.InternalLocal = true } }
func protocol(pr v1.Protocol) svcOpt  { return func(p *model.ServicePort) { p.Name.Protocol = pr } }
func portName(n string) svcOpt        { return func(p *model.ServicePort) { p.Name.Port = n } }
func servicePort(n uint16) svcOpt     { return func(p *model.ServicePort) { p.Port = n } }
func healthCheckPort(n uint16) svcOpt {
	return func(p *model.ServicePort) { p.HealthCheckNodePort = n }
}

// ep is an endpoint "ip:port@node", optionally "terminating" (serving) or
// "notready".
func ep(addr, node string, state ...string) *model.Endpoint {
	e := &model.Endpoint{Addr: netip.MustParseAddrPort(addr), NodeName: node, Ready: true, Serving: true}
	for _, s := range state {
		switch s {
		case "terminating":
			e.Ready, e.Terminating = false, true
		case "notready":
			e.Ready, e.Serving = false, false
		}
	}
	return e
}

// service builds a one-port Service "ns/name" on clusterIP:80/TCP, port
// name "p80", with endpoints.
func service(ns, name, clusterIP string, eps []*model.Endpoint, opts ...svcOpt) *model.Service {
	sp := &model.ServicePort{
		Name:      model.ServicePortName{NamespacedName: types.NamespacedName{Namespace: ns, Name: name}, Port: "p80", Protocol: v1.ProtocolTCP},
		ClusterIP: netip.MustParseAddr(clusterIP),
		Port:      80,
	}
	for _, o := range opts {
		o(sp)
	}
	return &model.Service{Name: sp.Name.NamespacedName, Ports: []*model.ServicePort{sp},
		Endpoints: map[model.PortKey][]*model.Endpoint{sp.Name.Key(): eps}}
}

// fullSync writes and applies a full sync of services into fake.
func fullSync(t testing.TB, w *Writer, fake *knftables.Fake, services ...*model.Service) {
	t.Helper()
	existing, err := ListExisting(context.Background(), fake)
	if err != nil {
		t.Fatalf("listing: %v", err)
	}
	tx := fake.NewTransaction()
	plan := w.WriteFull(tx, services, existing)
	if err := fake.Run(context.Background(), tx); err != nil {
		t.Fatalf("full sync failed: %v\n%s", err, tx.String())
	}
	w.Applied(plan, time.Now())
}

// partialSync writes and applies a partial sync, returning its
// transaction.
func partialSync(t testing.TB, w *Writer, fake *knftables.Fake, changes ...Change) *knftables.Transaction {
	t.Helper()
	tx := fake.NewTransaction()
	plan := w.WritePartial(tx, changes)
	if err := fake.Run(context.Background(), tx); err != nil {
		t.Fatalf("partial sync failed: %v\n%s", err, tx.String())
	}
	w.Applied(plan, time.Now())
	return tx
}

func newFake() *knftables.Fake { return knftables.NewFake(knftables.IPv4Family, "svcnet") }

// trace traces one packet through fake.
func trace(t testing.TB, fake *knftables.Fake, src, dst string, port uint16, proto string) nfttrace.Result {
	t.Helper()
	tr, err := nfttrace.NewFromFake(fake, []netip.Addr{nodeIP})
	if err != nil {
		t.Fatal(err)
	}
	res, err := tr.Trace(nfttrace.Packet{Src: netip.MustParseAddr(src), Dst: netip.MustParseAddr(dst), DPort: port, Protocol: proto})
	if err != nil {
		t.Fatalf("trace %s -> %s:%d/%s: %v", src, dst, port, proto, err)
	}
	return res
}

// sortedDump is the fake's dump with its lines sorted, so element order
// does not matter.
func sortedDump(fake *knftables.Fake) string {
	lines := strings.Split(strings.TrimSpace(fake.Dump()), "\n")
	slices.Sort(lines)
	return strings.Join(lines, "\n")
}
