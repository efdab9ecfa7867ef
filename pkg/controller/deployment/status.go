package deployment

import (
	"fmt"
	"reflect"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func newCondition(t appsv1.DeploymentConditionType, status corev1.ConditionStatus, reason, msg string, now time.Time) appsv1.DeploymentCondition {
	ts := metav1.NewTime(now)
	return appsv1.DeploymentCondition{Type: t, Status: status, Reason: reason, Message: msg, LastUpdateTime: ts, LastTransitionTime: ts}
}

func getCondition(st *appsv1.DeploymentStatus, t appsv1.DeploymentConditionType) *appsv1.DeploymentCondition {
	for i := range st.Conditions {
		if st.Conditions[i].Type == t {
			return &st.Conditions[i]
		}
	}
	return nil
}

// setCondition puts c into the status. An identical status and reason
// leaves the old condition (and its times) alone; an unchanged status keeps
// the old transition time.
func setCondition(st *appsv1.DeploymentStatus, c appsv1.DeploymentCondition) {
	cur := getCondition(st, c.Type)
	if cur != nil && cur.Status == c.Status && cur.Reason == c.Reason {
		return
	}
	if cur != nil && cur.Status == c.Status {
		c.LastTransitionTime = cur.LastTransitionTime
	}
	removeCondition(st, c.Type)
	st.Conditions = append(st.Conditions, c)
}

func removeCondition(st *appsv1.DeploymentStatus, t appsv1.DeploymentConditionType) {
	var out []appsv1.DeploymentCondition
	for _, c := range st.Conditions {
		if c.Type != t {
			out = append(out, c)
		}
	}
	st.Conditions = out
}

// calculateStatus derives the Deployment's status from its ReplicaSets and
// sets the Available condition.
func calculateStatus(d *appsv1.Deployment, all []*appsv1.ReplicaSet, newRS *appsv1.ReplicaSet, now time.Time) appsv1.DeploymentStatus {
	available := sumAvailable(all)
	unavailable := max(sumSpec(all)-available, 0)
	var updated []*appsv1.ReplicaSet
	if newRS != nil {
		updated = []*appsv1.ReplicaSet{newRS}
	}
	st := appsv1.DeploymentStatus{
		ObservedGeneration:  d.Generation,
		Replicas:            sumStatus(all),
		UpdatedReplicas:     sumStatus(updated),
		ReadyReplicas:       sumReady(all),
		AvailableReplicas:   available,
		UnavailableReplicas: unavailable,
		TerminatingReplicas: sumTerminating(all),
		CollisionCount:      d.Status.CollisionCount,
		Conditions:          append([]appsv1.DeploymentCondition(nil), d.Status.Conditions...),
	}
	if available >= replicas(d)-maxUnavailable(d) {
		setCondition(&st, newCondition(appsv1.DeploymentAvailable, corev1.ConditionTrue, ReasonMinimumAvailable, "Deployment has minimum availability.", now))
	} else {
		setCondition(&st, newCondition(appsv1.DeploymentAvailable, corev1.ConditionFalse, ReasonMinimumUnavailable, "Deployment does not have minimum availability.", now))
	}
	return st
}

// complete reports whether the rollout is done: every replica updated and
// available, none old left, and the latest spec observed.
func complete(d *appsv1.Deployment, st *appsv1.DeploymentStatus) bool {
	return st.UpdatedReplicas == replicas(d) && st.Replicas == replicas(d) &&
		st.AvailableReplicas == replicas(d) && st.ObservedGeneration >= d.Generation
}

// progressing reports whether the new status shows progress over the old:
// more updated, ready or available pods, or fewer old ones.
func progressing(old, st *appsv1.DeploymentStatus) bool {
	oldOld := old.Replicas - old.UpdatedReplicas
	newOld := st.Replicas - st.UpdatedReplicas
	return st.UpdatedReplicas > old.UpdatedReplicas || newOld < oldOld ||
		st.ReadyReplicas > old.ReadyReplicas || st.AvailableReplicas > old.AvailableReplicas
}

// timedOut reports whether the rollout has gone progressDeadlineSeconds
// without progress.
func timedOut(d *appsv1.Deployment, st *appsv1.DeploymentStatus, now time.Time) bool {
	if !hasProgressDeadline(d) {
		return false
	}
	c := getCondition(st, appsv1.DeploymentProgressing)
	if c == nil {
		return false
	}
	switch c.Reason {
	case ReasonNewRSAvailable:
		return false
	case ReasonTimedOut:
		return true
	}
	deadline := time.Duration(*d.Spec.ProgressDeadlineSeconds) * time.Second
	return c.LastUpdateTime.Add(deadline).Before(now)
}

// syncRolloutStatus computes the status during a rollout, with the
// Progressing condition, and schedules the deadline check.
func (s *state) syncRolloutStatus() {
	d := s.d
	st := calculateStatus(d, s.all(), s.newRS, s.now)
	if !hasProgressDeadline(d) {
		removeCondition(&st, appsv1.DeploymentProgressing)
	}
	cur := getCondition(&d.Status, appsv1.DeploymentProgressing)
	done := st.Replicas == st.UpdatedReplicas && cur != nil && cur.Reason == ReasonNewRSAvailable
	if hasProgressDeadline(d) && !done {
		switch {
		case complete(d, &st):
			msg := "Deployment has successfully progressed."
			if s.newRS != nil {
				msg = fmt.Sprintf("ReplicaSet %q has successfully progressed.", s.newRS.Name)
			}
			setCondition(&st, newCondition(appsv1.DeploymentProgressing, corev1.ConditionTrue, ReasonNewRSAvailable, msg, s.now))
		case progressing(&s.observed, &st):
			msg := "Deployment is progressing."
			if s.newRS != nil {
				msg = fmt.Sprintf("ReplicaSet %q is progressing.", s.newRS.Name)
			}
			c := newCondition(appsv1.DeploymentProgressing, corev1.ConditionTrue, ReasonRSUpdated, msg, s.now)
			// Progress refreshes lastUpdateTime, from which the deadline
			// counts, even when the reason stays the same.
			if cur != nil && cur.Status == corev1.ConditionTrue {
				c.LastTransitionTime = cur.LastTransitionTime
			}
			removeCondition(&st, appsv1.DeploymentProgressing)
			setCondition(&st, c)
		case timedOut(d, &st, s.now):
			msg := "Deployment has timed out progressing."
			if s.newRS != nil {
				msg = fmt.Sprintf("ReplicaSet %q has timed out progressing.", s.newRS.Name)
			}
			setCondition(&st, newCondition(appsv1.DeploymentProgressing, corev1.ConditionFalse, ReasonTimedOut, msg, s.now))
		}
	}
	if failure := s.replicaFailure(); failure != nil {
		setCondition(&st, *failure)
	} else {
		removeCondition(&st, appsv1.DeploymentReplicaFailure)
	}
	if !reflect.DeepEqual(d.Status, st) {
		d.Status = st
	}
	s.requeueAfter = s.progressCheckAfter(&st)
}

// replicaFailure surfaces the new ReplicaSet's (or else an old one's)
// ReplicaFailure condition on the Deployment.
func (s *state) replicaFailure() *appsv1.DeploymentCondition {
	rss := append([]*appsv1.ReplicaSet{s.newRS}, s.old...)
	for _, rs := range rss {
		if rs == nil {
			continue
		}
		for _, c := range rs.Status.Conditions {
			if c.Type == appsv1.ReplicaSetReplicaFailure {
				dc := appsv1.DeploymentCondition{Type: appsv1.DeploymentReplicaFailure, Status: c.Status,
					Reason: c.Reason, Message: c.Message, LastUpdateTime: c.LastTransitionTime, LastTransitionTime: c.LastTransitionTime}
				return &dc
			}
		}
	}
	return nil
}

// progressCheckAfter returns when to look again so that a stalled rollout
// is marked ProgressDeadlineExceeded on time (0: no need).
func (s *state) progressCheckAfter(st *appsv1.DeploymentStatus) time.Duration {
	d := s.d
	c := getCondition(st, appsv1.DeploymentProgressing)
	if !hasProgressDeadline(d) || c == nil || complete(d, st) || c.Reason == ReasonTimedOut {
		return 0
	}
	after := c.LastUpdateTime.Add(time.Duration(*d.Spec.ProgressDeadlineSeconds) * time.Second).Sub(s.now)
	if after < time.Second {
		return time.Second
	}
	return after + time.Second
}

// syncStatus computes the status outside a rollout step (scaling, paused,
// deleting): no Progressing changes.
func (s *state) syncStatus() {
	st := calculateStatus(s.d, s.all(), s.newRS, s.now)
	if !reflect.DeepEqual(s.d.Status, st) {
		s.d.Status = st
	}
}

// checkPausedConditions reflects spec.paused in the Progressing condition.
func (s *state) checkPausedConditions() {
	d := s.d
	if !hasProgressDeadline(d) {
		return
	}
	c := getCondition(&d.Status, appsv1.DeploymentProgressing)
	if c != nil && c.Reason == ReasonTimedOut {
		return
	}
	pausedCond := c != nil && c.Reason == ReasonPaused
	switch {
	case d.Spec.Paused && !pausedCond:
		setCondition(&d.Status, newCondition(appsv1.DeploymentProgressing, corev1.ConditionUnknown, ReasonPaused, "Deployment is paused", s.now))
	case !d.Spec.Paused && pausedCond:
		setCondition(&d.Status, newCondition(appsv1.DeploymentProgressing, corev1.ConditionUnknown, ReasonResumed, "Deployment is resumed", s.now))
	}
}
