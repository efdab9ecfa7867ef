package endpointutil

import (
	"strconv"
	"sync"

	discoveryv1 "k8s.io/api/discovery/v1"
	"k8s.io/apimachinery/pkg/types"
)

// SliceTracker remembers the controller's own EndpointSlice writes, per
// Service, so that a sync can tell whether its informer cache has caught up
// with them. Without it, a sync that runs before the cache has seen the
// slice the previous sync created would create a duplicate.
//
// Kubernetes keys this on metadata.generation. This tracker compares
// resourceVersions numerically (they are etcd revisions, which only grow),
// falling back to generations for resourceVersions that are not numbers.
// That also works on API servers that do not bump an EndpointSlice's
// generation when its content changes.
type SliceTracker struct {
	mu        sync.Mutex
	byService map[types.NamespacedName]map[types.UID]sliceVersion
}

type sliceVersion struct {
	rv         string
	generation int64
	deleted    bool
}

// NewSliceTracker returns an empty tracker.
func NewSliceTracker() *SliceTracker {
	return &SliceTracker{byService: map[types.NamespacedName]map[types.UID]sliceVersion{}}
}

// ServiceKey returns the Service an EndpointSlice belongs to, from its
// kubernetes.io/service-name label; ok is false without the label.
func ServiceKey(slice *discoveryv1.EndpointSlice) (types.NamespacedName, bool) {
	name := slice.Labels[discoveryv1.LabelServiceName]
	if name == "" {
		return types.NamespacedName{}, false
	}
	return types.NamespacedName{Namespace: slice.Namespace, Name: name}, true
}

// olderThan reports whether the cached slice predates the tracked write.
func olderThan(slice *discoveryv1.EndpointSlice, v sliceVersion) bool {
	a, errA := strconv.ParseUint(slice.ResourceVersion, 10, 64)
	b, errB := strconv.ParseUint(v.rv, 10, 64)
	if errA == nil && errB == nil {
		return a < b
	}
	return slice.Generation < v.generation
}

// newerThan reports whether the cached slice was written after the
// tracked write (by someone else).
func newerThan(slice *discoveryv1.EndpointSlice, v sliceVersion) bool {
	a, errA := strconv.ParseUint(slice.ResourceVersion, 10, 64)
	b, errB := strconv.ParseUint(v.rv, 10, 64)
	if errA == nil && errB == nil {
		return a > b
	}
	return slice.Generation > v.generation
}

// Update records a slice as written by the controller (the object the API
// server returned).
func (t *SliceTracker) Update(slice *discoveryv1.EndpointSlice) {
	key, ok := ServiceKey(slice)
	if !ok {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	m := t.byService[key]
	if m == nil {
		m = map[types.UID]sliceVersion{}
		t.byService[key] = m
	}
	m[slice.UID] = sliceVersion{rv: slice.ResourceVersion, generation: slice.Generation}
}

// ExpectDeletion records that the controller deleted a slice.
func (t *SliceTracker) ExpectDeletion(slice *discoveryv1.EndpointSlice) {
	key, ok := ServiceKey(slice)
	if !ok {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	m := t.byService[key]
	if m == nil {
		m = map[types.UID]sliceVersion{}
		t.byService[key] = m
	}
	m[slice.UID] = sliceVersion{deleted: true}
}

// Has reports whether the slice is tracked.
func (t *SliceTracker) Has(slice *discoveryv1.EndpointSlice) bool {
	key, ok := ServiceKey(slice)
	if !ok {
		return false
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	_, ok = t.byService[key][slice.UID]
	return ok
}

// ShouldSync reports whether an informer event for the slice calls for a
// sync of its Service: the slice is unknown, was written by someone else
// after the controller's last write, or should have been deleted.
func (t *SliceTracker) ShouldSync(slice *discoveryv1.EndpointSlice) bool {
	key, ok := ServiceKey(slice)
	if !ok {
		return true
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	v, ok := t.byService[key][slice.UID]
	if !ok || v.deleted {
		return true
	}
	return newerThan(slice, v)
}

// HandleDeletion processes an informer delete event and reports whether
// the deletion was unexpected (so the Service needs a sync).
func (t *SliceTracker) HandleDeletion(slice *discoveryv1.EndpointSlice) bool {
	key, ok := ServiceKey(slice)
	if !ok {
		return true
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	m := t.byService[key]
	v, ok := m[slice.UID]
	delete(m, slice.UID)
	if len(m) == 0 {
		delete(t.byService, key)
	}
	return !ok || !v.deleted
}

// Stale reports whether the cached slices of a Service are behind the
// controller's writes: a slice it wrote is missing or older, or a slice it
// deleted is still there.
func (t *SliceTracker) Stale(key types.NamespacedName, cached []*discoveryv1.EndpointSlice) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	m := t.byService[key]
	if len(m) == 0 {
		return false
	}
	seen := make(map[types.UID]bool, len(cached))
	for _, s := range cached {
		seen[s.UID] = true
		if v, ok := m[s.UID]; ok && (v.deleted || olderThan(s, v)) {
			return true
		}
	}
	for uid, v := range m {
		if !v.deleted && !seen[uid] {
			return true
		}
	}
	return false
}

// DeleteService forgets a Service.
func (t *SliceTracker) DeleteService(key types.NamespacedName) {
	t.mu.Lock()
	delete(t.byService, key)
	t.mu.Unlock()
}
