package agent

import (
	"context"
	"io"
	"log/slog"
	"net/netip"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"

	"github.com/svcnet/svcnet/pkg/agent/probe"
	"github.com/svcnet/svcnet/pkg/agent/runtime"
)

// testRuntime is the runtime's stateful Fake, created once the node's
// podCIDR is known (integration tests learn it from node IPAM), counting
// StopContainer calls.
type testRuntime struct {
	cidr  func() netip.Prefix
	once  sync.Once
	fake  *runtime.Fake
	stops atomic.Int32
}

var _ runtime.Runtime = (*testRuntime)(nil)

func newTestRuntime(cidr func() netip.Prefix) *testRuntime { return &testRuntime{cidr: cidr} }

func (r *testRuntime) f() *runtime.Fake {
	r.once.Do(func() { r.fake = runtime.NewFake(r.cidr()) })
	return r.fake
}

func (r *testRuntime) RunPodSandbox(ctx context.Context, c runtime.SandboxConfig) (runtime.PodNetwork, error) {
	return r.f().RunPodSandbox(ctx, c)
}

func (r *testRuntime) StartContainer(ctx context.Context, uid string, c runtime.ContainerConfig) (runtime.ContainerState, error) {
	return r.f().StartContainer(ctx, uid, c)
}

func (r *testRuntime) StopContainer(ctx context.Context, uid, name string, grace time.Duration) error {
	r.stops.Add(1)
	return r.f().StopContainer(ctx, uid, name, grace)
}

func (r *testRuntime) RemovePodSandbox(ctx context.Context, uid string) error {
	return r.f().RemovePodSandbox(ctx, uid)
}

func (r *testRuntime) ListSandboxes(ctx context.Context) ([]runtime.SandboxState, error) {
	return r.f().ListSandboxes(ctx)
}

func (r *testRuntime) Exec(ctx context.Context, uid, c string, argv []string, o runtime.ExecOptions) (int, error) {
	return r.f().Exec(ctx, uid, c, argv, o)
}

func (r *testRuntime) LogPath(uid, c string) string { return r.f().LogPath(uid, c) }

// scriptedProber answers probes from a table the test changes: the
// result of a container's probe kind (default Success).
type scriptedProber struct {
	mu      sync.Mutex
	results map[string]probe.Result
}

func newScriptedProber() *scriptedProber { return &scriptedProber{results: map[string]probe.Result{}} }

func (s *scriptedProber) set(container string, k probe.Kind, r probe.Result) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.results[container+"/"+string(k)] = r
}

// Probe implements probe.Prober; the probe's kind is named by its exec
// command's first word.
func (s *scriptedProber) Probe(_ context.Context, t probe.Target, p *corev1.Probe) (probe.Result, string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	k := "readiness"
	if p.Exec != nil && len(p.Exec.Command) > 0 {
		k = p.Exec.Command[0]
	}
	if r, ok := s.results[t.Container+"/"+k]; ok {
		return r, "scripted"
	}
	return probe.Success, ""
}

func kindProbe(k probe.Kind) *corev1.Probe {
	return &corev1.Probe{
		ProbeHandler:  corev1.ProbeHandler{Exec: &corev1.ExecAction{Command: []string{string(k)}}},
		PeriodSeconds: 1, SuccessThreshold: 1, FailureThreshold: 1,
	}
}

func testLogger() *slog.Logger {
	if os.Getenv("SVCNET_TEST_LOG") != "" {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

// testConfig is a fast agent configuration for tests.
func testConfig(client kubernetes.Interface, node string, rt runtime.Runtime, p probe.Prober) Config {
	return Config{
		Client: client, NodeName: node, NodeIP: netip.MustParseAddr("192.0.2.1"), Runtime: rt,
		Workloads:    fakeWorkloads{"nginx": "nginx", "busybox": "sleep", "whoami": "whoami"},
		SvcnetBinary: "/usr/bin/svcnet", Prober: p,
		HeartbeatInterval: 200 * time.Millisecond, NodeStatusInterval: time.Second,
		RelistInterval: 50 * time.Millisecond, CrashBackoffInitial: 300 * time.Millisecond, CrashBackoffMax: 2 * time.Second,
		Logger:     testLogger(),
		SystemInfo: func() (SystemInfo, error) { return testSysInfo, nil },
	}
}

// startAgent runs an agent until the returned stop is called (or the test
// ends).
func startAgent(t *testing.T, c Config) (*Agent, func()) {
	t.Helper()
	a, err := New(c)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx) }()
	var once sync.Once
	stop := func() {
		once.Do(func() {
			cancel()
			select {
			case err := <-done:
				if err != nil {
					t.Errorf("Run: %v", err)
				}
			case <-time.After(10 * time.Second):
				t.Errorf("agent did not stop")
			}
		})
	}
	t.Cleanup(stop)
	return a, stop
}

// eventually polls f until it returns "" or the timeout passes.
func eventually(t *testing.T, timeout time.Duration, f func() string) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		msg := f()
		if msg == "" {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("timed out: %s", msg)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func newPod(ns, name, node string, containers ...corev1.Container) *corev1.Pod {
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name, UID: types.UID("uid-" + name_(ns, name))},
		Spec: corev1.PodSpec{
			NodeName: node, RestartPolicy: corev1.RestartPolicyAlways, DNSPolicy: corev1.DNSClusterFirst,
			Containers: containers,
		},
		Status: corev1.PodStatus{Phase: corev1.PodPending},
	}
}

func name_(ns, name string) string { return ns + "-" + name }

func getPod(t *testing.T, c kubernetes.Interface, ns, name string) *corev1.Pod {
	t.Helper()
	p, err := c.CoreV1().Pods(ns).Get(context.Background(), name, metav1.GetOptions{})
	if err != nil {
		return nil
	}
	return p
}

func containerStatusOf(p *corev1.Pod, name string) *corev1.ContainerStatus {
	if p == nil {
		return nil
	}
	for i := range p.Status.ContainerStatuses {
		if p.Status.ContainerStatuses[i].Name == name {
			return &p.Status.ContainerStatuses[i]
		}
	}
	return nil
}

func podReady(p *corev1.Pod) bool {
	if p == nil {
		return false
	}
	for _, c := range p.Status.Conditions {
		if c.Type == corev1.PodReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}
