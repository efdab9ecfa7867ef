package replicaset

import (
	"errors"
	"slices"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestSelectorFor(t *testing.T) {
	tests := []struct {
		name    string
		mutate  func(*appsv1.ReplicaSet)
		wantErr bool
	}{
		{name: "valid"},
		{name: "nil selector", mutate: func(rs *appsv1.ReplicaSet) { rs.Spec.Selector = nil }, wantErr: true},
		{name: "empty selector", mutate: func(rs *appsv1.ReplicaSet) { rs.Spec.Selector = &metav1.LabelSelector{} }, wantErr: true},
		{name: "template does not match", mutate: func(rs *appsv1.ReplicaSet) { rs.Spec.Template.Labels = map[string]string{"app": "other"} }, wantErr: true},
		{name: "bad expression", mutate: func(rs *appsv1.ReplicaSet) {
			rs.Spec.Selector.MatchExpressions = []metav1.LabelSelectorRequirement{{Key: "x", Operator: "Bogus"}}
		}, wantErr: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rs := testRS("web", 1)
			if tc.mutate != nil {
				tc.mutate(rs)
			}
			_, err := selectorFor(rs)
			if (err != nil) != tc.wantErr {
				t.Fatalf("selectorFor error = %v, want error %v", err, tc.wantErr)
			}
		})
	}
}

func TestClaim(t *testing.T) {
	rs := testRS("web", 3)
	other := testRS("other", 1)
	pods := []*corev1.Pod{
		testPod("owned", labeled("app", "web"), ownedBy(rs)),
		testPod("orphan", labeled("app", "web")),
		testPod("orphan-nomatch", labeled("app", "db")),
		testPod("owned-nomatch", labeled("app", "db"), ownedBy(rs)),
		testPod("foreign", labeled("app", "web"), ownedBy(other)),
		testPod("owned-terminating", labeled("app", "web"), ownedBy(rs), terminating()),
		testPod("orphan-terminating", labeled("app", "web"), terminating()),
		testPod("owned-succeeded", labeled("app", "web"), ownedBy(rs), phase(corev1.PodSucceeded)),
		testPod("other-ns", labeled("app", "web"), func(p *corev1.Pod) { p.Namespace = "kube-system" }),
	}
	tests := []struct {
		name         string
		deleting     bool
		owned, adopt []string
		release      []string
		terminating  int
	}{
		{name: "live", owned: []string{"owned"}, adopt: []string{"orphan"}, release: []string{"owned-nomatch"}, terminating: 1},
		{name: "being deleted", deleting: true, owned: []string{"owned"}, terminating: 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rs := rs.DeepCopy()
			if tc.deleting {
				ts := metav1.NewTime(t0)
				rs.DeletionTimestamp = &ts
			}
			sel, err := selectorFor(rs)
			if err != nil {
				t.Fatal(err)
			}
			c := claim(rs, sel, pods)
			if got := names(c.owned); !slices.Equal(got, tc.owned) {
				t.Errorf("owned = %v, want %v", got, tc.owned)
			}
			if got := names(c.adopt); !slices.Equal(got, tc.adopt) {
				t.Errorf("adopt = %v, want %v", got, tc.adopt)
			}
			if got := names(c.release); !slices.Equal(got, tc.release) {
				t.Errorf("release = %v, want %v", got, tc.release)
			}
			if c.terminating != tc.terminating {
				t.Errorf("terminating = %d, want %d", c.terminating, tc.terminating)
			}
		})
	}
}

func TestManage(t *testing.T) {
	rs := testRS("web", 3)
	mk := func(n int) []*corev1.Pod { return manyPods(rs, n) }
	tests := []struct {
		name       string
		replicas   *int32
		active     []*corev1.Pod
		burst      int
		wantCreate int
		wantDelete int
	}{
		{name: "steady", active: mk(3), burst: 500},
		{name: "scale up", active: mk(1), burst: 500, wantCreate: 2},
		{name: "scale up capped by burst", active: nil, replicas: ptr(int32(10)), burst: 4, wantCreate: 4},
		{name: "scale down", active: mk(5), burst: 500, wantDelete: 2},
		{name: "scale to zero", active: mk(5), replicas: ptr(int32(0)), burst: 500, wantDelete: 5},
		{name: "scale down capped by burst", active: mk(9), burst: 2, wantDelete: 2},
		{name: "nil replicas means one", active: nil, replicas: nil, burst: 500, wantCreate: 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rs := rs.DeepCopy()
			if tc.name == "nil replicas means one" {
				rs.Spec.Replicas = nil
			} else if tc.replicas != nil {
				rs.Spec.Replicas = tc.replicas
			}
			p := manage(rs, tc.active, tc.active, tc.burst)
			if p.create != tc.wantCreate || len(p.delete) != tc.wantDelete {
				t.Fatalf("manage = create %d delete %d, want create %d delete %d", p.create, len(p.delete), tc.wantCreate, tc.wantDelete)
			}
		})
	}
}

func ptr[T any](v T) *T { return &v }

func TestPodsToDeleteRanking(t *testing.T) {
	rs := testRS("web", 1)
	tests := []struct {
		name    string
		pods    []*corev1.Pod
		related []*corev1.Pod
		first   string
	}{
		{name: "unscheduled before scheduled", pods: []*corev1.Pod{
			testPod("scheduled", onNode("n1"), readySince(t0)), testPod("unscheduled"),
		}, first: "unscheduled"},
		{name: "pending before running", pods: []*corev1.Pod{
			testPod("running", onNode("n1"), running()), testPod("pending", onNode("n1")),
		}, first: "pending"},
		{name: "unknown before running", pods: []*corev1.Pod{
			testPod("running", onNode("n1"), running()), testPod("unknown", onNode("n1"), phase(corev1.PodUnknown)),
		}, first: "unknown"},
		{name: "not ready before ready", pods: []*corev1.Pod{
			testPod("ready", onNode("n1"), readySince(t0)), testPod("notready", onNode("n1"), running()),
		}, first: "notready"},
		{name: "doubled up before alone", pods: []*corev1.Pod{
			testPod("alone", onNode("n1"), readySince(t0)), testPod("crowded", onNode("n2"), readySince(t0)),
		}, related: []*corev1.Pod{
			testPod("alone", onNode("n1"), readySince(t0)), testPod("crowded", onNode("n2"), readySince(t0)),
			testPod("sibling", onNode("n2"), readySince(t0)),
		}, first: "crowded"},
		{name: "recently ready before long ready", pods: []*corev1.Pod{
			testPod("old-ready", onNode("n1"), readySince(t0)), testPod("new-ready", onNode("n2"), readySince(t0.Add(time.Minute))),
		}, first: "new-ready"},
		{name: "more restarts first", pods: []*corev1.Pod{
			testPod("calm", onNode("n1"), readySince(t0)), testPod("flappy", onNode("n2"), readySince(t0), restartCount(5)),
		}, first: "flappy"},
		{name: "newer first", pods: []*corev1.Pod{
			testPod("older", onNode("n1"), running()), testPod("newer", onNode("n2"), running(), created(t0.Add(time.Hour))),
		}, first: "newer"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			for _, p := range tc.pods {
				ownedBy(rs)(p)
			}
			for _, p := range tc.related {
				ownedBy(rs)(p)
			}
			related := tc.related
			if related == nil {
				related = tc.pods
			}
			for _, order := range [][]*corev1.Pod{tc.pods, reversed(tc.pods)} {
				got := podsToDelete(order, related, 1)
				if got[0].Name != tc.first {
					t.Errorf("first deleted = %s, want %s", got[0].Name, tc.first)
				}
			}
		})
	}
}

func reversed(in []*corev1.Pod) []*corev1.Pod {
	out := slices.Clone(in)
	slices.Reverse(out)
	return out
}

func TestComputeStatus(t *testing.T) {
	rs := testRS("web", 3)
	rs.Spec.MinReadySeconds = 10
	now := t0.Add(time.Minute)
	active := []*corev1.Pod{
		testPod("a", labeled("app", "web", "tier", "web"), readySince(t0)),                      // available
		testPod("b", labeled("app", "web", "tier", "web"), readySince(now.Add(-4*time.Second))), // ready, 6s to go
		testPod("c", labeled("app", "web"), running()),                                          // not fully labeled, not ready
	}
	st, wake := computeStatus(rs, active, 2, nil, now)
	if st.Replicas != 3 || st.FullyLabeledReplicas != 2 || st.ReadyReplicas != 2 || st.AvailableReplicas != 1 || st.ObservedGeneration != 1 {
		t.Errorf("status = %+v", st)
	}
	if st.TerminatingReplicas == nil || *st.TerminatingReplicas != 2 {
		t.Errorf("terminatingReplicas = %v, want 2", st.TerminatingReplicas)
	}
	if wake != 6*time.Second {
		t.Errorf("wake = %v, want 6s", wake)
	}

	t.Run("failure condition set and cleared", func(t *testing.T) {
		st, _ := computeStatus(rs, active[:1], 0, errors.New("quota exceeded"), now)
		c := findCondition(st.Conditions, appsv1.ReplicaSetReplicaFailure)
		if c == nil || c.Reason != ReasonFailedCreate || c.Message != "quota exceeded" || c.Status != corev1.ConditionTrue {
			t.Fatalf("ReplicaFailure = %+v", c)
		}
		failed := rs.DeepCopy()
		failed.Status = st
		st2, _ := computeStatus(failed, active, 0, nil, now)
		if findCondition(st2.Conditions, appsv1.ReplicaSetReplicaFailure) != nil {
			t.Fatalf("ReplicaFailure not cleared: %+v", st2.Conditions)
		}
	})
	t.Run("failed delete", func(t *testing.T) {
		small := rs.DeepCopy()
		small.Spec.Replicas = ptr(int32(1))
		st, _ := computeStatus(small, active, 0, errors.New("boom"), now)
		if c := findCondition(st.Conditions, appsv1.ReplicaSetReplicaFailure); c == nil || c.Reason != ReasonFailedDelete {
			t.Fatalf("ReplicaFailure = %+v", c)
		}
	})
}

func TestReconcile(t *testing.T) {
	rs := testRS("web", 3)
	tests := []struct {
		name       string
		pods       []*corev1.Pod
		needsSync  bool
		mutate     func(*appsv1.ReplicaSet)
		wantCreate int
		wantDelete int
		wantAdopt  int
		invalid    bool
	}{
		{name: "fresh", needsSync: true, wantCreate: 3},
		{name: "expectations pending", needsSync: false},
		{name: "orphans count after adoption", needsSync: true, wantCreate: 1, wantAdopt: 2, pods: []*corev1.Pod{
			testPod("o1", labeled("app", "web")), testPod("o2", labeled("app", "web")),
		}},
		{name: "terminating pods do not count", needsSync: true, wantCreate: 2, pods: []*corev1.Pod{
			testPod("t1", labeled("app", "web"), ownedBy(rs), terminating()),
			testPod("t2", labeled("app", "web"), ownedBy(rs), terminating()),
			testPod("live", labeled("app", "web"), ownedBy(rs)),
		}},
		{name: "too many", needsSync: true, wantDelete: 1, pods: manyPods(rs, 4)},
		{name: "being deleted does nothing", needsSync: true, mutate: func(rs *appsv1.ReplicaSet) {
			ts := metav1.NewTime(t0)
			rs.DeletionTimestamp = &ts
		}},
		{name: "invalid selector", needsSync: true, invalid: true, mutate: func(rs *appsv1.ReplicaSet) {
			rs.Spec.Template.Labels = nil
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rs := rs.DeepCopy()
			if tc.mutate != nil {
				tc.mutate(rs)
			}
			r := reconcile(rs, tc.pods, tc.pods, tc.needsSync, DefaultBurstReplicas, t0)
			if (r.invalid != nil) != tc.invalid {
				t.Fatalf("invalid = %v, want %v", r.invalid, tc.invalid)
			}
			if r.create != tc.wantCreate || len(r.delete) != tc.wantDelete || len(r.adopt) != tc.wantAdopt {
				t.Fatalf("got create %d delete %d adopt %d, want %d %d %d",
					r.create, len(r.delete), len(r.adopt), tc.wantCreate, tc.wantDelete, tc.wantAdopt)
			}
		})
	}
}

func TestNewPod(t *testing.T) {
	rs := testRS("web", 1)
	rs.Spec.Template.Annotations = map[string]string{"a": "b"}
	p := newPod(rs)
	if p.GenerateName != "web-" || p.Namespace != "default" || p.Labels["tier"] != "web" || p.Annotations["a"] != "b" {
		t.Fatalf("pod meta = %+v", p.ObjectMeta)
	}
	ref := metav1.GetControllerOf(p)
	if ref == nil || ref.UID != rs.UID || ref.Kind != "ReplicaSet" || ref.APIVersion != "apps/v1" ||
		ref.BlockOwnerDeletion == nil || !*ref.BlockOwnerDeletion {
		t.Fatalf("controller ref = %+v", ref)
	}
	p.Labels["tier"] = "changed"
	p.Spec.Containers[0].Image = "changed"
	if rs.Spec.Template.Labels["tier"] != "web" || rs.Spec.Template.Spec.Containers[0].Image != "nginx" {
		t.Fatal("newPod shares memory with the template")
	}
}

func TestSlowStart(t *testing.T) {
	tests := []struct {
		name     string
		count    int
		failAt   int // call number (1-based) that fails; 0 never
		wantDone int
		wantCall int
	}{
		{name: "all succeed", count: 10, wantDone: 10, wantCall: 10},
		{name: "first fails", count: 10, failAt: 1, wantDone: 0, wantCall: 1},
		// batches 1, 2, 4: call 4 fails in the third batch, which completes.
		{name: "third batch fails", count: 10, failAt: 4, wantDone: 6, wantCall: 7},
		{name: "zero", count: 0, wantDone: 0, wantCall: 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			calls := make(chan struct{}, 100)
			var n int
			var mu = make(chan struct{}, 1)
			done, err := slowStart(tc.count, 1, func() error {
				mu <- struct{}{}
				n++
				me := n
				<-mu
				calls <- struct{}{}
				if me == tc.failAt {
					return errors.New("fail")
				}
				return nil
			})
			if (err != nil) != (tc.failAt > 0) {
				t.Fatalf("err = %v", err)
			}
			if done != tc.wantDone || len(calls) != tc.wantCall {
				t.Fatalf("done %d calls %d, want %d %d", done, len(calls), tc.wantDone, tc.wantCall)
			}
		})
	}
}

func TestExpectations(t *testing.T) {
	now := t0
	e := newExpectations(func() time.Time { return now })
	if !e.satisfied("a") {
		t.Fatal("unknown key must be satisfied")
	}
	e.expectCreations("a", 2)
	e.creationObserved("a")
	if e.satisfied("a") {
		t.Fatal("satisfied with one creation outstanding")
	}
	e.creationObserved("a")
	if !e.satisfied("a") {
		t.Fatal("not satisfied after both creations")
	}
	e.expectDeletions("a", []string{"ns/p1", "ns/p2"})
	e.deletionObserved("a", "ns/p1")
	e.deletionObserved("a", "ns/p1") // the final delete after the terminating update
	e.deletionObserved("a", "ns/other")
	if adds, dels := e.pending("a"); adds != 0 || dels != 1 || e.satisfied("a") {
		t.Fatalf("pending = %d/%d, want 0/1", adds, dels)
	}
	now = now.Add(expectationsTTL + time.Second)
	if !e.satisfied("a") {
		t.Fatal("expired expectations must be satisfied")
	}
	e.forget("a")
	if adds, dels := e.pending("a"); adds != 0 || dels != 0 {
		t.Fatal("forget left a record")
	}
}

func BenchmarkReconcile1000Pods(b *testing.B) {
	rs := testRS("web", 900)
	pods := manyPods(rs, 1000)
	// A tenth are orphans to adopt, so claim does real work too.
	for _, p := range pods[:100] {
		p.OwnerReferences = nil
	}
	b.ReportAllocs()
	for b.Loop() {
		r := reconcile(rs, pods, pods, true, DefaultBurstReplicas, t0.Add(time.Hour))
		if len(r.delete) != 100 {
			b.Fatalf("delete = %d", len(r.delete))
		}
	}
}
