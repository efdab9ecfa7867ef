package model

import (
	"reflect"
	"sync"
	"time"

	discovery "k8s.io/api/discovery/v1"
	"k8s.io/apimachinery/pkg/types"
)

// EndpointsChange is the new endpoint state of one Service.
type EndpointsChange struct {
	// Endpoints are the Service's endpoints per port; empty when it has
	// none.
	Endpoints map[PortKey][]*Endpoint
	// TriggerTimes are the last-change-trigger-time annotations of the
	// slice updates folded into this change, for the network programming
	// latency metric.
	TriggerTimes []time.Time
}

// EndpointSliceTracker keeps the EndpointSlices of every Service, trimmed,
// and records which Services' endpoints changed since the last Checkout.
// It is safe for concurrent use.
type EndpointSliceTracker struct {
	scope Scope

	mu sync.Mutex
	// slices holds the trimmed slices per Service, keyed by slice name.
	slices map[types.NamespacedName]map[string]*sliceInfo
	// dirty holds the Services changed since the last Checkout and the
	// trigger times of their changes.
	dirty map[types.NamespacedName][]time.Time
}

// NewEndpointSliceTracker returns a tracker that trims slices with scope.
func NewEndpointSliceTracker(scope Scope) *EndpointSliceTracker {
	return &EndpointSliceTracker{
		scope:  scope,
		slices: map[types.NamespacedName]map[string]*sliceInfo{},
		dirty:  map[types.NamespacedName][]time.Time{},
	}
}

// Update records an added or updated slice, or a deleted one. It reports
// whether the proxy's view changed.
func (t *EndpointSliceTracker) Update(es *discovery.EndpointSlice, deleted bool) bool {
	svcName := es.Labels[discovery.LabelServiceName]
	if svcName == "" {
		return false
	}
	name := nsName(es.Namespace, svcName)
	var info *sliceInfo
	if !deleted {
		info = t.scope.trimSlice(es)
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	cur := t.slices[name]
	old, had := cur[es.Name]
	if info == nil && !had {
		return false
	}
	if info != nil && had && reflect.DeepEqual(old, info) {
		return false
	}
	if info == nil {
		delete(cur, es.Name)
		if len(cur) == 0 {
			delete(t.slices, name)
		}
	} else {
		if cur == nil {
			cur = map[string]*sliceInfo{}
			t.slices[name] = cur
		}
		cur[es.Name] = info
	}
	tt := t.dirty[name]
	if ts := triggerTime(es); !ts.IsZero() {
		tt = append(tt, ts)
	}
	t.dirty[name] = tt
	return true
}

// Checkout returns the endpoints of every Service whose slices changed
// since the previous Checkout, and forgets the changes.
func (t *EndpointSliceTracker) Checkout() map[types.NamespacedName]EndpointsChange {
	t.mu.Lock()
	defer t.mu.Unlock()
	out := make(map[types.NamespacedName]EndpointsChange, len(t.dirty))
	for name, times := range t.dirty {
		out[name] = EndpointsChange{Endpoints: mergeSlices(t.slices[name]), TriggerTimes: times}
	}
	t.dirty = map[types.NamespacedName][]time.Time{}
	return out
}

// Pending reports whether changes wait for a Checkout.
func (t *EndpointSliceTracker) Pending() bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(t.dirty) > 0
}
