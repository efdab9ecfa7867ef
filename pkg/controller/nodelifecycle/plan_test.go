package nodelifecycle

import (
	"testing"
	"time"

	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

var t0 = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

const grace = 40 * time.Second

func node(ready *corev1.NodeCondition, taints ...corev1.Taint) *corev1.Node {
	n := &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "n1", CreationTimestamp: metav1.NewTime(t0.Add(-time.Hour))}}
	n.Spec.Taints = taints
	if ready != nil {
		n.Status.Conditions = []corev1.NodeCondition{
			{Type: corev1.NodeMemoryPressure, Status: corev1.ConditionFalse},
			*ready,
		}
	}
	return n
}

func readyCond(status corev1.ConditionStatus, reason string, beat time.Time) *corev1.NodeCondition {
	return &corev1.NodeCondition{Type: corev1.NodeReady, Status: status, Reason: reason, LastHeartbeatTime: metav1.NewTime(beat)}
}

func lease(renew time.Time) *coordinationv1.Lease {
	r := metav1.NewMicroTime(renew)
	return &coordinationv1.Lease{ObjectMeta: metav1.ObjectMeta{Name: "n1", Namespace: LeaseNamespace}, Spec: coordinationv1.LeaseSpec{RenewTime: &r}}
}

func pod(name string, phase corev1.PodPhase, ready corev1.ConditionStatus, reason string) *corev1.Pod {
	p := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "default"}, Spec: corev1.PodSpec{NodeName: "n1"}}
	p.Status.Phase = phase
	if ready != "" {
		p.Status.Conditions = []corev1.PodCondition{{Type: corev1.PodReady, Status: ready, Reason: reason}}
	}
	return p
}

var otherTaint = corev1.Taint{Key: "dedicated", Value: "db", Effect: corev1.TaintEffectNoSchedule}

func TestDecide(t *testing.T) {
	old := t0.Add(-time.Hour)
	type podWant struct {
		name   string
		status corev1.ConditionStatus
		reason string
	}
	for _, tc := range []struct {
		name    string
		in      input
		ready   *corev1.NodeCondition // wanted Ready (status, reason) or nil for no change
		taint   *bool                 // wanted presence of the unreachable taint, nil for no change
		keep    []corev1.Taint        // other taints that must survive
		pods    []podWant
		event   string
		requeue time.Duration
	}{
		{
			name:    "fresh lease: nothing to do, look again when it expires",
			in:      input{Node: node(readyCond(corev1.ConditionTrue, "KubeletReady", old)), Lease: lease(t0.Add(-10 * time.Second))},
			requeue: 30 * time.Second,
		},
		{
			name:  "stale lease: Unknown, tainted, Ready pods not ready",
			in:    input{Node: node(readyCond(corev1.ConditionTrue, "KubeletReady", old), otherTaint), Lease: lease(t0.Add(-41 * time.Second)), Pods: []*corev1.Pod{pod("ready", corev1.PodRunning, corev1.ConditionTrue, ""), pod("unready", corev1.PodRunning, corev1.ConditionFalse, "ContainersNotReady"), pod("done", corev1.PodSucceeded, corev1.ConditionTrue, ""), pod("noconds", corev1.PodPending, "", "")}},
			ready: readyCond(corev1.ConditionUnknown, ReasonNodeStatusUnknown, old),
			taint: ptr(true), keep: []corev1.Taint{otherTaint},
			pods:  []podWant{{"ready", corev1.ConditionFalse, ReasonPodNodeUnreachable}},
			event: EventNodeNotReady,
		},
		{
			name:  "exactly at the grace period is stale",
			in:    input{Node: node(readyCond(corev1.ConditionTrue, "KubeletReady", old)), Lease: lease(t0.Add(-grace))},
			ready: readyCond(corev1.ConditionUnknown, ReasonNodeStatusUnknown, old),
			taint: ptr(true), event: EventNodeNotReady,
		},
		{
			name:  "no lease, stale Ready heartbeat",
			in:    input{Node: node(readyCond(corev1.ConditionFalse, "KubeletNotReady", old))},
			ready: readyCond(corev1.ConditionUnknown, ReasonNodeStatusUnknown, old),
			taint: ptr(true), event: EventNodeNotReady,
		},
		{
			name:    "no lease, fresh Ready heartbeat",
			in:      input{Node: node(readyCond(corev1.ConditionTrue, "KubeletReady", t0.Add(-5*time.Second)))},
			requeue: 35 * time.Second,
		},
		{
			name:  "never posted anything",
			in:    input{Node: node(nil)},
			ready: readyCond(corev1.ConditionUnknown, ReasonNodeStatusNeverUpdated, time.Time{}),
			taint: ptr(true), event: EventNodeNotReady,
		},
		{
			name:    "controller just started: full grace period from start",
			in:      input{Node: node(readyCond(corev1.ConditionTrue, "KubeletReady", old)), Lease: lease(old), Started: t0.Add(-time.Second)},
			requeue: 39 * time.Second,
		},
		{
			name: "already unknown and tainted: converged, pods newly bound are marked",
			in: input{Node: node(readyCond(corev1.ConditionUnknown, ReasonNodeStatusUnknown, old), unreachableTaint), Lease: lease(old),
				Pods: []*corev1.Pod{pod("late", corev1.PodRunning, corev1.ConditionTrue, ""), pod("marked", corev1.PodRunning, corev1.ConditionFalse, ReasonPodNodeUnreachable)}},
			pods: []podWant{{"late", corev1.ConditionFalse, ReasonPodNodeUnreachable}},
		},
		{
			name: "heartbeat returns: Ready, untainted, only marked pods Ready again",
			in: input{Node: node(readyCond(corev1.ConditionUnknown, ReasonNodeStatusUnknown, old), otherTaint, unreachableTaint), Lease: lease(t0.Add(-time.Second)),
				Pods: []*corev1.Pod{pod("marked", corev1.PodRunning, corev1.ConditionFalse, ReasonPodNodeUnreachable), pod("own", corev1.PodRunning, corev1.ConditionFalse, "ContainersNotReady")}},
			ready: readyCond(corev1.ConditionTrue, ReasonHeartbeatResumed, t0.Add(-time.Second)),
			taint: ptr(false), keep: []corev1.Taint{otherTaint},
			pods:  []podWant{{"marked", corev1.ConditionTrue, ""}},
			event: EventNodeReady, requeue: 39 * time.Second,
		},
		{
			name:    "unknown set by someone else is left alone",
			in:      input{Node: node(readyCond(corev1.ConditionUnknown, "SomethingElse", old), unreachableTaint), Lease: lease(t0)},
			requeue: grace,
		},
		{
			name:    "stray taint on a healthy node is removed",
			in:      input{Node: node(readyCond(corev1.ConditionTrue, "KubeletReady", old), unreachableTaint), Lease: lease(t0)},
			taint:   ptr(false),
			requeue: grace,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := tc.in
			in.Now, in.Grace = t0, grace
			p := decide(in)
			switch {
			case tc.ready == nil && p.Ready != nil:
				t.Errorf("Ready changed to %+v, want no change", p.Ready)
			case tc.ready != nil && p.Ready == nil:
				t.Errorf("Ready unchanged, want %s/%s", tc.ready.Status, tc.ready.Reason)
			case tc.ready != nil:
				if p.Ready.Status != tc.ready.Status || p.Ready.Reason != tc.ready.Reason || !p.Ready.LastHeartbeatTime.Equal(&tc.ready.LastHeartbeatTime) {
					t.Errorf("Ready = %s/%s heartbeat %v, want %s/%s heartbeat %v", p.Ready.Status, p.Ready.Reason, p.Ready.LastHeartbeatTime, tc.ready.Status, tc.ready.Reason, tc.ready.LastHeartbeatTime)
				}
				if !p.Ready.LastTransitionTime.Time.Equal(t0) {
					t.Errorf("LastTransitionTime = %v, want now", p.Ready.LastTransitionTime)
				}
			}
			if tc.taint == nil && p.SetTaints {
				t.Errorf("taints changed to %v, want no change", p.Taints)
			}
			if tc.taint != nil {
				if !p.SetTaints {
					t.Fatalf("taints unchanged, want unreachable=%v", *tc.taint)
				}
				has := false
				for _, tt := range p.Taints {
					has = has || tt.MatchTaint(&unreachableTaint)
				}
				if has != *tc.taint {
					t.Errorf("unreachable taint present = %v, want %v", has, *tc.taint)
				}
				for _, k := range tc.keep {
					found := false
					for _, tt := range p.Taints {
						found = found || tt.MatchTaint(&k)
					}
					if !found {
						t.Errorf("taint %v was dropped", k)
					}
				}
			}
			if len(p.Pods) != len(tc.pods) {
				t.Fatalf("changed %d pods, want %d", len(p.Pods), len(tc.pods))
			}
			for i, w := range tc.pods {
				got := p.Pods[i]
				c := got.Status.Conditions[podReadyIndex(got)]
				if got.Name != w.name || c.Status != w.status || c.Reason != w.reason {
					t.Errorf("pod %d = %s Ready %s/%s, want %s %s/%s", i, got.Name, c.Status, c.Reason, w.name, w.status, w.reason)
				}
			}
			for _, orig := range tc.in.Pods {
				if c := orig.Status.Conditions; len(c) > 0 && c[0].LastTransitionTime.Time.Equal(t0) {
					t.Errorf("decide modified its input pod %s", orig.Name)
				}
			}
			if p.Event != tc.event {
				t.Errorf("event = %q, want %q", p.Event, tc.event)
			}
			if p.RequeueAfter != tc.requeue {
				t.Errorf("RequeueAfter = %v, want %v", p.RequeueAfter, tc.requeue)
			}
		})
	}
}

func ptr[T any](v T) *T { return &v }
