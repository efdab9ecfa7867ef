package scheduler_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"

	"github.com/svcnet/svcnet/pkg/scheduler"
	"github.com/svcnet/svcnet/pkg/server/servertest"
)

func startScheduler(t *testing.T) (context.Context, kubernetes.Interface) {
	t.Helper()
	ts := servertest.Start(t, servertest.WithoutControllers())
	ctx, cancel := context.WithCancel(context.Background())
	factory := informers.NewSharedInformerFactory(ts.Client, 0)
	s, err := scheduler.New(scheduler.Config{Client: ts.Client, Informers: factory})
	if err != nil {
		t.Fatal(err)
	}
	factory.Start(ctx.Done())
	done := make(chan struct{})
	go func() { defer close(done); s.Run(ctx, 1) }()
	t.Cleanup(func() {
		cancel()
		<-done
		factory.Shutdown()
	})
	return ctx, ts.Client
}

// addNode creates a node and sets its Ready condition.
func addNode(ctx context.Context, t *testing.T, c kubernetes.Interface, name string, ready bool) {
	t.Helper()
	n, err := c.CoreV1().Nodes().Create(ctx, &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: name,
		Labels: map[string]string{"kubernetes.io/hostname": name}}}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	setReady(ctx, t, c, n, ready)
}

func setReady(ctx context.Context, t *testing.T, c kubernetes.Interface, n *corev1.Node, ready bool) {
	t.Helper()
	status := corev1.ConditionFalse
	if ready {
		status = corev1.ConditionTrue
	}
	n.Status.Conditions = []corev1.NodeCondition{{Type: corev1.NodeReady, Status: status, LastHeartbeatTime: metav1.Now(), LastTransitionTime: metav1.Now()}}
	if _, err := c.CoreV1().Nodes().UpdateStatus(ctx, n, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
}

func addPod(ctx context.Context, t *testing.T, c kubernetes.Interface, name string, mutate func(*corev1.Pod)) {
	t.Helper()
	p := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "default", Labels: map[string]string{"app": "web"}},
		Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "nginx"}}},
	}
	if mutate != nil {
		mutate(p)
	}
	if _, err := c.CoreV1().Pods("default").Create(ctx, p, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
}

func eventually(t *testing.T, what string, cond func() error) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		err := cond()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: %v", what, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func nodeOf(ctx context.Context, c kubernetes.Interface, name string) (string, error) {
	p, err := c.CoreV1().Pods("default").Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		return "", err
	}
	if p.Spec.NodeName == "" {
		return "", fmt.Errorf("pod %s not bound; conditions %+v", name, p.Status.Conditions)
	}
	return p.Spec.NodeName, nil
}

func findEvent(ctx context.Context, c kubernetes.Interface, pod, reason, message string) error {
	evs, err := c.CoreV1().Events("default").List(ctx, metav1.ListOptions{})
	if err != nil {
		return err
	}
	for _, e := range evs.Items {
		if e.InvolvedObject.Name == pod && e.Reason == reason && e.Message == message {
			if e.Source.Component != scheduler.DefaultSchedulerName {
				return fmt.Errorf("event source %q", e.Source.Component)
			}
			return nil
		}
	}
	return fmt.Errorf("no %s event %q for %s", reason, message, pod)
}

func TestIntegrationSpreadsAndRespectsNodeName(t *testing.T) {
	ctx, c := startScheduler(t)
	addNode(ctx, t, c, "node1", true)
	addNode(ctx, t, c, "node2", true)
	// A pod the user placed by hand, on a node that does not even exist.
	addPod(ctx, t, c, "pinned", func(p *corev1.Pod) { p.Spec.NodeName = "elsewhere" })
	addPod(ctx, t, c, "web-1", nil)
	addPod(ctx, t, c, "web-2", nil)

	var nodes []string
	for _, name := range []string{"web-1", "web-2"} {
		eventually(t, name+" bound", func() error {
			n, err := nodeOf(ctx, c, name)
			if err == nil {
				nodes = append(nodes, n)
			}
			return err
		})
	}
	if nodes[0] == nodes[1] {
		t.Fatalf("both replicas on %s, want them spread over node1 and node2", nodes[0])
	}
	eventually(t, "Scheduled event", func() error {
		return findEvent(ctx, c, "web-1", "Scheduled", "Successfully assigned default/web-1 to "+nodes[0])
	})
	p, err := c.CoreV1().Pods("default").Get(ctx, "web-1", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	scheduled := false
	for _, cond := range p.Status.Conditions {
		scheduled = scheduled || (cond.Type == corev1.PodScheduled && cond.Status == corev1.ConditionTrue)
	}
	if !scheduled {
		t.Errorf("PodScheduled not True: %+v", p.Status.Conditions)
	}
	if n, _ := nodeOf(ctx, c, "pinned"); n != "elsewhere" {
		t.Errorf("pinned pod moved to %q", n)
	}

	// Two more replicas: one more on each node.
	addPod(ctx, t, c, "web-3", nil)
	addPod(ctx, t, c, "web-4", nil)
	eventually(t, "2 pods per node", func() error {
		count := map[string]int{}
		for _, name := range []string{"web-1", "web-2", "web-3", "web-4"} {
			n, err := nodeOf(ctx, c, name)
			if err != nil {
				return err
			}
			count[n]++
		}
		if count["node1"] != 2 || count["node2"] != 2 {
			return fmt.Errorf("placement %v", count)
		}
		return nil
	})
}

func TestIntegrationUnschedulable(t *testing.T) {
	ctx, c := startScheduler(t)
	addNode(ctx, t, c, "node1", false)
	addNode(ctx, t, c, "node2", false)
	addPod(ctx, t, c, "waiting", nil)
	const msg = "0/2 nodes are available: 2 node(s) were not ready."
	eventually(t, "Unschedulable condition", func() error {
		p, err := c.CoreV1().Pods("default").Get(ctx, "waiting", metav1.GetOptions{})
		if err != nil {
			return err
		}
		for _, cond := range p.Status.Conditions {
			if cond.Type == corev1.PodScheduled && cond.Status == corev1.ConditionFalse &&
				cond.Reason == corev1.PodReasonUnschedulable && cond.Message == msg {
				return nil
			}
		}
		return fmt.Errorf("conditions %+v", p.Status.Conditions)
	})
	eventually(t, "FailedScheduling event", func() error { return findEvent(ctx, c, "waiting", "FailedScheduling", msg) })

	// A node turning Ready makes the pod schedulable at once, not after backoff.
	n, err := c.CoreV1().Nodes().Get(ctx, "node2", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	setReady(ctx, t, c, n, true)
	eventually(t, "bound after node became ready", func() error {
		n, err := nodeOf(ctx, c, "waiting")
		if err == nil && n != "node2" {
			return fmt.Errorf("bound to %s, want node2", n)
		}
		return err
	})
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("took %v to schedule after the node turned ready", d)
	}

	// A cordoned node and a tainted node give their own reasons.
	n, _ = c.CoreV1().Nodes().Get(ctx, "node2", metav1.GetOptions{})
	n.Spec.Unschedulable = true
	if _, err := c.CoreV1().Nodes().Update(ctx, n, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	addPod(ctx, t, c, "picky", func(p *corev1.Pod) {
		p.Spec.NodeSelector = map[string]string{"kubernetes.io/hostname": "node2"}
	})
	eventually(t, "FailedScheduling for cordoned node", func() error {
		return findEvent(ctx, c, "picky", "FailedScheduling",
			"0/2 nodes are available: 1 node(s) were not ready, 1 node(s) were unschedulable.")
	})
	if _, err := nodeOf(ctx, c, "picky"); err == nil || !strings.Contains(err.Error(), "not bound") {
		t.Fatalf("picky pod: %v", err)
	}
}
