package agent

import (
	"context"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes/fake"

	"github.com/svcnet/svcnet/pkg/agent/probe"
)

var testCIDR = netip.MustParsePrefix("10.244.3.0/24")

// newFakeCluster returns a fake clientset holding the node (with its
// podCIDR, as node IPAM would set it) and the kubernetes Service.
func newFakeCluster(node string) *fake.Clientset {
	return fake.NewClientset(
		&corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: node}, Spec: corev1.NodeSpec{PodCIDR: testCIDR.String()}},
		&corev1.Service{
			ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: "kubernetes"},
			Spec:       corev1.ServiceSpec{ClusterIP: "10.96.0.1", Ports: []corev1.ServicePort{{Name: "https", Port: 443, Protocol: "TCP"}}},
		},
	)
}

func nginx() corev1.Container {
	return corev1.Container{Name: "web", Image: "nginx", Ports: []corev1.ContainerPort{{ContainerPort: 80}}}
}

func TestAgentRegistersNodeAndLease(t *testing.T) {
	client := newFakeCluster("node-a")
	rt := newTestRuntime(func() netip.Prefix { return testCIDR })
	a, _ := startAgent(t, testConfig(client, "node-a", rt, newScriptedProber()))
	ctx := context.Background()
	eventually(t, 5*time.Second, func() string {
		n, err := client.CoreV1().Nodes().Get(ctx, "node-a", metav1.GetOptions{})
		if err != nil {
			return err.Error()
		}
		if n.Labels[corev1.LabelHostname] != "node-a" || len(n.Status.Conditions) == 0 {
			return fmt.Sprintf("node not registered: %+v", n)
		}
		var l *coordinationv1.Lease
		if l, err = client.CoordinationV1().Leases(corev1.NamespaceNodeLease).Get(ctx, "node-a", metav1.GetOptions{}); err != nil {
			return err.Error()
		}
		if *l.Spec.HolderIdentity != "node-a" || *l.Spec.LeaseDurationSeconds != 40 || l.Spec.RenewTime == nil {
			return fmt.Sprintf("lease %+v", l.Spec)
		}
		return ""
	})
	if a.PodCIDR() != testCIDR {
		t.Errorf("PodCIDR() = %v", a.PodCIDR())
	}
	select {
	case <-a.PodCIDRReady():
	default:
		t.Errorf("PodCIDRReady not closed")
	}
	// A deleted Node is registered again at the next status post.
	if err := client.CoreV1().Nodes().Delete(ctx, "node-a", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	eventually(t, 5*time.Second, func() string {
		if _, err := client.CoreV1().Nodes().Get(ctx, "node-a", metav1.GetOptions{}); err != nil {
			return err.Error()
		}
		return ""
	})
	l1, _ := client.CoordinationV1().Leases(corev1.NamespaceNodeLease).Get(ctx, "node-a", metav1.GetOptions{})
	eventually(t, 5*time.Second, func() string {
		l2, _ := client.CoordinationV1().Leases(corev1.NamespaceNodeLease).Get(ctx, "node-a", metav1.GetOptions{})
		if l2.Spec.RenewTime.Equal(l1.Spec.RenewTime) {
			return "lease not renewed"
		}
		return ""
	})
}

func TestAgentRunsPod(t *testing.T) {
	client := newFakeCluster("node-a")
	ctx := context.Background()
	_, _ = client.CoreV1().Services("web").Create(ctx, &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Namespace: "web", Name: "my-svc"},
		Spec:       corev1.ServiceSpec{ClusterIP: "10.96.0.50", Ports: []corev1.ServicePort{{Port: 80, Protocol: "TCP"}}},
	}, metav1.CreateOptions{})
	rt := newTestRuntime(func() netip.Prefix { return testCIDR })
	startAgent(t, testConfig(client, "node-a", rt, newScriptedProber()))
	pod := newPod("web", "web-1", "node-a", nginx())
	if _, err := client.CoreV1().Pods("web").Create(ctx, pod, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	eventually(t, 5*time.Second, func() string {
		p := getPod(t, client, "web", "web-1")
		if p.Status.Phase != corev1.PodRunning || !podReady(p) {
			return fmt.Sprintf("pod not running and ready: %+v", p.Status)
		}
		return ""
	})
	p := getPod(t, client, "web", "web-1")
	ip := netip.MustParseAddr(p.Status.PodIP)
	if !testCIDR.Contains(ip) || p.Status.HostIP != "192.0.2.1" || p.Status.StartTime == nil {
		t.Errorf("status IPs %q %q", p.Status.PodIP, p.Status.HostIP)
	}
	cs := containerStatusOf(p, "web")
	if cs.ContainerID != "svcnet://uid-web-web-1/web" || cs.ImageID != "svcnet://workload/nginx" || !cs.Ready || cs.State.Running == nil {
		t.Errorf("container status %+v", cs)
	}
	cc, ok := rt.f().ContainerConfig(string(pod.UID), "web")
	if !ok {
		t.Fatal("container not started")
	}
	if want := []string{"/usr/bin/svcnet", "workload", "nginx", "--port", "80"}; !slices.Equal(cc.Argv, want) {
		t.Errorf("argv %q, want %q", cc.Argv, want)
	}
	for _, kv := range []string{"MY_SVC_SERVICE_HOST=10.96.0.50", "MY_SVC_PORT=tcp://10.96.0.50:80", "KUBERNETES_SERVICE_HOST=10.96.0.1"} {
		if !slices.Contains(cc.Env, kv) {
			t.Errorf("env lacks %s: %q", kv, cc.Env)
		}
	}
	// Once stable, the agent writes nothing more (minimal churn).
	statusWrites := func() int {
		n := 0
		for _, act := range client.Actions() {
			if act.GetVerb() == "update" && act.GetResource().Resource == "pods" && act.GetSubresource() == "status" {
				n++
			}
		}
		return n
	}
	before := statusWrites()
	time.Sleep(time.Second)
	if after := statusWrites(); after != before {
		t.Errorf("%d pod status writes while nothing changed", after-before)
	}
	sc, _ := rt.f().Config(string(pod.UID))
	if sc.Hostname != "web-1" || !strings.HasPrefix(sc.ResolvConf, "nameserver 10.96.0.10\nsearch web.svc.cluster.local") || !slices.Equal(sc.HostPorts, nil) {
		t.Errorf("sandbox config %+v", sc)
	}
}

func TestAgentCrashLoopBackOff(t *testing.T) {
	client := newFakeCluster("node-a")
	ctx := context.Background()
	rt := newTestRuntime(func() netip.Prefix { return testCIDR })
	c := testConfig(client, "node-a", rt, newScriptedProber())
	c.CrashBackoffInitial, c.CrashBackoffMax = 2*time.Second, 10*time.Second
	startAgent(t, c)
	pod := newPod("ns", "crash", "node-a", corev1.Container{Name: "app", Image: "busybox", Command: []string{"false"}})
	_, _ = client.CoreV1().Pods("ns").Create(ctx, pod, metav1.CreateOptions{})
	uid := string(pod.UID)
	waitRunning := func(restarts int32) {
		eventually(t, 5*time.Second, func() string {
			cs := containerStatusOf(getPod(t, client, "ns", "crash"), "app")
			if cs == nil || cs.State.Running == nil || cs.RestartCount != restarts {
				return fmt.Sprintf("want running with %d restarts: %+v", restarts, cs)
			}
			return ""
		})
	}
	waitRunning(0)
	// The first crash restarts at once.
	if err := rt.f().ExitContainer(uid, "app", 1); err != nil {
		t.Fatal(err)
	}
	waitRunning(1)
	// The second waits 2s in CrashLoopBackOff.
	_ = rt.f().ExitContainer(uid, "app", 1)
	eventually(t, 5*time.Second, func() string {
		p := getPod(t, client, "ns", "crash")
		cs := containerStatusOf(p, "app")
		if cs == nil || cs.State.Waiting == nil || cs.State.Waiting.Reason != ReasonCrashLoopBackOff {
			return fmt.Sprintf("not in CrashLoopBackOff: %+v", cs)
		}
		want := fmt.Sprintf("back-off 2s restarting failed container=app pod=crash_ns(%s)", uid)
		if cs.State.Waiting.Message != want || cs.LastTerminationState.Terminated == nil || cs.LastTerminationState.Terminated.ExitCode != 1 {
			return fmt.Sprintf("waiting %+v, last %+v", cs.State.Waiting, cs.LastTerminationState)
		}
		if p.Status.Phase != corev1.PodRunning || podReady(p) {
			return fmt.Sprintf("phase %s ready %v", p.Status.Phase, podReady(p))
		}
		return ""
	})
	waitRunning(2)
}

func TestAgentRestartPolicyNever(t *testing.T) {
	client := newFakeCluster("node-a")
	ctx := context.Background()
	rt := newTestRuntime(func() netip.Prefix { return testCIDR })
	startAgent(t, testConfig(client, "node-a", rt, newScriptedProber()))
	for _, tc := range []struct {
		name string
		code int
		want corev1.PodPhase
	}{{"ok", 0, corev1.PodSucceeded}, {"bad", 3, corev1.PodFailed}} {
		pod := newPod("ns", tc.name, "node-a", corev1.Container{Name: "job", Image: "alpine", Command: []string{"/bin/true"}})
		pod.Spec.RestartPolicy = corev1.RestartPolicyNever
		_, _ = client.CoreV1().Pods("ns").Create(ctx, pod, metav1.CreateOptions{})
		eventually(t, 5*time.Second, func() string {
			if _, ok := rt.f().ContainerConfig(string(pod.UID), "job"); !ok {
				return "not started"
			}
			return ""
		})
		if err := rt.f().ExitContainer(string(pod.UID), "job", tc.code); err != nil {
			t.Fatal(err)
		}
		eventually(t, 5*time.Second, func() string {
			p := getPod(t, client, "ns", tc.name)
			if p.Status.Phase != tc.want {
				return fmt.Sprintf("%s: phase %s", tc.name, p.Status.Phase)
			}
			if _, ok := rt.f().Config(string(pod.UID)); ok {
				return "sandbox of a finished pod not removed"
			}
			return ""
		})
		if cs := containerStatusOf(getPod(t, client, "ns", tc.name), "job"); cs.State.Terminated == nil || int(cs.State.Terminated.ExitCode) != tc.code || cs.RestartCount != 0 {
			t.Errorf("%s: container %+v", tc.name, cs)
		}
	}
}

func TestAgentErrImagePullAndHostPortConflict(t *testing.T) {
	client := newFakeCluster("node-a")
	ctx := context.Background()
	rt := newTestRuntime(func() netip.Prefix { return testCIDR })
	startAgent(t, testConfig(client, "node-a", rt, newScriptedProber()))
	bad := newPod("ns", "redis", "node-a", corev1.Container{Name: "redis", Image: "redis:7"})
	_, _ = client.CoreV1().Pods("ns").Create(ctx, bad, metav1.CreateOptions{})
	hp := func(name string) *corev1.Pod {
		c := nginx()
		c.Ports[0].HostPort = 8080
		return newPod("ns", name, "node-a", c)
	}
	first := hp("hp-1")
	_, _ = client.CoreV1().Pods("ns").Create(ctx, first, metav1.CreateOptions{})
	eventually(t, 5*time.Second, func() string {
		if !podReady(getPod(t, client, "ns", "hp-1")) {
			return "hp-1 not ready"
		}
		return ""
	})
	_, _ = client.CoreV1().Pods("ns").Create(ctx, hp("hp-2"), metav1.CreateOptions{})
	eventually(t, 5*time.Second, func() string {
		p := getPod(t, client, "ns", "redis")
		cs := containerStatusOf(p, "redis")
		if p.Status.Phase != corev1.PodPending || cs == nil || cs.State.Waiting == nil || cs.State.Waiting.Reason != ReasonErrImagePull ||
			cs.State.Waiting.Message != "image redis:7 is not a built-in workload (built-in: httpd, nginx)" {
			return fmt.Sprintf("redis: %s %+v", p.Status.Phase, cs)
		}
		p = getPod(t, client, "ns", "hp-2")
		cs = containerStatusOf(p, "web")
		if p.Status.Phase != corev1.PodPending || cs == nil || cs.State.Waiting == nil || cs.State.Waiting.Reason != ReasonHostPortConflict ||
			cs.State.Waiting.Message != "hostPort TCP/8080 is already in use by pod ns/hp-1 on this node" {
			return fmt.Sprintf("hp-2: %s %+v", p.Status.Phase, cs)
		}
		return ""
	})
	if sc, _ := rt.f().Config(string(first.UID)); !slices.Equal(sc.HostPorts, []string{"TCP/8080"}) {
		t.Errorf("hostPorts %q", sc.HostPorts)
	}
}

func TestAgentProbes(t *testing.T) {
	client := newFakeCluster("node-a")
	ctx := context.Background()
	rt := newTestRuntime(func() netip.Prefix { return testCIDR })
	pr := newScriptedProber()
	pr.set("web", probe.Readiness, probe.Failure)
	startAgent(t, testConfig(client, "node-a", rt, pr))
	c := nginx()
	c.ReadinessProbe, c.LivenessProbe = kindProbe(probe.Readiness), kindProbe(probe.Liveness)
	pod := newPod("ns", "probed", "node-a", c)
	_, _ = client.CoreV1().Pods("ns").Create(ctx, pod, metav1.CreateOptions{})
	eventually(t, 5*time.Second, func() string {
		p := getPod(t, client, "ns", "probed")
		if cs := containerStatusOf(p, "web"); cs == nil || cs.State.Running == nil {
			return "not running"
		}
		return ""
	})
	time.Sleep(1500 * time.Millisecond)
	if p := getPod(t, client, "ns", "probed"); podReady(p) || containerStatusOf(p, "web").Ready {
		t.Fatalf("ready while the readiness probe fails")
	}
	pr.set("web", probe.Readiness, probe.Success)
	eventually(t, 5*time.Second, func() string {
		if !podReady(getPod(t, client, "ns", "probed")) {
			return "not ready after the probe passes"
		}
		return ""
	})
	pr.set("web", probe.Liveness, probe.Failure)
	eventually(t, 5*time.Second, func() string {
		cs := containerStatusOf(getPod(t, client, "ns", "probed"), "web")
		if cs.RestartCount < 1 || rt.stops.Load() < 1 {
			return fmt.Sprintf("not restarted after liveness failure: %+v", cs)
		}
		if cs.LastTerminationState.Terminated == nil || cs.LastTerminationState.Terminated.ExitCode != 143 {
			return fmt.Sprintf("last state %+v", cs.LastTerminationState)
		}
		return ""
	})
}

func TestAgentTerminatesDeletedPod(t *testing.T) {
	client := newFakeCluster("node-a")
	ctx := context.Background()
	rt := newTestRuntime(func() netip.Prefix { return testCIDR })
	c := testConfig(client, "node-a", rt, newScriptedProber())
	c.PodLogDir = t.TempDir()
	startAgent(t, c)
	pod := newPod("ns", "doomed", "node-a", nginx())
	logDir := filepath.Join(c.PodLogDir, "ns_doomed_"+string(pod.UID))
	if err := os.MkdirAll(filepath.Join(logDir, "web"), 0o755); err != nil {
		t.Fatal(err)
	}
	_, _ = client.CoreV1().Pods("ns").Create(ctx, pod, metav1.CreateOptions{})
	eventually(t, 5*time.Second, func() string {
		if !podReady(getPod(t, client, "ns", "doomed")) {
			return "not ready"
		}
		return ""
	})
	if cc, _ := rt.f().ContainerConfig(string(pod.UID), "web"); cc.LogPath != filepath.Join(logDir, "web", "0.log") {
		t.Errorf("log path %q", cc.LogPath)
	}
	// The API server marks a graceful delete with a deletionTimestamp.
	p := getPod(t, client, "ns", "doomed")
	now := metav1.Now()
	p.DeletionTimestamp, p.DeletionGracePeriodSeconds = &now, new(int64(5))
	if _, err := client.CoreV1().Pods("ns").Update(ctx, p, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	eventually(t, 5*time.Second, func() string {
		if getPod(t, client, "ns", "doomed") != nil {
			return "pod not deleted"
		}
		if _, ok := rt.f().Config(string(pod.UID)); ok {
			return "sandbox not removed"
		}
		return ""
	})
	if rt.stops.Load() != 1 {
		t.Errorf("StopContainer called %d times, want 1", rt.stops.Load())
	}
	if cc, _ := rt.f().ContainerConfig(string(pod.UID), "web"); cc.LogPath != "" {
		t.Errorf("container config survives the sandbox")
	}
	if _, err := os.Stat(logDir); !os.IsNotExist(err) {
		t.Errorf("pod log directory not removed: %v", err)
	}
}

func TestAgentAdoptsAndCleansUp(t *testing.T) {
	client := newFakeCluster("node-a")
	ctx := context.Background()
	rt := newTestRuntime(func() netip.Prefix { return testCIDR })
	_, stop := startAgent(t, testConfig(client, "node-a", rt, newScriptedProber()))
	keep := newPod("ns", "keep", "node-a", nginx())
	gone := newPod("ns", "gone", "node-a", nginx())
	for _, p := range []*corev1.Pod{keep, gone} {
		_, _ = client.CoreV1().Pods("ns").Create(ctx, p, metav1.CreateOptions{})
	}
	eventually(t, 5*time.Second, func() string {
		if !podReady(getPod(t, client, "ns", "keep")) || !podReady(getPod(t, client, "ns", "gone")) {
			return "pods not ready"
		}
		return ""
	})
	// Crash once so that there is a restart count to keep.
	_ = rt.f().ExitContainer(string(keep.UID), "web", 1)
	eventually(t, 5*time.Second, func() string {
		if cs := containerStatusOf(getPod(t, client, "ns", "keep"), "web"); cs.RestartCount != 1 || !cs.Ready {
			return "no restart"
		}
		return ""
	})
	stop()
	// While the agent is down, one pod is force-deleted.
	_ = client.CoreV1().Pods("ns").Delete(ctx, "gone", metav1.DeleteOptions{})
	ipBefore := getPod(t, client, "ns", "keep").Status.PodIP
	stopsBefore := rt.stops.Load()

	startAgent(t, testConfig(client, "node-a", rt, newScriptedProber()))
	eventually(t, 5*time.Second, func() string {
		if _, ok := rt.f().Config(string(gone.UID)); ok {
			return "orphan sandbox not removed"
		}
		return ""
	})
	time.Sleep(500 * time.Millisecond)
	p := getPod(t, client, "ns", "keep")
	cs := containerStatusOf(p, "web")
	if !podReady(p) || p.Status.PodIP != ipBefore || cs.RestartCount != 1 || cs.LastTerminationState.Terminated == nil {
		t.Errorf("adopted pod status %+v", p.Status)
	}
	if cc, _ := rt.f().ContainerConfig(string(keep.UID), "web"); cc.Name == "" {
		t.Errorf("adopted container gone")
	}
	// The orphan's running container was stopped; the adopted one never.
	if got := rt.stops.Load() - stopsBefore; got != 1 {
		t.Errorf("StopContainer calls after restart = %d, want 1 (the orphan only)", got)
	}
}

func TestAgentInitContainers(t *testing.T) {
	client := newFakeCluster("node-a")
	ctx := context.Background()
	rt := newTestRuntime(func() netip.Prefix { return testCIDR })
	startAgent(t, testConfig(client, "node-a", rt, newScriptedProber()))
	pod := newPod("ns", "init", "node-a", nginx())
	pod.Spec.InitContainers = []corev1.Container{{Name: "setup", Image: "busybox", Command: []string{"sh", "-c", "true"}}}
	_, _ = client.CoreV1().Pods("ns").Create(ctx, pod, metav1.CreateOptions{})
	uid := string(pod.UID)
	eventually(t, 5*time.Second, func() string {
		if _, ok := rt.f().ContainerConfig(uid, "setup"); !ok {
			return "init container not started"
		}
		return ""
	})
	time.Sleep(300 * time.Millisecond)
	if _, ok := rt.f().ContainerConfig(uid, "web"); ok {
		t.Fatalf("app container started before the init container finished")
	}
	if p := getPod(t, client, "ns", "init"); p.Status.Phase != corev1.PodPending {
		t.Errorf("phase while initializing %s", p.Status.Phase)
	}
	// A failed init container runs again (after the first, immediate restart).
	_ = rt.f().ExitContainer(uid, "setup", 1)
	eventually(t, 5*time.Second, func() string {
		p := getPod(t, client, "ns", "init")
		if len(p.Status.InitContainerStatuses) != 1 || p.Status.InitContainerStatuses[0].RestartCount != 1 || p.Status.InitContainerStatuses[0].State.Running == nil {
			return fmt.Sprintf("init status %+v", p.Status.InitContainerStatuses)
		}
		return ""
	})
	_ = rt.f().ExitContainer(uid, "setup", 0)
	eventually(t, 5*time.Second, func() string {
		p := getPod(t, client, "ns", "init")
		if p.Status.Phase != corev1.PodRunning || !podReady(p) {
			return fmt.Sprintf("pod %s ready=%v", p.Status.Phase, podReady(p))
		}
		if cs := p.Status.InitContainerStatuses[0]; cs.State.Terminated == nil || cs.State.Terminated.Reason != "Completed" || !cs.Ready {
			return fmt.Sprintf("init status %+v", cs)
		}
		return ""
	})
}
