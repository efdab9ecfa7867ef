package agent

import (
	"sync"
	"time"
)

// backoff is the kubelet's crash-loop back-off (flowcontrol.Backoff): the
// first restart is immediate; each later one waits twice as long as the
// one before, from initial up to max. A container that has not crashed for
// 2×max starts over at initial.
type backoff struct {
	initial, max time.Duration

	mu      sync.Mutex
	entries map[string]*backoffEntry
}

type backoffEntry struct {
	delay      time.Duration
	lastUpdate time.Time
}

func newBackoff(initial, max time.Duration) *backoff {
	return &backoff{initial: initial, max: max, entries: map[string]*backoffEntry{}}
}

func (b *backoff) expired(e *backoffEntry, now time.Time) bool {
	return now.Sub(e.lastUpdate) > 2*b.max
}

// next records a restart at now and returns the delay the next crash will
// wait.
func (b *backoff) next(key string, now time.Time) time.Duration {
	b.mu.Lock()
	defer b.mu.Unlock()
	e, ok := b.entries[key]
	if !ok || b.expired(e, now) {
		e = &backoffEntry{delay: b.initial}
		b.entries[key] = e
	} else {
		e.delay = min(2*e.delay, b.max)
	}
	e.lastUpdate = now
	return e.delay
}

// inBackoff reports whether a container that finished at finishedAt must
// still wait at now, and for how long in all and how long from now.
func (b *backoff) inBackoff(key string, finishedAt, now time.Time) (delay, remaining time.Duration, wait bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	e, ok := b.entries[key]
	if !ok || b.expired(e, finishedAt) {
		return 0, 0, false
	}
	if since := now.Sub(finishedAt); since < e.delay {
		return e.delay, e.delay - since, true
	}
	return e.delay, 0, false
}

// forget drops a container's history (its pod is gone).
func (b *backoff) forget(prefix string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for k := range b.entries {
		if len(k) >= len(prefix) && k[:len(prefix)] == prefix {
			delete(b.entries, k)
		}
	}
}
