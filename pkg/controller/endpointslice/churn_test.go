package endpointslice

import (
	"fmt"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/watch"
)

// writeCounter counts the EndpointSlice writes a watch sees.
type writeCounter struct {
	mu     sync.Mutex
	counts map[watch.EventType]int
	byName map[string]int
}

func (w *writeCounter) total() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.counts[watch.Added] + w.counts[watch.Modified] + w.counts[watch.Deleted]
}

func (w *writeCounter) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return fmt.Sprintf("%d created, %d updated, %d deleted (by slice %v)",
		w.counts[watch.Added], w.counts[watch.Modified], w.counts[watch.Deleted], w.byName)
}

// countSliceWrites watches the controller's slices of a Service from now
// on and counts every write, until the test ends or stop is called.
func (h *harness) countSliceWrites(svc string) (*writeCounter, func()) {
	h.t.Helper()
	sel := discoveryv1.LabelServiceName + "=" + svc + "," + discoveryv1.LabelManagedBy + "=" + ControllerName
	list, err := h.client.DiscoveryV1().EndpointSlices(h.ns).List(h.ctx, metav1.ListOptions{LabelSelector: sel})
	if err != nil {
		h.t.Fatalf("listing slices: %v", err)
	}
	w, err := h.client.DiscoveryV1().EndpointSlices(h.ns).Watch(h.ctx, metav1.ListOptions{
		LabelSelector: sel, ResourceVersion: list.ResourceVersion})
	if err != nil {
		h.t.Fatalf("watching slices: %v", err)
	}
	wc := &writeCounter{counts: map[watch.EventType]int{}, byName: map[string]int{}}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for ev := range w.ResultChan() {
			s, ok := ev.Object.(*discoveryv1.EndpointSlice)
			if !ok {
				continue
			}
			wc.mu.Lock()
			wc.counts[ev.Type]++
			wc.byName[s.Name]++
			wc.mu.Unlock()
		}
	}()
	stop := func() { w.Stop(); <-done }
	h.t.Cleanup(stop)
	return wc, stop
}

// waitReady waits until the named pod's endpoint has the given readiness.
func (h *harness) waitReady(svc, pod string, ready bool) {
	h.t.Helper()
	h.eventually(fmt.Sprintf("%s ready=%v", pod, ready), func() string {
		ep, ok := h.endpointsOf(svc)[pod]
		if !ok || *ep.Conditions.Ready != ready {
			return describeEndpoint(ep)
		}
		return ""
	})
}

// TestIntegrationScale creates 250 pods behind one Service and checks the
// slice layout and that single pod changes rewrite exactly one slice.
func TestIntegrationScale(t *testing.T) {
	h := startHarness(t, nil)
	h.createService("big")
	created, stopCreated := h.countSliceWrites("big")
	start := time.Now()
	h.createPods("big", 250)
	h.eventually("250 ready endpoints in 3 slices", func() string {
		slices := h.slicesOf("big")
		n := 0
		for _, s := range slices {
			if len(s.Endpoints) > 100 {
				return fmt.Sprintf("slice %s holds %d endpoints", s.Name, len(s.Endpoints))
			}
			for _, ep := range s.Endpoints {
				if *ep.Conditions.Ready {
					n++
				}
			}
		}
		if n != 250 || len(slices) != 3 {
			return fmt.Sprintf("%d ready endpoints in %d slices", n, len(slices))
		}
		return ""
	})
	t.Logf("250 pods created and reflected in %v with %s", time.Since(start).Round(time.Millisecond), created)
	stopCreated()
	if n := len(h.endpointsOf("big")); n != 250 {
		t.Fatalf("%d distinct endpoints, want 250", n)
	}

	// One readiness flip rewrites exactly one slice.
	writes, stop := h.countSliceWrites("big")
	h.setStatus(&corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "big-17"}}, "10.244.0.18", false)
	h.waitReady("big", "big-17", false)
	h.consistently("no further writes", time.Second, func() string {
		if n := writes.total(); n != 1 {
			return fmt.Sprintf("%d writes: %s", n, writes)
		}
		return ""
	})
	stop()

	// Churn: each of 20 successive pod changes costs one slice write.
	writes, stop = h.countSliceWrites("big")
	const changes = 20
	start = time.Now()
	for i := range changes {
		name := fmt.Sprintf("big-%d", 100+i*7)
		h.setStatus(&corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: name}}, fmt.Sprintf("10.244.%d.%d", (100+i*7)/250, (100+i*7)%250+1), false)
		h.waitReady("big", name, false)
	}
	elapsed := time.Since(start)
	time.Sleep(500 * time.Millisecond)
	stop()
	if n := writes.total(); n != changes {
		t.Errorf("%d pod changes caused %d slice writes (%s), want one each", changes, n, writes)
	}
	t.Logf("churn: %d pod changes, %d slice writes, %.2f writes/change, %v per change end to end",
		changes, writes.total(), float64(writes.total())/changes, (elapsed / changes).Round(time.Millisecond))

	// A deleted pod and its replacement: the freed place is reused.
	writes, stop = h.countSliceWrites("big")
	if err := h.client.CoreV1().Pods(h.ns).Delete(h.ctx, "big-3", metav1.DeleteOptions{}); err != nil {
		t.Fatalf("deleting big-3: %v", err)
	}
	h.createPod(podSpec{name: "big-new", app: "big", ip: "10.244.9.9", ready: true})
	h.waitReady("big", "big-new", true)
	time.Sleep(500 * time.Millisecond)
	stop()
	if n, s := writes.total(), len(h.slicesOf("big")); n > 2 || s != 3 {
		t.Errorf("replacement: %d writes (%s), %d slices; want at most 2 writes and 3 slices", n, writes, s)
	}
	if _, ok := h.endpointsOf("big")["big-3"]; ok {
		t.Error("deleted pod still present")
	}
}

// BenchmarkIntegrationChurn measures, against a real API server, the
// end-to-end time from a pod status write to the slice reflecting it, and
// the slice writes each pod change costs, with 250 pods behind the
// Service.
func BenchmarkIntegrationChurn(b *testing.B) {
	h := startHarness(b, nil)
	h.createService("big")
	h.createPods("big", 250)
	h.eventually("250 endpoints", func() string {
		if n := len(h.endpointsOf("big")); n != 250 {
			return fmt.Sprint(n)
		}
		return ""
	})
	writes, stop := h.countSliceWrites("big")
	h.poll = 2 * time.Millisecond
	ready := true
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		idx := i % 250
		if idx == 0 {
			ready = !ready
		}
		name := fmt.Sprintf("big-%d", idx)
		h.setStatus(&corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: name}}, fmt.Sprintf("10.244.%d.%d", idx/250, idx%250+1), ready)
		h.waitReady("big", name, ready)
	}
	b.StopTimer()
	time.Sleep(300 * time.Millisecond)
	stop()
	b.ReportMetric(float64(writes.total())/float64(b.N), "slicewrites/op")
}
