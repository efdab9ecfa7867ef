package replicaset

import (
	"sync"
	"time"
)

// expectationsTTL bounds how long unobserved expectations block a
// ReplicaSet: a watch event lost for good must not stall it forever.
const expectationsTTL = 5 * time.Minute

// expectations remembers, per ReplicaSet key, the pod creations and deletions
// the controller has asked the API server for and not yet seen in its pod
// cache. While any are outstanding the controller does not add or remove pods
// for that ReplicaSet, so a cache that lags behind its own writes never makes
// it create (or delete) twice.
type expectations struct {
	mu    sync.Mutex
	byKey map[string]*expectation
	now   func() time.Time
}

type expectation struct {
	adds, dels int
	// deleting holds the keys of pods whose deletion is expected, so that
	// the update that sets deletionTimestamp and the final delete event of
	// the same pod are counted once.
	deleting map[string]struct{}
	set      time.Time
}

func newExpectations(now func() time.Time) *expectations {
	return &expectations{byKey: map[string]*expectation{}, now: now}
}

// satisfied reports whether the ReplicaSet may be managed again: nothing is
// outstanding, nothing was ever recorded, or the record has expired.
func (e *expectations) satisfied(key string) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	x, ok := e.byKey[key]
	if !ok {
		return true
	}
	if x.adds <= 0 && x.dels <= 0 {
		return true
	}
	return e.now().Sub(x.set) > expectationsTTL
}

// expectCreations records n pod creations about to be sent.
func (e *expectations) expectCreations(key string, n int) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.byKey[key] = &expectation{adds: n, set: e.now()}
}

// expectDeletions records the deletions of the named pods about to be sent.
func (e *expectations) expectDeletions(key string, podKeys []string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	x := &expectation{dels: len(podKeys), deleting: make(map[string]struct{}, len(podKeys)), set: e.now()}
	for _, k := range podKeys {
		x.deleting[k] = struct{}{}
	}
	e.byKey[key] = x
}

// creationObserved counts one expected creation as done: the pod was seen,
// or its creation failed or was skipped.
func (e *expectations) creationObserved(key string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if x, ok := e.byKey[key]; ok {
		x.adds--
	}
}

// deletionObserved counts the deletion of one pod as done, once, and only
// if it was expected.
func (e *expectations) deletionObserved(key, podKey string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	x, ok := e.byKey[key]
	if !ok {
		return
	}
	if _, expected := x.deleting[podKey]; expected {
		delete(x.deleting, podKey)
		x.dels--
	}
}

// forget drops everything recorded for a ReplicaSet that no longer exists.
func (e *expectations) forget(key string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	delete(e.byKey, key)
}

// pending returns the outstanding creations and deletions, for tests and logs.
func (e *expectations) pending(key string) (adds, dels int) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if x, ok := e.byKey[key]; ok {
		return x.adds, x.dels
	}
	return 0, 0
}
