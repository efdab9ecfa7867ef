package integration

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/svcnet/svcnet/pkg/registry/service"
	"github.com/svcnet/svcnet/pkg/server/servertest"
)

// TestConcurrentServiceCreatesNeverDoubleAllocate races 1,000 creates, a
// third of which ask for the same few ClusterIPs and NodePorts, and checks
// that no IP or port is held twice and that nothing leaks after deletion.
func TestConcurrentServiceCreatesNeverDoubleAllocate(t *testing.T) {
	ts := servertest.Start(t, servertest.WithoutControllers())
	ctx := testCtx(t, 5*time.Minute)
	const n, workers = 1000, 50
	contestedIPs := []string{"10.96.200.1", "10.96.200.2", "10.96.200.3"}
	contestedPorts := []int32{30001, 30002, 30003}
	var (
		mu       sync.Mutex
		won      = map[string]string{}
		rejected int
	)
	jobs := make(chan int)
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(w), 7))
			for i := range jobs {
				s := svc(fmt.Sprintf("svc-%04d", i), corev1.ServiceTypeNodePort, 80)
				switch i % 3 {
				case 0:
					s.Spec.ClusterIP = contestedIPs[rng.IntN(len(contestedIPs))]
				case 1:
					s.Spec.Ports[0].NodePort = contestedPorts[rng.IntN(len(contestedPorts))]
				}
				got, err := ts.Client.CoreV1().Services("default").Create(ctx, s, metav1.CreateOptions{})
				mu.Lock()
				switch {
				case err == nil:
					won[got.Name] = got.Spec.ClusterIP
				case apierrors.IsInvalid(err) && strings.Contains(err.Error(), "already allocated"):
					rejected++
				default:
					t.Errorf("create %s: %v", s.Name, err)
				}
				mu.Unlock()
			}
		}()
	}
	for i := 0; i < n; i++ {
		jobs <- i
	}
	close(jobs)
	wg.Wait()
	if t.Failed() {
		return
	}
	list, err := ts.Client.CoreV1().Services("default").List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	ips, ports := map[string]string{}, map[int32]string{}
	for _, s := range list.Items {
		if prev, dup := ips[s.Spec.ClusterIP]; dup {
			t.Errorf("ClusterIP %s held by %s and %s", s.Spec.ClusterIP, prev, s.Name)
		}
		ips[s.Spec.ClusterIP] = s.Name
		for _, p := range s.Spec.Ports {
			if p.NodePort == 0 {
				continue
			}
			if prev, dup := ports[p.NodePort]; dup {
				t.Errorf("nodePort %d held by %s and %s", p.NodePort, prev, s.Name)
			}
			ports[p.NodePort] = s.Name
		}
	}
	// Each contested IP and port was won exactly once.
	for _, ip := range contestedIPs {
		if _, ok := ips[ip]; !ok {
			t.Errorf("contested IP %s was never allocated", ip)
		}
	}
	if want := n + 1; len(list.Items) != len(won)+1 || len(won)+rejected != n {
		t.Errorf("services=%d won=%d rejected=%d, want %d in total", len(list.Items), len(won), rejected, want)
	}
	if rejected == 0 {
		t.Errorf("no create lost a race; the test did not contend")
	}
	// The allocation keys match the services exactly (plus kube-dns's).
	assertAllocationsMatch(t, ts, len(ips)+1, len(ports))

	// Delete everything but the kubernetes service, concurrently: no leaks.
	names := make(chan string)
	var dwg sync.WaitGroup
	for w := 0; w < workers; w++ {
		dwg.Add(1)
		go func() {
			defer dwg.Done()
			for name := range names {
				if err := ts.Client.CoreV1().Services("default").Delete(ctx, name, metav1.DeleteOptions{}); err != nil {
					t.Errorf("delete %s: %v", name, err)
				}
			}
		}()
	}
	for name := range won {
		names <- name
	}
	close(names)
	dwg.Wait()
	assertAllocationsMatch(t, ts, bootstrapIPs, 0)
}

// bootstrapIPs are the ClusterIPs every cluster starts with: the kubernetes
// and kube-dns Services.
const bootstrapIPs = 2

// assertAllocationsMatch checks the number of IPAddress objects and node
// port keys in storage.
func assertAllocationsMatch(t *testing.T, ts *servertest.TestServer, wantIPs, wantPorts int) {
	t.Helper()
	ctx := context.Background()
	ipKeys, _, err := ts.Store().ListRaw(ctx, service.IPAddressPrefix+"/")
	if err != nil {
		t.Fatal(err)
	}
	portKeys, _, err := ts.Store().ListRaw(ctx, service.NodePortPrefix+"/")
	if err != nil {
		t.Fatal(err)
	}
	if len(ipKeys) != wantIPs || len(portKeys) != wantPorts {
		t.Errorf("allocation keys: %d IPs, %d ports; want %d and %d", len(ipKeys), len(portKeys), wantIPs, wantPorts)
	}
}
