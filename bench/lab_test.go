package bench

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"
)

// buildSvcnet builds the svcnet binary once per benchmark process.
var buildSvcnet = sync.OnceValues(func() (string, error) {
	dir, err := os.MkdirTemp("", "svcnet-bench-")
	if err != nil {
		return "", err
	}
	_, file, _, _ := runtime.Caller(0)
	bin := filepath.Join(dir, "svcnet")
	cmd := exec.Command("go", "build", "-o", bin, "./cmd/svcnet")
	cmd.Dir = filepath.Join(filepath.Dir(file), "..")
	out, err := cmd.CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("go build: %v\n%s", err, out)
	}
	return bin, nil
})

// labUp brings a lab up and waits until its nodes are Ready; it returns a
// client and the time that took.
func labUp(b *testing.B, bin, name string, nodes int) (kubernetes.Interface, time.Duration) {
	if runtime.GOOS != "linux" || os.Geteuid() != 0 {
		b.Skip("lab benchmarks need Linux and root")
	}
	start := time.Now()
	if out, err := exec.Command(bin, "lab", "up", "--name", name, "--nodes", strconv.Itoa(nodes)).CombinedOutput(); err != nil {
		b.Fatalf("lab up: %v\n%s", err, out)
	}
	b.Cleanup(func() { _ = exec.Command(bin, "lab", "down", "--name", name).Run() })
	cfg, err := clientcmd.BuildConfigFromFlags("", filepath.Join("/run/svcnet-lab", name, "kubeconfig"))
	if err != nil {
		b.Fatal(err)
	}
	cfg.QPS, cfg.Burst = -1, 0
	client := kubernetes.NewForConfigOrDie(cfg)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	for {
		list, err := client.CoreV1().Nodes().List(ctx, metav1.ListOptions{})
		ready := 0
		if err == nil {
			for _, n := range list.Items {
				for _, c := range n.Status.Conditions {
					if c.Type == corev1.NodeReady && c.Status == corev1.ConditionTrue && n.Spec.PodCIDR != "" {
						ready++
					}
				}
			}
		}
		if ready == nodes {
			return client, time.Since(start)
		}
		if ctx.Err() != nil {
			b.Fatal("nodes did not turn Ready")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// BenchmarkLabUp3Nodes times `svcnet lab up --nodes 3` until every node is
// Ready with a podCIDR (kind takes tens of seconds for the same).
func BenchmarkLabUp3Nodes(b *testing.B) {
	bin, err := buildSvcnet()
	if err != nil {
		b.Fatal(err)
	}
	var times []time.Duration
	for i := 0; i < b.N; i++ {
		name := fmt.Sprintf("bu%d", i)
		_, d := labUp(b, bin, name, 3)
		times = append(times, d)
		if out, err := exec.Command(bin, "lab", "down", "--name", name).CombinedOutput(); err != nil {
			b.Fatalf("lab down: %v\n%s", err, out)
		}
	}
	sort.Slice(times, func(i, j int) bool { return times[i] < times[j] })
	b.ReportMetric(times[len(times)/2].Seconds(), "median-s-until-ready")
}

// BenchmarkPodStart100 creates 100 pods on a 1-node lab, 10 at a time, and
// measures each pod's time from the create request to its Ready condition
// as seen by a watch; it also reports the node agent's memory with the 100
// pods running.
func BenchmarkPodStart100(b *testing.B) {
	bin, err := buildSvcnet()
	if err != nil {
		b.Fatal(err)
	}
	const n = 100
	for it := 0; it < b.N; it++ {
		name := fmt.Sprintf("ps%d", it)
		client, _ := labUp(b, bin, name, 1)
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		w, err := client.CoreV1().Pods("default").Watch(ctx, metav1.ListOptions{})
		if err != nil {
			b.Fatal(err)
		}
		var mu sync.Mutex
		sent := map[string]time.Time{}
		var lat []time.Duration
		done := make(chan struct{})
		go func() {
			defer close(done)
			seen := map[string]bool{}
			for ev := range w.ResultChan() {
				p, ok := ev.Object.(*corev1.Pod)
				if !ok || ev.Type == watch.Deleted || seen[p.Name] {
					continue
				}
				for _, c := range p.Status.Conditions {
					if c.Type == corev1.PodReady && c.Status == corev1.ConditionTrue {
						now := time.Now()
						mu.Lock()
						lat = append(lat, now.Sub(sent[p.Name]))
						mu.Unlock()
						seen[p.Name] = true
					}
				}
				if len(seen) == n {
					return
				}
			}
		}()
		if _, _, err := runConcurrent(n, 10, func(i int) error {
			pn := fmt.Sprintf("p-%03d", i)
			mu.Lock()
			sent[pn] = time.Now()
			mu.Unlock()
			_, err := client.CoreV1().Pods("default").Create(ctx, &corev1.Pod{
				ObjectMeta: metav1.ObjectMeta{Name: pn},
				Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "busybox", Command: []string{"sleep", "infinity"}}}},
			}, metav1.CreateOptions{})
			return err
		}); err != nil {
			b.Fatal(err)
		}
		select {
		case <-done:
		case <-ctx.Done():
			b.Fatalf("only %d of %d pods turned Ready", len(lat), n)
		}
		w.Stop()
		sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
		b.ReportMetric(ms(percentile(lat, 0.5)), "pod-start-p50-ms")
		b.ReportMetric(ms(percentile(lat, 0.99)), "pod-start-p99-ms")
		if rss, err := agentRSS(name); err == nil {
			b.ReportMetric(float64(rss)/(1<<20), "agent-RSS-MiB-100-pods")
		} else {
			b.Logf("agent memory: %v", err)
		}
		cancel()
	}
}

// agentRSS reads the resident memory of the lab's node1 agent, found by its
// state directory on its command line (reading /proc only).
func agentRSS(lab string) (int64, error) {
	needle := filepath.Join("/run/svcnet-lab", lab, "node1")
	dirs, _ := filepath.Glob("/proc/[0-9]*")
	for _, d := range dirs {
		cmdline, err := os.ReadFile(filepath.Join(d, "cmdline"))
		if err != nil || !bytes.Contains(cmdline, []byte("agent")) || !bytes.Contains(cmdline, []byte(needle)) {
			continue
		}
		status, err := os.ReadFile(filepath.Join(d, "status"))
		if err != nil {
			continue
		}
		for _, line := range strings.Split(string(status), "\n") {
			if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmRSS:" {
				kb, err := strconv.ParseInt(f[1], 10, 64)
				return kb * 1024, err
			}
		}
	}
	return 0, fmt.Errorf("no agent process for %s", needle)
}
