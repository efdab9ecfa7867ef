package deployment

import (
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// sim is a tiny cluster for the pure planner: ReplicaSets whose pods appear
// at once when scaled up, turn available one per ReplicaSet per tick, and
// (with lag) take one tick to disappear when scaled down.
type sim struct {
	t        *testing.T
	d        *appsv1.Deployment
	rss      map[string]*appsv1.ReplicaSet
	avail    map[string]int32
	lingered map[string]int32 // pods of a scaled-down ReplicaSet still terminating
	lag      bool
	now      time.Time
	events   []string
}

func newSim(t *testing.T, d *appsv1.Deployment, rss ...*appsv1.ReplicaSet) *sim {
	s := &sim{t: t, d: d, rss: map[string]*appsv1.ReplicaSet{}, avail: map[string]int32{}, lingered: map[string]int32{}, now: t0}
	for _, rs := range rss {
		s.rss[rs.Name] = rs
		s.avail[rs.Name] = rs.Status.AvailableReplicas
	}
	return s
}

func (s *sim) list() []*appsv1.ReplicaSet {
	var out []*appsv1.ReplicaSet
	for _, k := range slices.Sorted(maps.Keys(s.rss)) {
		out = append(out, s.rss[k])
	}
	return out
}

func (s *sim) podMap() map[types.UID][]*corev1.Pod {
	m := map[types.UID][]*corev1.Pod{}
	for name, rs := range s.rss {
		for range rs.Status.Replicas + s.lingered[name] {
			m[rs.UID] = append(m[rs.UID], &corev1.Pod{Status: corev1.PodStatus{Phase: corev1.PodRunning}})
		}
	}
	return m
}

// step runs one sync and applies its writes.
func (s *sim) step() *state {
	st := plan(s.d, s.list(), s.podMap(), s.now)
	for _, o := range st.ops {
		switch o.kind {
		case opCreate:
			rs := o.rs.DeepCopy()
			rs.UID = types.UID("uid-" + rs.Name)
			rs.CreationTimestamp = metav1.NewTime(s.now)
			s.rss[rs.Name] = rs
		case opUpdate:
			cur := s.rss[o.rs.Name]
			cur.Spec, cur.Annotations = o.rs.Spec, o.rs.Annotations
		case opDelete:
			delete(s.rss, o.rs.Name)
		}
		for _, e := range o.events {
			s.events = append(s.events, e.message)
		}
	}
	s.d.Annotations, s.d.Status = st.d.Annotations, st.d.Status
	// The ReplicaSet controller deletes surplus pods right away.
	for name, rs := range s.rss {
		if n := rsReplicas(rs); s.avail[name] > n {
			s.avail[name] = n
		}
		if n := rsReplicas(rs); rs.Status.Replicas > n {
			if s.lag {
				s.lingered[name] += rs.Status.Replicas - n
			}
			rs.Status.Replicas = n
		}
	}
	return st
}

// tick lets time pass: new pods appear, one pod per ReplicaSet turns
// available, terminating pods finish.
func (s *sim) tick() {
	s.lingered = map[string]int32{}
	for name, rs := range s.rss {
		n := rsReplicas(rs)
		rs.Status.Replicas = n
		if s.avail[name] < n {
			s.avail[name]++
		}
		rs.Status.ReadyReplicas, rs.Status.AvailableReplicas = s.avail[name], s.avail[name]
		rs.Status.ObservedGeneration = rs.Generation
	}
	s.now = s.now.Add(time.Second)
}

func (s *sim) available() (n int32) {
	for _, v := range s.avail {
		n += v
	}
	return n
}

func (s *sim) done() bool {
	c := getCondition(&s.d.Status, appsv1.DeploymentProgressing)
	return c != nil && c.Reason == ReasonNewRSAvailable && complete(withDefaults(s.d), &s.d.Status) && len(active(s.list())) == 1
}

// settle runs the deployment to a complete rollout, checking the rolling
// update guarantees after every sync.
func (s *sim) settle(checkAvailability bool) {
	s.t.Helper()
	d := withDefaults(s.d)
	for i := 0; i < 300; i++ {
		s.step()
		d = withDefaults(s.d)
		var total int32
		for _, rs := range s.rss {
			total += rsReplicas(rs)
		}
		if isRollingUpdate(d) {
			if limit := replicas(d) + maxSurge(d); total > limit {
				s.t.Fatalf("step %d: %d pods wanted, more than replicas+maxSurge = %d", i, total, limit)
			}
			if floor := replicas(d) - maxUnavailable(d); checkAvailability && s.available() < floor {
				s.t.Fatalf("step %d: %d pods available, fewer than replicas-maxUnavailable = %d", i, s.available(), floor)
			}
		}
		if s.done() {
			return
		}
		s.tick()
	}
	s.t.Fatalf("rollout did not complete: status %+v, sizes %v", s.d.Status, sizesOf(s.list()))
}

func sizesOf(rss []*appsv1.ReplicaSet) map[string]int32 {
	out := map[string]int32{}
	for _, rs := range rss {
		out[rs.Name] = rsReplicas(rs)
	}
	return out
}

func TestPlanNewDeployment(t *testing.T) {
	d := testDeployment(3, "nginx")
	st := plan(d, nil, nil, t0)
	if len(st.ops) != 1 || st.ops[0].kind != opCreate {
		t.Fatalf("ops = %+v", st.ops)
	}
	rs := st.ops[0].rs
	hash := ComputeHash(&d.Spec.Template, nil)
	if rs.Name != "web-"+hash || rsReplicas(rs) != 3 {
		t.Fatalf("created %s with %d replicas", rs.Name, rsReplicas(rs))
	}
	if rs.Annotations[RevisionAnnotation] != "1" || rs.Annotations[DesiredReplicasAnnotation] != "3" || rs.Annotations[MaxReplicasAnnotation] != "4" {
		t.Fatalf("annotations = %v", rs.Annotations)
	}
	if ev := st.ops[0].events; len(ev) != 1 || ev[0].message != fmt.Sprintf("Scaled up replica set web-%s from 0 to 3", hash) {
		t.Fatalf("events = %+v", ev)
	}
	if st.d.Annotations[RevisionAnnotation] != "1" {
		t.Fatalf("deployment annotations = %v", st.d.Annotations)
	}
	c := getCondition(&st.d.Status, appsv1.DeploymentProgressing)
	if c == nil || c.Reason != ReasonNewRSCreated || c.Message != fmt.Sprintf("Created new replica set %q", rs.Name) {
		t.Fatalf("Progressing = %+v", c)
	}
	a := getCondition(&st.d.Status, appsv1.DeploymentAvailable)
	if a == nil || a.Status != corev1.ConditionFalse || a.Reason != ReasonMinimumUnavailable {
		t.Fatalf("Available = %+v", a)
	}
	if st.d.Status.ObservedGeneration != 1 || st.d.Status.UnavailableReplicas != 3 {
		t.Fatalf("status = %+v", st.d.Status)
	}
	if st.requeueAfter <= 0 || st.requeueAfter > 601*time.Second {
		t.Fatalf("requeueAfter = %v, want the progress deadline", st.requeueAfter)
	}
}

func TestRolloutCompletes(t *testing.T) {
	s := newSim(t, testDeployment(2, "httpd"))
	s.settle(false)
	st := s.d.Status
	if st.Replicas != 2 || st.UpdatedReplicas != 2 || st.ReadyReplicas != 2 || st.AvailableReplicas != 2 || st.UnavailableReplicas != 0 {
		t.Fatalf("status = %+v", st)
	}
	a := getCondition(&st, appsv1.DeploymentAvailable)
	p := getCondition(&st, appsv1.DeploymentProgressing)
	rs := s.list()[0]
	if a.Status != corev1.ConditionTrue || a.Reason != ReasonMinimumAvailable || a.Message != "Deployment has minimum availability." {
		t.Errorf("Available = %+v", a)
	}
	if p.Status != corev1.ConditionTrue || p.Message != fmt.Sprintf("ReplicaSet %q has successfully progressed.", rs.Name) {
		t.Errorf("Progressing = %+v", p)
	}
	// Nothing more to do: another sync writes nothing.
	before := *s.d.DeepCopy()
	st2 := s.step()
	if len(st2.ops) != 0 || st2.requeueAfter != 0 {
		t.Fatalf("steady state sync: ops %+v, requeue %v", st2.ops, st2.requeueAfter)
	}
	if !reflect.DeepEqual(before.Status, st2.d.Status) || !reflect.DeepEqual(before.Annotations, st2.d.Annotations) {
		t.Fatalf("steady state sync changed the deployment:\n%+v\n%+v", before.Status, st2.d.Status)
	}
}

func TestRollingUpdateKeepsAvailability(t *testing.T) {
	tests := []struct {
		name               string
		replicas           int32
		surge, unavailable intstr.IntOrString
		lag                bool
	}{
		{"defaults, 3 replicas", 3, intstr.FromString("25%"), intstr.FromString("25%"), false},
		{"defaults, 10 replicas", 10, intstr.FromString("25%"), intstr.FromString("25%"), true},
		{"no surge", 5, intstr.FromInt32(0), intstr.FromInt32(1), true},
		{"surge only", 4, intstr.FromString("100%"), intstr.FromInt32(0), false},
		{"both zero", 2, intstr.FromInt32(0), intstr.FromInt32(0), true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := rolling(testDeployment(tc.replicas, "nginx:1"), tc.surge, tc.unavailable)
			s := newSim(t, d)
			s.lag = tc.lag
			s.settle(false)
			first := s.list()[0].Name
			// Change the image: a second ReplicaSet takes over.
			d.Spec.Template.Spec.Containers[0].Image = "nginx:2"
			d.Generation++
			s.settle(true)
			if len(s.rss) != 2 {
				t.Fatalf("replicasets = %v", sizesOf(s.list()))
			}
			for _, rs := range s.rss {
				want := tc.replicas
				if rs.Name == first {
					want = 0
				}
				if rsReplicas(rs) != want {
					t.Errorf("%s has %d replicas, want %d", rs.Name, rsReplicas(rs), want)
				}
				if rs.Name != first && rs.Annotations[RevisionAnnotation] != "2" {
					t.Errorf("new replicaset revision = %q", rs.Annotations[RevisionAnnotation])
				}
			}
			if s.d.Annotations[RevisionAnnotation] != "2" {
				t.Errorf("deployment revision = %q", s.d.Annotations[RevisionAnnotation])
			}
		})
	}
}

func TestRecreate(t *testing.T) {
	d := testDeployment(3, "nginx:1")
	d.Spec.Strategy = appsv1.DeploymentStrategy{Type: appsv1.RecreateDeploymentStrategyType}
	s := newSim(t, d)
	s.lag = true
	s.settle(false)
	old := s.list()[0].Name
	d.Spec.Template.Spec.Containers[0].Image = "nginx:2"
	d.Generation++
	for i := 0; i < 50 && !s.done(); i++ {
		s.step()
		oldPods := s.rss[old].Status.Replicas + s.lingered[old]
		for name, rs := range s.rss {
			if name != old && rsReplicas(rs) > 0 && oldPods > 0 {
				t.Fatalf("step %d: new replicaset %s scaled to %d while %d old pods remain", i, name, rsReplicas(rs), oldPods)
			}
		}
		s.tick()
	}
	if !s.done() {
		t.Fatalf("recreate did not complete: %+v", s.d.Status)
	}
	if want := "Scaled down replica set " + old + " from 3 to 0"; !slices.Contains(s.events, want) {
		t.Fatalf("events %q lack %q", s.events, want)
	}
}

func TestScaling(t *testing.T) {
	t.Run("single replicaset follows spec.replicas", func(t *testing.T) {
		d := testDeployment(3, "nginx")
		s := newSim(t, d)
		s.settle(false)
		d.Spec.Replicas = ptr(int32(5))
		d.Generation++
		st := s.step()
		rs := s.list()[0]
		if rsReplicas(rs) != 5 || rs.Annotations[DesiredReplicasAnnotation] != "5" || rs.Annotations[MaxReplicasAnnotation] != "7" {
			t.Fatalf("replicaset %d replicas, annotations %v", rsReplicas(rs), rs.Annotations)
		}
		if len(st.ops) != 1 || st.ops[0].events[0].message != fmt.Sprintf("Scaled up replica set %s from 3 to 5", rs.Name) {
			t.Fatalf("ops = %+v", st.ops)
		}
		s.settle(false)
		d.Spec.Replicas = ptr(int32(1))
		s.settle(false)
		if rsReplicas(s.list()[0]) != 1 {
			t.Fatalf("scaled down to %d", rsReplicas(s.list()[0]))
		}
	})
	t.Run("proportional mid-rollout", func(t *testing.T) {
		// The Kubernetes documentation's example: 10 replicas, maxSurge 3,
		// maxUnavailable 2, caught mid-rollout with 8 old and 5 new, scaled
		// to 15: the 5 extra go 3 to the old and 2 to the new ReplicaSet.
		d := rolling(testDeployment(15, "nginx:2"), intstr.FromInt32(3), intstr.FromInt32(2))
		old := annotateSize(rsFor(d, "nginx:1", 1, 0, 8, 8), 10, 13)
		cur := annotateSize(rsFor(d, "nginx:2", 2, 1, 5, 0), 10, 13)
		st := plan(d, []*appsv1.ReplicaSet{old, cur}, nil, t0)
		got := sizes(st)
		if got[old.Name] != 11 || got[cur.Name] != 7 {
			t.Fatalf("sizes = %v, want old 11, new 7", got)
		}
		for _, rs := range st.all() {
			if rs.Annotations[DesiredReplicasAnnotation] != "15" || rs.Annotations[MaxReplicasAnnotation] != "18" {
				t.Errorf("%s annotations = %v", rs.Name, rs.Annotations)
			}
		}
	})
	t.Run("proportional scale down", func(t *testing.T) {
		d := rolling(testDeployment(5, "nginx:2"), intstr.FromInt32(3), intstr.FromInt32(2))
		old := annotateSize(rsFor(d, "nginx:1", 1, 0, 8, 8), 10, 13)
		cur := annotateSize(rsFor(d, "nginx:2", 2, 1, 5, 0), 10, 13)
		st := plan(d, []*appsv1.ReplicaSet{old, cur}, nil, t0)
		got := sizes(st)
		if got[old.Name]+got[cur.Name] != 8 || got[old.Name] != 5 || got[cur.Name] != 3 {
			t.Fatalf("sizes = %v, want old 5, new 3 (total 5+3 surge)", got)
		}
	})
}

func ptr[T any](v T) *T { return &v }

func TestProgressDeadline(t *testing.T) {
	d := testDeployment(2, "nginx:1")
	d.Spec.ProgressDeadlineSeconds = ptr(int32(30))
	s := newSim(t, d)
	s.step() // creates the ReplicaSet; its pods never become available
	for range 3 {
		s.now = s.now.Add(20 * time.Second)
		s.step()
	}
	c := getCondition(&s.d.Status, appsv1.DeploymentProgressing)
	if c == nil || c.Status != corev1.ConditionFalse || c.Reason != ReasonTimedOut ||
		!strings.HasSuffix(c.Message, "has timed out progressing.") {
		t.Fatalf("Progressing = %+v", c)
	}
	// Progress resumes: the condition turns back to True.
	s.tick()
	s.step()
	if c := getCondition(&s.d.Status, appsv1.DeploymentProgressing); c.Status != corev1.ConditionTrue || c.Reason != ReasonRSUpdated {
		t.Fatalf("Progressing after progress = %+v", c)
	}
}

func TestPaused(t *testing.T) {
	d := testDeployment(2, "nginx:1")
	s := newSim(t, d)
	s.settle(false)
	d.Spec.Paused = true
	d.Spec.Template.Spec.Containers[0].Image = "nginx:2"
	d.Generation++
	st := s.step()
	if len(s.rss) != 1 || len(st.ops) != 0 {
		t.Fatalf("paused deployment rolled out: ops %+v", st.ops)
	}
	c := getCondition(&s.d.Status, appsv1.DeploymentProgressing)
	if c.Status != corev1.ConditionUnknown || c.Reason != ReasonPaused {
		t.Fatalf("Progressing = %+v", c)
	}
	d.Spec.Paused = false
	s.settle(true)
	if len(s.rss) != 2 {
		t.Fatalf("resumed deployment did not roll out: %v", sizesOf(s.list()))
	}
}

func TestRevisionHistoryCleanup(t *testing.T) {
	d := testDeployment(1, "nginx:cur")
	d.Spec.RevisionHistoryLimit = ptr(int32(2))
	var rss []*appsv1.ReplicaSet
	for i := 1; i <= 5; i++ {
		rss = append(rss, rsFor(d, fmt.Sprintf("nginx:%d", i), i, i, 0, 0))
	}
	busy := rsFor(d, "nginx:busy", 6, 6, 0, 0)
	busy.Status.Replicas = 1 // its last pod is still terminating
	cur := annotateSize(rsFor(d, "nginx:cur", 7, 7, 1, 1), 1, 2)
	d.Status = appsv1.DeploymentStatus{ObservedGeneration: 1, Replicas: 1, UpdatedReplicas: 1, AvailableReplicas: 1, ReadyReplicas: 1}
	st := plan(d, append(rss, busy, cur), nil, t0)
	var deleted []string
	for _, o := range st.ops {
		if o.kind == opDelete {
			deleted = append(deleted, o.rs.Annotations[RevisionAnnotation])
		}
	}
	// 6 old ReplicaSets, limit 2: the 4 oldest revisions go.
	if !slices.Equal(deleted, []string{"1", "2", "3", "4"}) {
		t.Fatalf("deleted revisions %v, want 1-4", deleted)
	}
}

func TestRollbackReusesReplicaSet(t *testing.T) {
	d := testDeployment(2, "nginx:1")
	v1 := annotateSize(rsFor(d, "nginx:1", 1, 0, 0, 0), 2, 3)
	v2 := annotateSize(rsFor(d, "nginx:2", 2, 1, 2, 2), 2, 3)
	st := plan(d, []*appsv1.ReplicaSet{v1, v2}, nil, t0)
	for _, o := range st.ops {
		if o.kind == opCreate {
			t.Fatalf("created %s instead of reusing the old ReplicaSet", o.rs.Name)
		}
	}
	if st.newRS.Name != v1.Name || st.newRS.Annotations[RevisionAnnotation] != "3" || st.newRS.Annotations[RevisionHistoryAnnotation] != "1" {
		t.Fatalf("new = %s annotations %v", st.newRS.Name, st.newRS.Annotations)
	}
	if st.d.Annotations[RevisionAnnotation] != "3" || rsReplicas(st.newRS) != 1 {
		t.Fatalf("deployment revision %q, new size %d", st.d.Annotations[RevisionAnnotation], rsReplicas(st.newRS))
	}
}

func TestDeletingDeploymentOnlyUpdatesStatus(t *testing.T) {
	d := testDeployment(2, "nginx:2")
	now := metav1.NewTime(t0)
	d.DeletionTimestamp = &now
	old := annotateSize(rsFor(d, "nginx:1", 1, 0, 2, 2), 2, 3)
	st := plan(d, []*appsv1.ReplicaSet{old}, nil, t0)
	for _, o := range st.ops {
		if o.kind != opUpdate || o.rs.Spec.Replicas == nil || *o.rs.Spec.Replicas != 2 {
			t.Fatalf("deleting deployment planned %v of %s", o.kind, o.rs.Name)
		}
	}
	if st.d.Status.Replicas != 2 || st.d.Status.UpdatedReplicas != 0 {
		t.Fatalf("status = %+v", st.d.Status)
	}
}
