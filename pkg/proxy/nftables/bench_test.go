package nftables

import (
	"context"
	"fmt"
	"net/netip"
	"testing"
	"time"

	"sigs.k8s.io/knftables"

	"github.com/svcnet/svcnet/pkg/proxy/model"
)

// benchServices makes n Services with eps endpoints each; every fourth
// has a NodePort, every tenth session affinity.
func benchServices(n, eps int) []*model.Service {
	out := make([]*model.Service, n)
	for i := range out {
		var list []*model.Endpoint
		for j := 0; j < eps; j++ {
			list = append(list, ep(fmt.Sprintf("10.%d.%d.%d:8080", 128+i/65536, (i/256)%256, i%256+j*0), fmt.Sprintf("node%d", j)))
			list[j].Addr = netip.AddrPortFrom(netip.AddrFrom4([4]byte{10, byte(64 + j), byte(i / 256), byte(i % 256)}), 8080)
		}
		var opts []svcOpt
		if i%4 == 0 {
			opts = append(opts, nodePort(uint16(30000+i%2768)))
		}
		if i%10 == 0 {
			opts = append(opts, affinity(3*time.Hour))
		}
		ip := netip.AddrFrom4([4]byte{172, 30, byte(i / 256), byte(i % 256)})
		out[i] = service(fmt.Sprintf("ns%d", i%100), fmt.Sprintf("svc%d", i), ip.String(), list, opts...)
	}
	return out
}

// BenchmarkFullSync measures writing a full-sync transaction (not running
// it: the fake is not the kernel, and its element handling is quadratic).
func BenchmarkFullSync(b *testing.B) {
	for _, n := range []int{1000, 10000, 30000} {
		b.Run(fmt.Sprintf("services=%d/endpoints=10", n), func(b *testing.B) {
			services := benchServices(n, 10)
			fake := newFake()
			w := NewWriter(testCfg)
			b.ResetTimer()
			var ops int
			for i := 0; i < b.N; i++ {
				tx := fake.NewTransaction()
				w.WriteFull(tx, services, nil)
				ops = tx.NumOperations()
			}
			b.ReportMetric(float64(ops), "nft-ops")
		})
	}
}

// BenchmarkPartialSync measures the transaction of one changed Service
// (one endpoint replaced) among 30,000.
func BenchmarkPartialSync(b *testing.B) {
	services := benchServices(30000, 10)
	fake := newFake()
	w := NewWriter(testCfg)
	tx := fake.NewTransaction()
	w.Applied(w.WriteFull(tx, services, nil), time.Now())
	old := services[12345]
	eps := append([]*model.Endpoint{}, old.Endpoints[old.Ports[0].Name.Key()]...)
	eps[3] = ep("10.99.0.1:8080", "node3")
	cur := &model.Service{Name: old.Name, Ports: old.Ports, Endpoints: map[model.PortKey][]*model.Endpoint{old.Ports[0].Name.Key(): eps}}
	b.ResetTimer()
	var ops int
	for i := 0; i < b.N; i++ {
		tx := fake.NewTransaction()
		w.WritePartial(tx, []Change{{Old: old, New: cur}})
		ops = tx.NumOperations()
	}
	b.ReportMetric(float64(ops), "nft-ops")
}

// BenchmarkFullSyncOnFake also runs the transaction on the fake, at a size
// the fake handles.
func BenchmarkFullSyncOnFake(b *testing.B) {
	services := benchServices(1000, 10)
	for i := 0; i < b.N; i++ {
		fake := knftables.NewFake(knftables.IPv4Family, "svcnet")
		w := NewWriter(testCfg)
		tx := fake.NewTransaction()
		w.WriteFull(tx, services, nil)
		if err := fake.Run(context.Background(), tx); err != nil {
			b.Fatal(err)
		}
	}
}
