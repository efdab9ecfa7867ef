package nodelifecycle_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/client-go/informers"

	"github.com/svcnet/svcnet/pkg/controller/nodelifecycle"
	"github.com/svcnet/svcnet/pkg/server/servertest"
)

const grace = 2 * time.Second

func eventually(t *testing.T, what string, cond func() (bool, string)) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		ok, state := cond()
		if ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s; last state: %s", what, state)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// renew writes the node's heartbeat Lease with renewTime now.
func renew(t *testing.T, ctx context.Context, ts *servertest.TestServer, name string) {
	t.Helper()
	now := metav1.NewMicroTime(time.Now())
	leases := ts.Client.CoordinationV1().Leases(corev1.NamespaceNodeLease)
	l, err := leases.Get(ctx, name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		l = &coordinationv1.Lease{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: corev1.NamespaceNodeLease},
			Spec: coordinationv1.LeaseSpec{HolderIdentity: &name, RenewTime: &now}}
		_, err = leases.Create(ctx, l, metav1.CreateOptions{})
	} else if err == nil {
		l.Spec.RenewTime = &now
		_, err = leases.Update(ctx, l, metav1.UpdateOptions{})
	}
	if err != nil {
		t.Fatalf("renewing lease: %v", err)
	}
}

type state struct {
	ready, podReady corev1.ConditionStatus
	reason          string
	tainted         bool
}

func (s state) String() string {
	return fmt.Sprintf("node Ready=%s (%s) tainted=%v pod Ready=%s", s.ready, s.reason, s.tainted, s.podReady)
}

func observe(t *testing.T, ctx context.Context, ts *servertest.TestServer) state {
	t.Helper()
	n, err := ts.Client.CoreV1().Nodes().Get(ctx, "worker", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	p, err := ts.Client.CoreV1().Pods("default").Get(ctx, "web", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var s state
	for _, c := range n.Status.Conditions {
		if c.Type == corev1.NodeReady {
			s.ready, s.reason = c.Status, c.Reason
		}
	}
	for _, tt := range n.Spec.Taints {
		s.tainted = s.tainted || (tt.Key == corev1.TaintNodeUnreachable && tt.Effect == corev1.TaintEffectNoSchedule)
	}
	for _, c := range p.Status.Conditions {
		if c.Type == corev1.PodReady {
			s.podReady = c.Status
		}
	}
	return s
}

func hasEvent(ctx context.Context, ts *servertest.TestServer, reason string) (bool, string) {
	evs, err := ts.Client.CoreV1().Events("").List(ctx, metav1.ListOptions{
		FieldSelector: fields.OneTermEqualSelector("involvedObject.name", "worker").String()})
	if err != nil {
		return false, err.Error()
	}
	var seen []string
	for _, e := range evs.Items {
		if e.Reason == reason && e.InvolvedObject.Kind == "Node" {
			return true, ""
		}
		seen = append(seen, e.Reason)
	}
	return false, fmt.Sprint(seen)
}

func TestLostHeartbeat(t *testing.T) {
	ts := servertest.Start(t, servertest.WithoutControllers())
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()

	// A node that posted Ready, its lease, and a ready pod bound to it.
	n, err := ts.Client.CoreV1().Nodes().Create(ctx, &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "worker"}}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	n.Status.Conditions = []corev1.NodeCondition{{Type: corev1.NodeReady, Status: corev1.ConditionTrue, Reason: "KubeletReady",
		LastHeartbeatTime: metav1.Now(), LastTransitionTime: metav1.Now()}}
	if _, err := ts.Client.CoreV1().Nodes().UpdateStatus(ctx, n, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := ts.Client.CoreV1().Namespaces().Get(ctx, corev1.NamespaceNodeLease, metav1.GetOptions{}); apierrors.IsNotFound(err) {
		if _, err := ts.Client.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: corev1.NamespaceNodeLease}}, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	renew(t, ctx, ts, "worker")
	pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "default"},
		Spec: corev1.PodSpec{NodeName: "worker", Containers: []corev1.Container{{Name: "c", Image: "nginx"}}}}
	pod, err = ts.Client.CoreV1().Pods("default").Create(ctx, pod, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	pod.Status.Phase = corev1.PodRunning
	pod.Status.Conditions = []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionTrue}}
	if _, err := ts.Client.CoreV1().Pods("default").UpdateStatus(ctx, pod, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}

	f := informers.NewSharedInformerFactory(ts.Client, 0)
	c, err := nodelifecycle.New(nodelifecycle.Config{Client: ts.Client, Informers: f, GracePeriod: grace})
	if err != nil {
		t.Fatal(err)
	}
	f.Start(ctx.Done())
	done := make(chan struct{})
	go func() { defer close(done); c.Run(ctx, 2) }()
	defer func() { cancel(); <-done; f.Shutdown() }()

	// While heartbeats keep coming, the node stays Ready well past the
	// grace period.
	var lastRenew time.Time
	for range 8 {
		renew(t, ctx, ts, "worker")
		lastRenew = time.Now()
		time.Sleep(grace / 4)
	}
	if s := observe(t, ctx, ts); s.ready != corev1.ConditionTrue || s.tainted || s.podReady != corev1.ConditionTrue {
		t.Fatalf("with heartbeats: %v", s)
	}

	// Heartbeats stop: NotReady, tainted, pod not ready, NodeNotReady event.
	// The grace period runs from the last renewal, not from now.
	lost := lastRenew
	eventually(t, "the node to turn NotReady", func() (bool, string) {
		s := observe(t, ctx, ts)
		return s.ready == corev1.ConditionUnknown && s.reason == nodelifecycle.ReasonNodeStatusUnknown &&
			s.tainted && s.podReady == corev1.ConditionFalse, s.String()
	})
	if d := time.Since(lost); d < grace-500*time.Millisecond {
		t.Errorf("node turned NotReady %v after the last heartbeat, before the %v grace period", d, grace)
	}
	n, _ = ts.Client.CoreV1().Nodes().Get(ctx, "worker", metav1.GetOptions{})
	for _, cond := range n.Status.Conditions {
		if cond.Type == corev1.NodeReady && cond.Message != "Kubelet stopped posting node status." {
			t.Errorf("Ready message = %q", cond.Message)
		}
	}
	eventually(t, "a NodeNotReady event", func() (bool, string) { return hasEvent(ctx, ts, nodelifecycle.EventNodeNotReady) })

	// Heartbeats return: everything turns back.
	renew(t, ctx, ts, "worker")
	eventually(t, "the node to turn Ready", func() (bool, string) {
		s := observe(t, ctx, ts)
		return s.ready == corev1.ConditionTrue && !s.tainted && s.podReady == corev1.ConditionTrue, s.String()
	})
	eventually(t, "a NodeReady event", func() (bool, string) { return hasEvent(ctx, ts, nodelifecycle.EventNodeReady) })
}
