package bench

import (
	"context"
	"fmt"
	"runtime"
	"sort"
	"sync"
	"testing"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	"github.com/svcnet/svcnet/pkg/server/servertest"
	etcdstore "github.com/svcnet/svcnet/pkg/storage/etcd"
)

// unlimitedClient returns a clientset without client-side rate limiting,
// so that the benchmarks measure the server, not client-go's token bucket.
func unlimitedClient(b *testing.B, ts *servertest.TestServer) kubernetes.Interface {
	cfg := rest.CopyConfig(ts.Config)
	cfg.QPS, cfg.Burst = -1, 0
	c, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		b.Fatal(err)
	}
	return c
}

func service(name string) *corev1.Service {
	return &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{"app": name}},
		Spec: corev1.ServiceSpec{Selector: map[string]string{"app": name},
			Ports: []corev1.ServicePort{{Port: 80, TargetPort: intstr.FromInt32(8080)}}},
	}
}

// percentile returns the p-th percentile of sorted durations.
func percentile(d []time.Duration, p float64) time.Duration {
	if len(d) == 0 {
		return 0
	}
	i := int(float64(len(d)-1) * p)
	return d[i]
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// runConcurrent runs n operations on workers goroutines and returns each
// operation's latency, sorted, and the wall time.
func runConcurrent(n, workers int, op func(i int) error) ([]time.Duration, time.Duration, error) {
	lat := make([]time.Duration, n)
	jobs := make(chan int)
	errc := make(chan error, workers)
	var wg sync.WaitGroup
	start := time.Now()
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				t0 := time.Now()
				if err := op(i); err != nil {
					errc <- err
					return
				}
				lat[i] = time.Since(t0)
			}
		}()
	}
	for i := 0; i < n; i++ {
		jobs <- i
	}
	close(jobs)
	wg.Wait()
	wall := time.Since(start)
	select {
	case err := <-errc:
		return nil, 0, err
	default:
	}
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	return lat, wall, nil
}

// BenchmarkServiceWrites creates 10,000 Services with 50 concurrent
// clients through the API server, and, as the baseline in the same run,
// writes 10,000 raw keys of the same size straight to etcd.
func BenchmarkServiceWrites(b *testing.B) {
	const n, workers = 10000, 50
	for it := 0; it < b.N; it++ {
		ts := servertest.Start(b, servertest.WithoutControllers())
		client := unlimitedClient(b, ts)
		ctx := context.Background()
		lat, wall, err := runConcurrent(n, workers, func(i int) error {
			_, err := client.CoreV1().Services("default").Create(ctx, service(fmt.Sprintf("svc-%05d", i)), metav1.CreateOptions{})
			return err
		})
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(n)/wall.Seconds(), "creates/s")
		b.ReportMetric(ms(percentile(lat, 0.5)), "create-p50-ms")
		b.ReportMetric(ms(percentile(lat, 0.99)), "create-p99-ms")

		etcd, err := etcdstore.NewClient([]string{ts.EtcdEndpoint()})
		if err != nil {
			b.Fatal(err)
		}
		payload := string(make([]byte, 400))
		elat, ewall, err := runConcurrent(n, workers, func(i int) error {
			_, err := etcd.Put(ctx, fmt.Sprintf("/baseline/%05d", i), payload)
			return err
		})
		etcd.Close()
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(n)/ewall.Seconds(), "etcd-puts/s")
		b.ReportMetric(ms(percentile(elat, 0.99)), "etcd-put-p99-ms")

		glat, gwall, err := runConcurrent(n, workers, func(i int) error {
			_, err := client.CoreV1().Services("default").Get(ctx, fmt.Sprintf("svc-%05d", i), metav1.GetOptions{})
			return err
		})
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(n)/gwall.Seconds(), "gets/s")
		b.ReportMetric(ms(percentile(glat, 0.99)), "get-p99-ms")

		t0 := time.Now()
		const lists = 5
		for i := 0; i < lists; i++ {
			l, err := client.CoreV1().Services("default").List(ctx, metav1.ListOptions{})
			if err != nil || len(l.Items) != n+1 {
				b.Fatalf("list: %v", err)
			}
		}
		b.ReportMetric(float64(lists*(n+1))/time.Since(t0).Seconds(), "listed-objects/s")
		ts.Stop()
	}
}

// BenchmarkWatchDelivery opens 100 watches on Services and measures, for
// each of 1,000 creates made one at a time, the time from sending the create
// to each watcher receiving its event.
func BenchmarkWatchDelivery(b *testing.B) {
	const watchers, creates = 100, 1000
	for it := 0; it < b.N; it++ {
		ts := servertest.Start(b, servertest.WithoutControllers())
		client := unlimitedClient(b, ts)
		ctx, cancel := context.WithCancel(context.Background())
		list, err := client.CoreV1().Services("default").List(ctx, metav1.ListOptions{})
		if err != nil {
			b.Fatal(err)
		}
		sent := make([]time.Time, creates)
		var mu sync.Mutex
		var lat []time.Duration
		var wg sync.WaitGroup
		for w := 0; w < watchers; w++ {
			wi, err := client.CoreV1().Services("default").Watch(ctx, metav1.ListOptions{ResourceVersion: list.ResourceVersion})
			if err != nil {
				b.Fatal(err)
			}
			wg.Add(1)
			go func(wi watch.Interface) {
				defer wg.Done()
				defer wi.Stop()
				got := 0
				for ev := range wi.ResultChan() {
					if ev.Type != watch.Added {
						continue
					}
					now := time.Now()
					var i int
					fmt.Sscanf(ev.Object.(*corev1.Service).Name, "w-%d", &i)
					mu.Lock()
					lat = append(lat, now.Sub(sent[i]))
					mu.Unlock()
					if got++; got == creates {
						return
					}
				}
			}(wi)
		}
		start := time.Now()
		for i := 0; i < creates; i++ {
			mu.Lock()
			sent[i] = time.Now()
			mu.Unlock()
			if _, err := client.CoreV1().Services("default").Create(ctx, service(fmt.Sprintf("w-%04d", i)), metav1.CreateOptions{}); err != nil {
				b.Fatal(err)
			}
		}
		wg.Wait()
		wall := time.Since(start)
		cancel()
		sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
		b.ReportMetric(ms(percentile(lat, 0.5)), "delivery-p50-ms")
		b.ReportMetric(ms(percentile(lat, 0.99)), "delivery-p99-ms")
		b.ReportMetric(float64(len(lat))/wall.Seconds(), "events-delivered/s")
		ts.Stop()
	}
}

// BenchmarkMemoryPer10kServices reports the Go heap in use (API server and
// embedded etcd share the process) after storing 10,000 Services, against
// the same process with none, and the etcd database size.
func BenchmarkMemoryPer10kServices(b *testing.B) {
	const n = 10000
	for it := 0; it < b.N; it++ {
		ts := servertest.Start(b, servertest.WithoutControllers())
		ctx := context.Background()
		heap := func() uint64 {
			runtime.GC()
			runtime.GC()
			var m runtime.MemStats
			runtime.ReadMemStats(&m)
			return m.HeapInuse
		}
		before := heap()
		if _, _, err := runConcurrent(n, 50, func(i int) error {
			_, err := ts.Client.CoreV1().Services("default").Create(ctx, service(fmt.Sprintf("m-%05d", i)), metav1.CreateOptions{})
			return err
		}); err != nil {
			b.Fatal(err)
		}
		after := heap()
		b.ReportMetric(float64(after-before)/(1<<20), "heap-MiB-per-10k-svcs")
		client, err := etcdstore.NewClient([]string{ts.EtcdEndpoint()})
		if err != nil {
			b.Fatal(err)
		}
		st, err := client.Status(ctx, ts.EtcdEndpoint())
		client.Close()
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(st.DbSizeInUse)/(1<<20), "etcd-db-MiB-in-use")
		ts.Stop()
	}
	_ = clientv3.WithPrefix
}
