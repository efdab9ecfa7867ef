package dns

import (
	"fmt"
	"runtime"
	"testing"

	"github.com/miekg/dns"
	"github.com/prometheus/client_golang/prometheus"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"

	"github.com/svcnet/svcnet/pkg/dns/dnstest"
	"github.com/svcnet/svcnet/pkg/dns/object"
)

// Sizes of the benchmark cluster: 10k Services in 100 namespaces, each
// with one slice of 10 ready endpoints (100k endpoints); every tenth
// Service is headless.
const (
	benchNamespaces = 100
	benchServices   = 10_000
	benchEndpoints  = 10
)

// buildBenchIndex fills an index with the benchmark cluster, trimming each
// API object as the informers do so the API objects are garbage at once.
func buildBenchIndex(tb testing.TB, pods bool) *Index {
	tb.Helper()
	x := NewIndex()
	ports := []discoveryv1.EndpointPort{slicePort("http", corev1.ProtocolTCP, 8080)}
	for i := range benchServices {
		ns := fmt.Sprintf("ns-%d", i%benchNamespaces)
		name := fmt.Sprintf("svc-%d", i)
		var svc *corev1.Service
		if i%10 == 9 {
			svc = headless(ns, name, port("http", corev1.ProtocolTCP, 80))
		} else {
			svc = service(ns, name, []string{fmt.Sprintf("10.%d.%d.%d", 96+i>>16, (i>>8)&255, i&255)}, port("http", corev1.ProtocolTCP, 80))
		}
		eps := make([]ep, benchEndpoints)
		for j := range eps {
			n := i*benchEndpoints + j
			eps[j] = ep{ip: fmt.Sprintf("10.%d.%d.%d", 128+n>>16, (n>>8)&255, n&255)}
		}
		sl := slice(ns, name+"-abcde", name, ports, eps...)
		mustNoErr(tb, x.Upsert(object.ToService(svc)))
		mustNoErr(tb, x.Upsert(object.ToEndpointSlice(sl)))
		if pods {
			for j, e := range eps {
				mustNoErr(tb, x.Upsert(object.ToPod(pod(ns, fmt.Sprintf("%s-%d", name, j), corev1.PodRunning, e.ip))))
			}
		}
	}
	x.MarkSynced()
	return x
}

func benchServer(b *testing.B, x *Index, upstream string) *Server {
	b.Helper()
	s, err := New(Config{Index: x, Upstreams: []string{upstream}, Registerer: prometheus.NewRegistry()})
	mustNoErr(b, err)
	return s
}

func benchQuery(b *testing.B, s *Server, name string, qtype uint16, wantAnswers int) {
	b.Helper()
	q := new(dns.Msg)
	q.SetQuestion(name, qtype)
	w := dnstest.NewRecorder(false)
	s.ServeDNS(w, q)
	if len(w.Msg.Answer) != wantAnswers {
		b.Fatalf("%s: %d answers, want %d: %v", name, len(w.Msg.Answer), wantAnswers, w.Msg)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		s.ServeDNS(w, q)
	}
}

// BenchmarkServeDNS answers through Server.ServeDNS, metrics and packing
// included, sockets excluded.
func BenchmarkServeDNS(b *testing.B) {
	x := buildBenchIndex(b, false)
	up := dnstest.NewUpstream(b, "www.example.test. 3600 IN A 192.0.2.80")
	s := benchServer(b, x, up.Addr)
	b.Run("ClusterIP A", func(b *testing.B) {
		benchQuery(b, s, "svc-4242.ns-42.svc.cluster.local.", dns.TypeA, 1)
	})
	b.Run("headless A 10 endpoints", func(b *testing.B) {
		benchQuery(b, s, "svc-4249.ns-49.svc.cluster.local.", dns.TypeA, benchEndpoints)
	})
	b.Run("search path NXDOMAIN", func(b *testing.B) {
		benchQuery(b, s, "www.example.test.ns-42.svc.cluster.local.", dns.TypeA, 0)
	})
	b.Run("PTR", func(b *testing.B) {
		benchQuery(b, s, "66.16.96.10.in-addr.arpa.", dns.TypePTR, 1)
	})
	b.Run("cached external A", func(b *testing.B) {
		benchQuery(b, s, "www.example.test.", dns.TypeA, 1)
		if up.Queries() != 1 {
			b.Fatalf("upstream asked %d times; the cache should answer", up.Queries())
		}
	})
}

// BenchmarkIndexMemory reports the heap that the index of the benchmark
// cluster holds, measured with runtime.MemStats around building it.
func BenchmarkIndexMemory(b *testing.B) {
	for _, withPods := range []bool{false, true} {
		b.Run(fmt.Sprintf("pods=%v", withPods), func(b *testing.B) {
			var before, after runtime.MemStats
			for b.Loop() {
				runtime.GC()
				runtime.ReadMemStats(&before)
				x := buildBenchIndex(b, withPods)
				runtime.GC()
				runtime.ReadMemStats(&after)
				runtime.KeepAlive(x)
			}
			used := float64(after.HeapAlloc) - float64(before.HeapAlloc)
			b.ReportMetric(used/(1<<20), "MiB")
			b.ReportMetric(used/float64(benchServices*benchEndpoints), "B/endpoint")
		})
	}
}
