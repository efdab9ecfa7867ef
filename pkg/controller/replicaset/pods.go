package replicaset

import (
	"slices"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// controllerKind is the kind written into the ownerReferences of the pods a
// ReplicaSet creates or adopts.
var controllerKind = appsv1.SchemeGroupVersion.WithKind("ReplicaSet")

// isActive reports whether a pod counts towards a ReplicaSet's replicas:
// it is not terminating and has not finished.
func isActive(p *corev1.Pod) bool {
	return p.DeletionTimestamp == nil &&
		p.Status.Phase != corev1.PodSucceeded && p.Status.Phase != corev1.PodFailed
}

// readyCondition returns the pod's Ready condition, or nil.
func readyCondition(p *corev1.Pod) *corev1.PodCondition {
	for i := range p.Status.Conditions {
		if p.Status.Conditions[i].Type == corev1.PodReady {
			return &p.Status.Conditions[i]
		}
	}
	return nil
}

// IsPodReady reports whether the pod's Ready condition is True.
func IsPodReady(p *corev1.Pod) bool {
	c := readyCondition(p)
	return c != nil && c.Status == corev1.ConditionTrue
}

// IsPodAvailable reports whether the pod has been ready for at least
// minReadySeconds at now.
func IsPodAvailable(p *corev1.Pod, minReadySeconds int32, now time.Time) bool {
	c := readyCondition(p)
	if c == nil || c.Status != corev1.ConditionTrue {
		return false
	}
	if minReadySeconds == 0 {
		return true
	}
	d := time.Duration(minReadySeconds) * time.Second
	return !c.LastTransitionTime.IsZero() && !c.LastTransitionTime.Add(d).After(now)
}

// untilAvailable returns how long a ready pod still has to stay ready to
// count as available, or 0 when it already is (or is not ready at all).
func untilAvailable(p *corev1.Pod, minReadySeconds int32, now time.Time) time.Duration {
	c := readyCondition(p)
	if minReadySeconds == 0 || c == nil || c.Status != corev1.ConditionTrue || c.LastTransitionTime.IsZero() {
		return 0
	}
	left := c.LastTransitionTime.Add(time.Duration(minReadySeconds) * time.Second).Sub(now)
	if left < 0 {
		return 0
	}
	return left
}

// newPod builds a pod from the ReplicaSet's template, owned by it.
func newPod(rs *appsv1.ReplicaSet) *corev1.Pod {
	t := rs.Spec.Template
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{
			GenerateName:    rs.Name + "-",
			Namespace:       rs.Namespace,
			Labels:          copyMap(t.Labels),
			Annotations:     copyMap(t.Annotations),
			Finalizers:      append([]string(nil), t.Finalizers...),
			OwnerReferences: []metav1.OwnerReference{*metav1.NewControllerRef(rs, controllerKind)},
		},
	}
	t.Spec.DeepCopyInto(&pod.Spec)
	return pod
}

func copyMap(m map[string]string) map[string]string {
	if m == nil {
		return nil
	}
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// rankedPod is a deletion candidate with its sort keys computed once.
// colocal is the number of related pods that share its node: doubled-up pods
// go first, which keeps replicas spread.
type rankedPod struct {
	pod       *corev1.Pod
	scheduled bool
	phase     int
	ready     bool
	readyAt   time.Time
	colocal   int
	restarts  int32
}

// podsToDelete picks the n pods whose loss hurts least. related are the
// active pods of the ReplicaSet and its siblings (ReplicaSets with the same
// controller); pods are ranked by how many of them share their node.
func podsToDelete(pods, related []*corev1.Pod, n int) []*corev1.Pod {
	if n >= len(pods) {
		return pods
	}
	perNode := map[string]int{}
	for _, p := range related {
		if p.Spec.NodeName != "" && isActive(p) {
			perNode[p.Spec.NodeName]++
		}
	}
	keys := make([]rankedPod, len(pods))
	ranked := make([]*rankedPod, len(pods))
	for i, p := range pods {
		keys[i] = rankPod(p)
		if p.Spec.NodeName != "" {
			keys[i].colocal = perNode[p.Spec.NodeName]
		}
		ranked[i] = &keys[i]
	}
	// The order is total (names break ties), so an unstable sort is exact.
	slices.SortFunc(ranked, func(a, b *rankedPod) int {
		switch {
		case deleteFirst(a, b):
			return -1
		case deleteFirst(b, a):
			return 1
		}
		return 0
	})
	out := make([]*corev1.Pod, n)
	for i := range out {
		out[i] = ranked[i].pod
	}
	return out
}

func rankPod(p *corev1.Pod) rankedPod {
	r := rankedPod{pod: p, scheduled: p.Spec.NodeName != "", phase: phaseRank(p.Status.Phase), restarts: restarts(p)}
	if c := readyCondition(p); c != nil && c.Status == corev1.ConditionTrue {
		r.ready, r.readyAt = true, c.LastTransitionTime.Time
	}
	return r
}

func phaseRank(ph corev1.PodPhase) int {
	switch ph {
	case corev1.PodPending:
		return 0
	case corev1.PodUnknown:
		return 1
	case corev1.PodRunning:
		return 2
	}
	return 0
}

// deleteFirst orders deletion candidates the way Kubernetes ranks active
// pods: unscheduled < scheduled; Pending < Unknown < Running; not ready <
// ready; more pods on the same node first; ready more recently first; more
// restarts first; newer first.
func deleteFirst(a, b *rankedPod) bool {
	if a.scheduled != b.scheduled {
		return !a.scheduled
	}
	if a.phase != b.phase {
		return a.phase < b.phase
	}
	if a.ready != b.ready {
		return !a.ready
	}
	if a.colocal != b.colocal {
		return a.colocal > b.colocal
	}
	if a.ready && !a.readyAt.Equal(b.readyAt) {
		return a.readyAt.After(b.readyAt)
	}
	if a.restarts != b.restarts {
		return a.restarts > b.restarts
	}
	ca, cb := a.pod.CreationTimestamp.Time, b.pod.CreationTimestamp.Time
	if !ca.Equal(cb) {
		if ca.IsZero() || cb.IsZero() {
			return ca.IsZero()
		}
		return ca.After(cb)
	}
	return a.pod.Name > b.pod.Name
}

// restarts is the highest restart count among the pod's containers.
func restarts(p *corev1.Pod) int32 {
	var m int32
	for _, s := range p.Status.ContainerStatuses {
		m = max(m, s.RestartCount)
	}
	return m
}
