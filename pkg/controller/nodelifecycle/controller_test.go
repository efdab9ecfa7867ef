package nodelifecycle

import (
	"context"
	"strings"
	"testing"
	"time"

	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes/fake"
	"k8s.io/client-go/tools/record"
	clocktesting "k8s.io/utils/clock/testing"
)

// TestControllerWithFakes drives the whole controller against the fake
// clientset with a fake clock: the grace period passes without a real wait.
func TestControllerWithFakes(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	clk := clocktesting.NewFakeClock(t0)
	n := node(readyCond(corev1.ConditionTrue, "KubeletReady", t0))
	n.CreationTimestamp = metav1.NewTime(t0.Add(-time.Hour))
	client := fake.NewClientset(n, lease(t0), pod("web", corev1.PodRunning, corev1.ConditionTrue, ""))
	f := informers.NewSharedInformerFactory(client, 0)
	rec := record.NewFakeRecorder(10)
	c, err := New(Config{Client: client, Informers: f, GracePeriod: grace, Clock: clk, Recorder: rec})
	if err != nil {
		t.Fatal(err)
	}
	f.Start(ctx.Done())
	done := make(chan struct{})
	go func() { defer close(done); c.Run(ctx, 1) }()
	defer func() { cancel(); <-done; f.Shutdown() }()

	state := func() (corev1.ConditionStatus, bool, corev1.ConditionStatus) {
		n, err := client.CoreV1().Nodes().Get(ctx, "n1", metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		p, err := client.CoreV1().Pods("default").Get(ctx, "web", metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		tainted := false
		for _, tt := range n.Spec.Taints {
			tainted = tainted || tt.MatchTaint(&unreachableTaint)
		}
		return readyCondition(n).Status, tainted, p.Status.Conditions[podReadyIndex(p)].Status
	}
	// waitFor polls, advancing the fake clock by step each time.
	waitFor := func(what string, step time.Duration, nodeReady corev1.ConditionStatus, tainted bool, podReady corev1.ConditionStatus) {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for {
			r, tn, pr := state()
			if r == nodeReady && tn == tainted && pr == podReady {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s: node Ready=%s tainted=%v pod Ready=%s", what, r, tn, pr)
			}
			clk.Step(step)
			time.Sleep(10 * time.Millisecond)
		}
	}
	expectEvent := func(reason string) {
		t.Helper()
		select {
		case e := <-rec.Events:
			if !strings.Contains(e, reason) {
				t.Fatalf("event %q, want %s", e, reason)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("no %s event", reason)
		}
	}

	// Wait until the controller has started (and so timed its start at
	// t0), then let the lease age by 39s: still Ready.
	for {
		c.startMu.Lock()
		started := c.started
		c.startMu.Unlock()
		if !started.IsZero() {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	clk.Step(39 * time.Second)
	time.Sleep(100 * time.Millisecond)
	waitFor("before the grace period", 0, corev1.ConditionTrue, false, corev1.ConditionTrue)

	// Past the grace period; the re-check scheduled by the last sync fires.
	clk.Step(time.Second)
	waitFor("after the grace period", 100*time.Millisecond, corev1.ConditionUnknown, true, corev1.ConditionFalse)
	expectEvent(EventNodeNotReady)

	renew := metav1.NewMicroTime(clk.Now())
	l := &coordinationv1.Lease{ObjectMeta: metav1.ObjectMeta{Name: "n1", Namespace: LeaseNamespace}, Spec: coordinationv1.LeaseSpec{RenewTime: &renew}}
	if _, err := client.CoordinationV1().Leases(LeaseNamespace).Update(ctx, l, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	waitFor("after the heartbeat returned", 0, corev1.ConditionTrue, false, corev1.ConditionTrue)
	expectEvent(EventNodeReady)
}
