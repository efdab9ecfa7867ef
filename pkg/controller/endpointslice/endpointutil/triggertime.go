package endpointutil

import (
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
)

// TriggerTimeTracker computes the value of the
// endpoints.kubernetes.io/last-change-trigger-time annotation, as
// Kubernetes does: the earliest change, among those a sync has not yet
// reflected, that led to the sync. A change is known by its timestamp: a
// pod's Ready condition lastTransitionTime and a Service's creation time.
// (Deletions carry no trustworthy timestamp, deletionTimestamp being the
// deadline rather than the moment, so a sync that only removes pods gets no
// trigger time.)
//
// The proxy subtracts this time from the moment it programs the change to
// report network programming latency.
type TriggerTimeTracker struct {
	mu     sync.Mutex
	states map[types.NamespacedName]triggerState
}

type triggerState struct {
	pods    map[string]time.Time
	service time.Time
}

// NewTriggerTimeTracker returns an empty tracker.
func NewTriggerTimeTracker() *TriggerTimeTracker {
	return &TriggerTimeTracker{states: map[types.NamespacedName]triggerState{}}
}

// Compute returns the trigger time for a sync of svc with the given pods,
// and a commit function to call once the sync has succeeded, so that a
// failed write keeps the changes pending. A zero time means there is
// nothing new to report.
func (t *TriggerTimeTracker) Compute(svc *corev1.Service, pods []*corev1.Pod) (time.Time, func()) {
	key := types.NamespacedName{Namespace: svc.Namespace, Name: svc.Name}
	t.mu.Lock()
	prev, known := t.states[key]
	t.mu.Unlock()

	next := triggerState{pods: make(map[string]time.Time, len(pods)), service: svc.CreationTimestamp.Time}
	var earliest time.Time
	consider := func(ts time.Time) {
		if earliest.IsZero() || ts.Before(earliest) {
			earliest = ts
		}
	}
	for _, pod := range pods {
		c := PodReadyCondition(pod)
		if c == nil || c.LastTransitionTime.IsZero() {
			continue
		}
		ts := c.LastTransitionTime.Time
		next.pods[pod.Name] = ts
		if ts.After(prev.pods[pod.Name]) {
			consider(ts)
		}
	}
	if next.service.After(prev.service) {
		consider(next.service)
	}
	if !known {
		// First sync of this Service: it is the Service's creation that
		// the endpoints reflect.
		earliest = next.service
	}
	commit := func() {
		t.mu.Lock()
		t.states[key] = next
		t.mu.Unlock()
	}
	return earliest, commit
}

// Delete forgets a Service.
func (t *TriggerTimeTracker) Delete(key types.NamespacedName) {
	t.mu.Lock()
	delete(t.states, key)
	t.mu.Unlock()
}

// FormatTriggerTime renders a trigger time as the annotation value.
func FormatTriggerTime(ts time.Time) string {
	return ts.UTC().Format(time.RFC3339Nano)
}
