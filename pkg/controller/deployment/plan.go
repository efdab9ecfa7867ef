package deployment

import (
	"fmt"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
)

// controllerKind is the kind written into the ownerReferences of the
// ReplicaSets a Deployment creates or adopts.
var controllerKind = appsv1.SchemeGroupVersion.WithKind("Deployment")

type opKind int

const (
	opCreate opKind = iota
	opUpdate
	opDelete
)

func (k opKind) String() string {
	return [...]string{"create", "update", "delete"}[k]
}

// event is a Kubernetes event the controller records on the Deployment
// once the write it describes has succeeded.
type event struct {
	kind, reason, message string
}

// op is one ReplicaSet write. rs is the object to send (create, update) or
// to delete.
type op struct {
	kind   opKind
	rs     *appsv1.ReplicaSet
	events []event
}

// state is one sync's working copy: the Deployment and its ReplicaSets as
// the sync will leave them, and the writes that get them there. Every
// ReplicaSet in it is a private copy that the plan may change in place.
type state struct {
	d        *appsv1.Deployment      // defaulted copy; its metadata and status are written back
	observed appsv1.DeploymentStatus // the status as the sync found it
	rsList   []*appsv1.ReplicaSet    // every ReplicaSet the Deployment controls, oldest first
	newRS    *appsv1.ReplicaSet      // nil until found or planned
	old      []*appsv1.ReplicaSet    // all but newRS
	podMap   map[types.UID][]*corev1.Pod
	now      time.Time

	ops          []*op
	requeueAfter time.Duration
}

// plan computes one sync of a Deployment. rsList are the ReplicaSets it
// controls (after adoption); podMap holds their pods by ReplicaSet UID (used
// by Recreate to wait for old pods to be gone).
func plan(d *appsv1.Deployment, rsList []*appsv1.ReplicaSet, podMap map[types.UID][]*corev1.Pod, now time.Time) *state {
	s := &state{d: withDefaults(d), observed: *d.Status.DeepCopy(), podMap: podMap, now: now}
	for _, rs := range rsList {
		s.rsList = append(s.rsList, rs.DeepCopy())
	}
	byCreation(s.rsList)
	s.classify()
	if s.d.DeletionTimestamp != nil {
		s.syncRevision(false)
		s.syncStatus()
		return s
	}
	s.checkPausedConditions()
	if s.d.Spec.Paused || s.isScalingEvent() {
		s.syncRevision(false)
		s.scale()
		if s.d.Spec.Paused {
			s.cleanup()
		}
		s.syncStatus()
		return s
	}
	if s.d.Spec.Strategy.Type == appsv1.RecreateDeploymentStrategyType {
		s.rolloutRecreate()
	} else {
		s.rolloutRolling()
	}
	return s
}

// all returns the ReplicaSets with the new one (if any) last.
func (s *state) all() []*appsv1.ReplicaSet {
	out := append([]*appsv1.ReplicaSet(nil), s.old...)
	if s.newRS != nil {
		out = append(out, s.newRS)
	}
	return out
}

// classify finds the new ReplicaSet: the oldest whose template equals the
// Deployment's, hash label aside. The others are old.
func (s *state) classify() {
	s.newRS, s.old = nil, nil
	for _, rs := range s.rsList {
		if s.newRS == nil && equalIgnoreHash(&rs.Spec.Template, &s.d.Spec.Template) {
			s.newRS = rs
			continue
		}
		s.old = append(s.old, rs)
	}
}

// syncRevision gives the new ReplicaSet the next revision and the
// Deployment's annotations, and the Deployment the new ReplicaSet's
// revision. When there is no new ReplicaSet and create is set, it plans
// one, sized as the strategy allows.
func (s *state) syncRevision(create bool) {
	d := s.d
	var maxOld int64
	for _, rs := range s.old {
		maxOld = max(maxOld, revision(rs))
	}
	newRevision := maxOld + 1
	if s.newRS != nil {
		rs := s.newRS
		changed := setNewReplicaSetAnnotations(d, rs, newRevision, true)
		if rs.Spec.MinReadySeconds != d.Spec.MinReadySeconds {
			rs.Spec.MinReadySeconds = d.Spec.MinReadySeconds
			changed = true
		}
		if changed {
			s.update(rs, nil)
		}
		setDeploymentRevision(d, rs.Annotations[RevisionAnnotation])
		if hasProgressDeadline(d) && getCondition(&d.Status, appsv1.DeploymentProgressing) == nil {
			setCondition(&d.Status, newCondition(appsv1.DeploymentProgressing, corev1.ConditionTrue, ReasonFoundNewRS,
				fmt.Sprintf("Found new replica set %q", rs.Name), s.now))
		}
		return
	}
	if !create {
		return
	}
	rs := newReplicaSet(d)
	s.newRS = rs
	n := newRSReplicas(d, s.all(), rs)
	rs.Spec.Replicas = &n
	setNewReplicaSetAnnotations(d, rs, newRevision, false)
	o := &op{kind: opCreate, rs: rs}
	if n > 0 {
		o.events = append(o.events, event{corev1.EventTypeNormal, "ScalingReplicaSet",
			fmt.Sprintf("Scaled up replica set %s from 0 to %d", rs.Name, n)})
	}
	s.ops = append(s.ops, o)
	setDeploymentRevision(d, rs.Annotations[RevisionAnnotation])
	if hasProgressDeadline(d) {
		setCondition(&d.Status, newCondition(appsv1.DeploymentProgressing, corev1.ConditionTrue, ReasonNewRSCreated,
			fmt.Sprintf("Created new replica set %q", rs.Name), s.now))
	}
}

// newReplicaSet builds the ReplicaSet for the Deployment's current template.
func newReplicaSet(d *appsv1.Deployment) *appsv1.ReplicaSet {
	tmpl := *d.Spec.Template.DeepCopy()
	hash := ComputeHash(&tmpl, d.Status.CollisionCount)
	tmpl.Labels = withLabel(tmpl.Labels, PodTemplateHashLabel, hash)
	sel := d.Spec.Selector.DeepCopy()
	sel.MatchLabels = withLabel(sel.MatchLabels, PodTemplateHashLabel, hash)
	zero := int32(0)
	return &appsv1.ReplicaSet{
		ObjectMeta: metav1.ObjectMeta{
			Name:            d.Name + "-" + hash,
			Namespace:       d.Namespace,
			OwnerReferences: []metav1.OwnerReference{*metav1.NewControllerRef(d, controllerKind)},
			Labels:          withLabel(tmpl.Labels, PodTemplateHashLabel, hash),
		},
		Spec: appsv1.ReplicaSetSpec{
			Replicas:        &zero,
			MinReadySeconds: d.Spec.MinReadySeconds,
			Selector:        sel,
			Template:        tmpl,
		},
	}
}

func withLabel(m map[string]string, k, v string) map[string]string {
	out := make(map[string]string, len(m)+1)
	for mk, mv := range m {
		out[mk] = mv
	}
	out[k] = v
	return out
}

func setDeploymentRevision(d *appsv1.Deployment, rev string) {
	if rev == "" || d.Annotations[RevisionAnnotation] == rev {
		return
	}
	if d.Annotations == nil {
		d.Annotations = map[string]string{}
	}
	d.Annotations[RevisionAnnotation] = rev
}

// newRSReplicas is the size the new ReplicaSet may have now: for
// RollingUpdate, as much as maxSurge leaves room for, up to replicas; for
// Recreate, replicas.
func newRSReplicas(d *appsv1.Deployment, all []*appsv1.ReplicaSet, newRS *appsv1.ReplicaSet) int32 {
	if !isRollingUpdate(d) {
		return replicas(d)
	}
	maxTotal := replicas(d) + maxSurge(d)
	current := sumSpec(all)
	if current >= maxTotal {
		return rsReplicas(newRS)
	}
	up := min(maxTotal-current, replicas(d)-rsReplicas(newRS))
	return rsReplicas(newRS) + max(up, 0)
}

// update records a write of rs (a working copy), merging with an earlier
// write of the same object in this plan.
func (s *state) update(rs *appsv1.ReplicaSet, ev *event) {
	for _, o := range s.ops {
		if o.rs == rs && o.kind != opDelete {
			if ev != nil {
				o.events = append(o.events, *ev)
			}
			return
		}
	}
	o := &op{kind: opUpdate, rs: rs}
	if ev != nil {
		o.events = append(o.events, *ev)
	}
	s.ops = append(s.ops, o)
}

// scaleTo scales a ReplicaSet unless it already has that size.
func (s *state) scaleTo(rs *appsv1.ReplicaSet, n int32) bool {
	if rsReplicas(rs) == n {
		return false
	}
	s.resize(rs, n)
	return true
}

// resize sets a ReplicaSet's size and its replicas annotations, recording
// a ScalingReplicaSet event when the size changes.
func (s *state) resize(rs *appsv1.ReplicaSet, n int32) {
	from := rsReplicas(rs)
	annotated := setReplicasAnnotations(rs, replicas(s.d), replicas(s.d)+maxSurge(s.d))
	if from == n && !annotated {
		return
	}
	rs.Spec.Replicas = &n
	var ev *event
	if from != n {
		dir := "up"
		if n < from {
			dir = "down"
		}
		ev = &event{corev1.EventTypeNormal, "ScalingReplicaSet", fmt.Sprintf("Scaled %s replica set %s from %d to %d", dir, rs.Name, from, n)}
	}
	s.update(rs, ev)
}

// cleanup deletes the oldest old ReplicaSets beyond revisionHistoryLimit
// that have no pods left.
func (s *state) cleanup() {
	limit := int(*s.d.Spec.RevisionHistoryLimit)
	var cleanable []*appsv1.ReplicaSet
	for _, rs := range s.old {
		if rs.DeletionTimestamp == nil {
			cleanable = append(cleanable, rs)
		}
	}
	diff := len(cleanable) - limit
	if diff <= 0 {
		return
	}
	byRevision(cleanable)
	for _, rs := range cleanable[:diff] {
		if rs.Status.Replicas != 0 || rsReplicas(rs) != 0 || rs.Generation > rs.Status.ObservedGeneration || s.touched(rs) {
			continue
		}
		s.ops = append(s.ops, &op{kind: opDelete, rs: rs})
	}
}

// touched reports whether the plan already writes rs.
func (s *state) touched(rs *appsv1.ReplicaSet) bool {
	for _, o := range s.ops {
		if o.rs == rs {
			return true
		}
	}
	return false
}
