package endpointslice

import (
	corev1 "k8s.io/api/core/v1"
	"testing"
)

// BenchmarkSyncService measures the pure reconcile of a Service with
// 10,000 pods: from scratch (100 slices to create), in the steady state
// (nothing to write) and after one pod turned not ready (one slice to
// update).
func BenchmarkSyncService(b *testing.B) {
	svc := newService("web")
	all := pods(10000, "web")
	srv := newServer()
	t := &testing.T{}
	srv.apply(t, Reconcile(Input{Service: svc, Pods: all}))
	existing := srv.list()
	changed := append([]*corev1.Pod(nil), all...)
	changed[5000] = newPod(5000, "web", notReady)

	b.Run("create", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if p := Reconcile(Input{Service: svc, Pods: all}); len(p.Create) != 100 {
				b.Fatalf("%d creates", len(p.Create))
			}
		}
	})
	b.Run("steady", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if p := Reconcile(Input{Service: svc, Pods: all, Existing: existing}); !p.Empty() {
				b.Fatal("steady state writes")
			}
		}
	})
	b.Run("one-pod-changed", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if p := Reconcile(Input{Service: svc, Pods: changed, Existing: existing}); len(p.Update) != 1 || len(p.Create)+len(p.Delete) != 0 {
				b.Fatalf("plan %+v", countsOf(p))
			}
		}
	})
}
