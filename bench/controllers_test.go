package bench

import (
	"context"
	"fmt"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/apimachinery/pkg/watch"

	"github.com/svcnet/svcnet/pkg/controllermanager"
	"github.com/svcnet/svcnet/pkg/server/servertest"
)

// BenchmarkSlicesSettleAfterPodChanges makes 10,000 pods of one Service
// Ready (10,000 pod status writes by 50 clients) and measures the time from
// the first write until the EndpointSlices list all of them as ready, and
// the EndpointSlice writes per pod change (churn).
func BenchmarkSlicesSettleAfterPodChanges(b *testing.B) {
	const n, workers = 10000, 50
	for it := 0; it < b.N; it++ {
		ts := servertest.Start(b, servertest.WithControllers(controllermanager.New(controllermanager.Config{})))
		client := unlimitedClient(b, ts)
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
		svc := service("big")
		svc.Spec.Selector = map[string]string{"app": "big"}
		if _, err := client.CoreV1().Services("default").Create(ctx, svc, metav1.CreateOptions{}); err != nil {
			b.Fatal(err)
		}
		pods := make([]*corev1.Pod, n)
		if _, _, err := runConcurrent(n, workers, func(i int) error {
			p := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("p-%05d", i), Labels: map[string]string{"app": "big"}},
				Spec: corev1.PodSpec{NodeName: "node1", Containers: []corev1.Container{{Name: "c", Image: "nginx"}}}}
			created, err := client.CoreV1().Pods("default").Create(ctx, p, metav1.CreateOptions{})
			pods[i] = created
			return err
		}); err != nil {
			b.Fatal(err)
		}
		// Let the controller settle on the not-ready pods first.
		time.Sleep(3 * time.Second)
		list, err := client.DiscoveryV1().EndpointSlices("default").List(ctx, metav1.ListOptions{LabelSelector: discoveryv1.LabelServiceName + "=big"})
		if err != nil {
			b.Fatal(err)
		}
		w, err := client.DiscoveryV1().EndpointSlices("default").Watch(ctx, metav1.ListOptions{
			LabelSelector: discoveryv1.LabelServiceName + "=big", ResourceVersion: list.ResourceVersion})
		if err != nil {
			b.Fatal(err)
		}
		writes := 0
		ready := map[string]int{}
		done := make(chan time.Time, 1)
		go func() {
			for ev := range w.ResultChan() {
				s, ok := ev.Object.(*discoveryv1.EndpointSlice)
				if !ok || (ev.Type != watch.Added && ev.Type != watch.Modified) {
					continue
				}
				writes++
				n := 0
				for _, e := range s.Endpoints {
					if e.Conditions.Ready != nil && *e.Conditions.Ready {
						n++
					}
				}
				ready[s.Name] = n
				total := 0
				for _, c := range ready {
					total += c
				}
				if total == len(pods) {
					done <- time.Now()
					return
				}
			}
		}()
		start := time.Now()
		if _, _, err := runConcurrent(n, workers, func(i int) error {
			p := pods[i].DeepCopy()
			ip := fmt.Sprintf("10.244.%d.%d", 1+i/250, 1+i%250)
			p.Status.Phase = corev1.PodRunning
			p.Status.PodIP, p.Status.PodIPs = ip, []corev1.PodIP{{IP: ip}}
			p.Status.Conditions = []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionTrue, LastTransitionTime: metav1.Now()}}
			_, err := client.CoreV1().Pods("default").UpdateStatus(ctx, p, metav1.UpdateOptions{})
			return err
		}); err != nil {
			b.Fatal(err)
		}
		writesDone := time.Since(start)
		var settled time.Time
		select {
		case settled = <-done:
		case <-ctx.Done():
			b.Fatal("slices never listed every pod as ready")
		}
		w.Stop()
		b.ReportMetric(writesDone.Seconds(), "status-writes-s")
		b.ReportMetric(settled.Sub(start).Seconds(), "settled-s")
		b.ReportMetric(float64(writes)/float64(n), "slice-writes-per-pod-change")
		cancel()
		_ = wait.ErrWaitTimeout
		ts.Stop()
	}
}
