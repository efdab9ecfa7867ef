package agent_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/netip"
	"os"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"

	"github.com/svcnet/svcnet/pkg/agent"
	"github.com/svcnet/svcnet/pkg/agent/probe"
	"github.com/svcnet/svcnet/pkg/agent/runtime"
	"github.com/svcnet/svcnet/pkg/controllermanager"
	"github.com/svcnet/svcnet/pkg/server/servertest"
)

// countingRuntime is the runtime Fake, counting StopContainer calls.
type countingRuntime struct {
	*runtime.Fake
	stops atomic.Int32
}

func (r *countingRuntime) StopContainer(ctx context.Context, uid, name string, grace time.Duration) error {
	r.stops.Add(1)
	return r.Fake.StopContainer(ctx, uid, name, grace)
}

// node holds the node's runtime across agent restarts; the first agent
// creates it (through Config.NewRuntime) once node IPAM gave the podCIDR.
type node struct {
	mu sync.Mutex
	rt *countingRuntime
}

func (n *node) newRuntime(_ context.Context, cidr netip.Prefix) (runtime.Runtime, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.rt == nil {
		n.rt = &countingRuntime{Fake: runtime.NewFake(cidr)}
	}
	return n.rt, nil
}

// unreadyProber fails the readiness probes of containers named "unready".
type unreadyProber struct{}

func (unreadyProber) Probe(_ context.Context, t probe.Target, _ *corev1.Probe) (probe.Result, string) {
	if t.Container == "unready" {
		return probe.Failure, "scripted failure"
	}
	return probe.Success, ""
}

func logger() *slog.Logger {
	if os.Getenv("SVCNET_TEST_LOG") != "" {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

func wait(t *testing.T, what string, f func() string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		msg := f()
		if msg == "" {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s: %s", what, msg)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// runAgent starts an agent on rt until the returned stop is called.
func runAgent(t *testing.T, ts *servertest.TestServer, n *node) (*agent.Agent, func()) {
	t.Helper()
	a, err := agent.New(agent.Config{
		Client: ts.Client, NodeName: "node-a", NodeIP: netip.MustParseAddr("192.0.2.1"), NewRuntime: n.newRuntime,
		SvcnetBinary: "/usr/bin/svcnet", Prober: unreadyProber{}, Logger: logger(),
		HeartbeatInterval: time.Second, RelistInterval: 100 * time.Millisecond,
		CrashBackoffInitial: time.Second, CrashBackoffMax: 5 * time.Second,
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx) }()
	var once sync.Once
	stop := func() {
		once.Do(func() {
			cancel()
			if err := <-done; err != nil {
				t.Errorf("agent Run: %v", err)
			}
		})
	}
	t.Cleanup(stop)
	return a, stop
}

func readyProbe() *corev1.Probe {
	return &corev1.Probe{
		ProbeHandler:  corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{Path: "/", Port: intstr.FromInt32(80)}},
		PeriodSeconds: 1, SuccessThreshold: 1, FailureThreshold: 1, TimeoutSeconds: 1,
	}
}

// endpointIPs lists the ready and not-ready addresses of a Service's
// EndpointSlices.
func endpointIPs(t *testing.T, ts *servertest.TestServer, svc string) (ready, unready []string) {
	t.Helper()
	slices_, err := ts.Client.DiscoveryV1().EndpointSlices("default").List(context.Background(),
		metav1.ListOptions{LabelSelector: discoveryv1.LabelServiceName + "=" + svc})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range slices_.Items {
		for _, ep := range s.Endpoints {
			if ep.Conditions.Ready != nil && *ep.Conditions.Ready {
				ready = append(ready, ep.Addresses...)
			} else {
				unready = append(unready, ep.Addresses...)
			}
		}
	}
	slices.Sort(ready)
	return ready, unready
}

// TestIntegration runs the agent against a real control plane with its
// controllers (node IPAM, scheduler, ReplicaSet, Deployment,
// EndpointSlice) and the runtime Fake.
func TestIntegration(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a control plane")
	}
	ts := servertest.Start(t, servertest.WithControllers(controllermanager.New(controllermanager.Config{})))
	ctx := context.Background()
	n := &node{}
	a, stop := runAgent(t, ts, n)

	wait(t, "node Ready with a podCIDR", func() string {
		n, err := ts.Client.CoreV1().Nodes().Get(ctx, "node-a", metav1.GetOptions{})
		if err != nil {
			return err.Error()
		}
		for _, c := range n.Status.Conditions {
			if c.Type == corev1.NodeReady && c.Status == corev1.ConditionTrue && n.Spec.PodCIDR != "" && a.PodCIDR().IsValid() {
				return ""
			}
		}
		return fmt.Sprintf("podCIDR %q conditions %v", n.Spec.PodCIDR, n.Status.Conditions)
	})
	cidr := a.PodCIDR()
	wait(t, "runtime", func() string {
		n.mu.Lock()
		defer n.mu.Unlock()
		if n.rt == nil {
			return "not built"
		}
		return ""
	})
	rt := n.rt
	if !netip.MustParsePrefix("10.244.0.0/16").Contains(cidr.Addr()) || cidr.Bits() != 24 {
		t.Errorf("podCIDR %v not a /24 of 10.244.0.0/16", cidr)
	}

	svc := createWebWorkloads(t, ts)

	var webIPs []string
	wait(t, "deployment pods Running and Ready in the EndpointSlices", func() string {
		pods, err := ts.Client.CoreV1().Pods("default").List(ctx, metav1.ListOptions{LabelSelector: "app=web"})
		if err != nil {
			return err.Error()
		}
		webIPs = nil
		for _, p := range pods.Items {
			if p.Name == "unready" {
				continue
			}
			if p.Status.Phase != corev1.PodRunning || p.Status.PodIP == "" {
				return fmt.Sprintf("pod %s phase %s", p.Name, p.Status.Phase)
			}
			if !cidr.Contains(netip.MustParseAddr(p.Status.PodIP)) {
				t.Fatalf("pod IP %s outside %s", p.Status.PodIP, cidr)
			}
			webIPs = append(webIPs, p.Status.PodIP)
		}
		slices.Sort(webIPs)
		if len(webIPs) != 2 {
			return fmt.Sprintf("%d running deployment pods", len(webIPs))
		}
		ready, _ := endpointIPs(t, ts, "web")
		if !slices.Equal(ready, webIPs) {
			return fmt.Sprintf("ready endpoints %v, want %v", ready, webIPs)
		}
		return ""
	})
	unready, err := ts.Client.CoreV1().Pods("default").Get(ctx, "unready", metav1.GetOptions{})
	if err != nil || unready.Status.Phase != corev1.PodRunning || unready.Status.ContainerStatuses[0].Ready {
		t.Errorf("unready pod: %v %+v", err, unready.Status)
	}
	if ready, _ := endpointIPs(t, ts, "web"); slices.Contains(ready, unready.Status.PodIP) {
		t.Errorf("pod failing readiness is a ready endpoint: %v", ready)
	}

	checkServiceEnv(t, ts, rt, svc)
	checkNoChurn(t, ts)

	testCrashLoop(t, ts, rt)
	testDelete(t, ts, rt)

	// A restarted agent adopts the running pods without stopping them.
	stop()
	stops := rt.stops.Load()
	runAgent(t, ts, n)
	time.Sleep(2 * time.Second)
	wait(t, "pods still ready after the agent restart", func() string {
		ready, _ := endpointIPs(t, ts, "web")
		if !slices.Equal(ready, webIPs) {
			return fmt.Sprintf("ready endpoints %v, want %v", ready, webIPs)
		}
		return ""
	})
	if got := rt.stops.Load(); got != stops {
		t.Errorf("restarted agent called StopContainer %d times", got-stops)
	}
}

func testCrashLoop(t *testing.T, ts *servertest.TestServer, rt *countingRuntime) {
	ctx := context.Background()
	p, err := ts.Client.CoreV1().Pods("default").Create(ctx, &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "crasher"},
		Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "app", Image: "busybox", Command: []string{"sh", "-c", "exit 1"}}}},
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	uid := string(p.UID)
	for range 2 {
		wait(t, "crasher running", func() string {
			if err := rt.ExitContainer(uid, "app", 1); err != nil {
				return err.Error()
			}
			return ""
		})
	}
	wait(t, "CrashLoopBackOff", func() string {
		p, err := ts.Client.CoreV1().Pods("default").Get(ctx, "crasher", metav1.GetOptions{})
		if err != nil {
			return err.Error()
		}
		cs := p.Status.ContainerStatuses
		if len(cs) != 1 || cs[0].State.Waiting == nil || cs[0].State.Waiting.Reason != "CrashLoopBackOff" || cs[0].RestartCount != 1 {
			return fmt.Sprintf("%+v", cs)
		}
		return ""
	})
}

func testDelete(t *testing.T, ts *servertest.TestServer, rt *countingRuntime) {
	ctx := context.Background()
	p, err := ts.Client.CoreV1().Pods("default").Get(ctx, "crasher", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if err := ts.Client.CoreV1().Pods("default").Delete(ctx, "crasher", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	wait(t, "deleted pod removed", func() string {
		if _, err := ts.Client.CoreV1().Pods("default").Get(ctx, "crasher", metav1.GetOptions{}); err == nil {
			return "pod still in the API"
		}
		if _, ok := rt.Config(string(p.UID)); ok {
			return "sandbox still there"
		}
		return ""
	})
}

// createWebWorkloads creates the web Service, then a Deployment of two
// nginx pods behind it, and a pod of the Service whose readiness probe
// fails.
func createWebWorkloads(t *testing.T, ts *servertest.TestServer) *corev1.Service {
	t.Helper()
	ctx := context.Background()
	svc, err := ts.Client.CoreV1().Services("default").Create(ctx, &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Name: "web"},
		Spec: corev1.ServiceSpec{Selector: map[string]string{"app": "web"},
			Ports: []corev1.ServicePort{{Name: "http", Port: 80, TargetPort: intstr.FromInt32(80)}}},
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	labels := map[string]string{"app": "web"}
	_, err = ts.Client.AppsV1().Deployments("default").Create(ctx, &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: "web"},
		Spec: appsv1.DeploymentSpec{
			Replicas: ptr.To[int32](2), Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec: corev1.PodSpec{Containers: []corev1.Container{{
					Name: "nginx", Image: "nginx:1.27", Ports: []corev1.ContainerPort{{ContainerPort: 80}},
					ReadinessProbe: readyProbe(),
				}}},
			},
		},
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	// A pod of the Service whose readiness probe fails.
	_, err = ts.Client.CoreV1().Pods("default").Create(ctx, &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "unready", Labels: labels},
		Spec: corev1.PodSpec{Containers: []corev1.Container{{
			Name: "unready", Image: "nginx", Ports: []corev1.ContainerPort{{ContainerPort: 80}}, ReadinessProbe: readyProbe(),
		}}},
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return svc
}

// checkServiceEnv checks that the Service created before the pods put its
// variables in their environment.
func checkServiceEnv(t *testing.T, ts *servertest.TestServer, rt *countingRuntime, svc *corev1.Service) {
	t.Helper()
	ctx := context.Background()
	// The Service existed before the pods: its variables are in their env.
	pods, _ := ts.Client.CoreV1().Pods("default").List(ctx, metav1.ListOptions{LabelSelector: "app=web"})
	for _, p := range pods.Items {
		cc, ok := rt.ContainerConfig(string(p.UID), p.Spec.Containers[0].Name)
		if !ok {
			t.Fatalf("pod %s never started", p.Name)
		}
		for _, kv := range []string{"WEB_SERVICE_HOST=" + svc.Spec.ClusterIP, "WEB_SERVICE_PORT_HTTP=80", "KUBERNETES_SERVICE_HOST=10.96.0.1"} {
			if !slices.Contains(cc.Env, kv) {
				t.Errorf("pod %s env lacks %s: %q", p.Name, kv, cc.Env)
			}
		}
	}
}

// checkNoChurn checks that stable pods are not written again.
func checkNoChurn(t *testing.T, ts *servertest.TestServer) {
	t.Helper()
	ctx := context.Background()
	// Stable pods are not written again (minimal churn).
	versions := map[string]string{}
	pods, _ := ts.Client.CoreV1().Pods("default").List(ctx, metav1.ListOptions{LabelSelector: "app=web"})
	for _, p := range pods.Items {
		versions[p.Name] = p.ResourceVersion
	}
	time.Sleep(2 * time.Second)
	pods, _ = ts.Client.CoreV1().Pods("default").List(ctx, metav1.ListOptions{LabelSelector: "app=web"})
	for _, p := range pods.Items {
		if versions[p.Name] != p.ResourceVersion {
			t.Errorf("pod %s written again while stable", p.Name)
		}
	}
}
