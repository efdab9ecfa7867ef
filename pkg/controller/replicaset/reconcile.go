package replicaset

import (
	"errors"
	"fmt"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
)

// Condition reasons written into the ReplicaFailure condition.
const (
	ReasonFailedCreate = "FailedCreate"
	ReasonFailedDelete = "FailedDelete"
)

// replicasOf returns spec.replicas with the API default of 1.
func replicasOf(rs *appsv1.ReplicaSet) int {
	if rs.Spec.Replicas == nil {
		return 1
	}
	return int(*rs.Spec.Replicas)
}

// selectorFor returns the ReplicaSet's selector. An empty selector or one that
// does not match the template's labels is an error: managing such a
// ReplicaSet would adopt every pod in the namespace, or create pods forever.
func selectorFor(rs *appsv1.ReplicaSet) (labels.Selector, error) {
	if rs.Spec.Selector == nil || (len(rs.Spec.Selector.MatchLabels) == 0 && len(rs.Spec.Selector.MatchExpressions) == 0) {
		return nil, errors.New("empty selector is not allowed")
	}
	sel, err := metav1.LabelSelectorAsSelector(rs.Spec.Selector)
	if err != nil {
		return nil, fmt.Errorf("invalid selector: %w", err)
	}
	if !sel.Matches(labels.Set(rs.Spec.Template.Labels)) {
		return nil, fmt.Errorf("selector %q does not match template labels", sel.String())
	}
	return sel, nil
}

// claims is what a ReplicaSet makes of the pods in its namespace.
type claims struct {
	// owned are the active pods it controls whose labels match.
	owned []*corev1.Pod
	// adopt are active orphans that match: they become its pods once an
	// ownerReference is patched onto them.
	adopt []*corev1.Pod
	// release are active pods it controls whose labels stopped matching.
	release []*corev1.Pod
	// terminating counts the matching pods it controls that are being deleted.
	terminating int
}

// claim sorts the namespace's pods for a ReplicaSet the way Kubernetes'
// controller-ref manager does. A ReplicaSet that is being deleted neither
// adopts nor releases.
func claim(rs *appsv1.ReplicaSet, sel labels.Selector, pods []*corev1.Pod) claims {
	var c claims
	deleting := rs.DeletionTimestamp != nil
	for _, p := range pods {
		if p.Namespace != rs.Namespace {
			continue
		}
		ref := metav1.GetControllerOfNoCopy(p)
		match := sel.Matches(labels.Set(p.Labels))
		if ref != nil && ref.UID != rs.UID {
			continue
		}
		if !isActive(p) {
			if ref != nil && match && p.DeletionTimestamp != nil {
				c.terminating++
			}
			continue
		}
		switch {
		case ref != nil && match:
			c.owned = append(c.owned, p)
		case ref != nil && !deleting:
			c.release = append(c.release, p)
		case ref == nil && match && !deleting:
			c.adopt = append(c.adopt, p)
		}
	}
	return c
}

// plan is the change manage wants: create pods, or delete these ones.
type plan struct {
	create int
	delete []*corev1.Pod
}

// manage compares the active pods with spec.replicas. It moves at most burst
// pods per sync. related are the active pods of the ReplicaSet and its
// siblings, used to spread what is left when scaling down.
func manage(rs *appsv1.ReplicaSet, active, related []*corev1.Pod, burst int) plan {
	diff := len(active) - replicasOf(rs)
	switch {
	case diff < 0:
		return plan{create: min(-diff, burst)}
	case diff > 0:
		return plan{delete: podsToDelete(active, related, min(diff, burst))}
	}
	return plan{}
}

// computeStatus derives the ReplicaSet's status from its active pods. It
// also returns how long until a ready pod turns available, when minReadySeconds
// makes that worth a later look (0 otherwise).
func computeStatus(rs *appsv1.ReplicaSet, active []*corev1.Pod, terminating int, manageErr error, now time.Time) (appsv1.ReplicaSetStatus, time.Duration) {
	st := appsv1.ReplicaSetStatus{
		Replicas:           int32(len(active)),
		ObservedGeneration: rs.Generation,
		Conditions:         append([]appsv1.ReplicaSetCondition(nil), rs.Status.Conditions...),
	}
	t := int32(terminating)
	st.TerminatingReplicas = &t
	tmpl := labels.SelectorFromSet(rs.Spec.Template.Labels)
	var wake time.Duration
	for _, p := range active {
		if tmpl.Matches(labels.Set(p.Labels)) {
			st.FullyLabeledReplicas++
		}
		if !IsPodReady(p) {
			continue
		}
		st.ReadyReplicas++
		if IsPodAvailable(p, rs.Spec.MinReadySeconds, now) {
			st.AvailableReplicas++
		} else if left := untilAvailable(p, rs.Spec.MinReadySeconds, now); left > 0 && (wake == 0 || left < wake) {
			wake = left
		}
	}
	failure := findCondition(st.Conditions, appsv1.ReplicaSetReplicaFailure)
	switch {
	case manageErr != nil && failure == nil:
		reason := ReasonFailedCreate
		if len(active) > replicasOf(rs) {
			reason = ReasonFailedDelete
		}
		st.Conditions = append(st.Conditions, appsv1.ReplicaSetCondition{
			Type: appsv1.ReplicaSetReplicaFailure, Status: corev1.ConditionTrue,
			LastTransitionTime: metav1.NewTime(now), Reason: reason, Message: manageErr.Error(),
		})
	case manageErr == nil && failure != nil:
		st.Conditions = removeCondition(st.Conditions, appsv1.ReplicaSetReplicaFailure)
	}
	if manageErr != nil {
		wake = 0
	}
	return st, wake
}

func findCondition(cs []appsv1.ReplicaSetCondition, t appsv1.ReplicaSetConditionType) *appsv1.ReplicaSetCondition {
	for i := range cs {
		if cs[i].Type == t {
			return &cs[i]
		}
	}
	return nil
}

func removeCondition(cs []appsv1.ReplicaSetCondition, t appsv1.ReplicaSetConditionType) []appsv1.ReplicaSetCondition {
	var out []appsv1.ReplicaSetCondition
	for _, c := range cs {
		if c.Type != t {
			out = append(out, c)
		}
	}
	return out
}

// result is one whole sync of a ReplicaSet, computed without I/O on the
// assumption that every adoption and release succeeds.
type result struct {
	claims
	plan
	status       appsv1.ReplicaSetStatus
	requeueAfter time.Duration
	invalid      error
}

// reconcile computes a whole sync. needsSync is false while expectations
// are outstanding: then only the status is computed.
func reconcile(rs *appsv1.ReplicaSet, pods, related []*corev1.Pod, needsSync bool, burst int, now time.Time) result {
	var r result
	sel, err := selectorFor(rs)
	if err != nil {
		r.invalid = err
		r.status = *rs.Status.DeepCopy()
		r.status.ObservedGeneration = rs.Generation
		return r
	}
	r.claims = claim(rs, sel, pods)
	active := append(append([]*corev1.Pod(nil), r.owned...), r.adopt...)
	if needsSync && rs.DeletionTimestamp == nil {
		r.plan = manage(rs, active, related, burst)
	}
	r.status, r.requeueAfter = computeStatus(rs, active, r.terminating, nil, now)
	return r
}

// statusEqual reports whether writing st would change nothing.
func statusEqual(rs *appsv1.ReplicaSet, st appsv1.ReplicaSetStatus) bool {
	cur := rs.Status
	if cur.Replicas != st.Replicas || cur.FullyLabeledReplicas != st.FullyLabeledReplicas ||
		cur.ReadyReplicas != st.ReadyReplicas || cur.AvailableReplicas != st.AvailableReplicas ||
		cur.ObservedGeneration != st.ObservedGeneration || len(cur.Conditions) != len(st.Conditions) {
		return false
	}
	if (cur.TerminatingReplicas == nil) != (st.TerminatingReplicas == nil) ||
		(cur.TerminatingReplicas != nil && *cur.TerminatingReplicas != *st.TerminatingReplicas) {
		return false
	}
	for i := range cur.Conditions {
		a, b := cur.Conditions[i], st.Conditions[i]
		if a.Type != b.Type || a.Status != b.Status || a.Reason != b.Reason || a.Message != b.Message {
			return false
		}
	}
	return true
}
