package proxy

import (
	"context"
	"sync"
	"time"
)

// runner runs a function on request, but at most burst times in a row and
// then once per minInterval (a token bucket), and at least once per
// maxInterval. RetryAfter asks for a run later, for failed syncs.
type runner struct {
	fn                       func(context.Context)
	minInterval, maxInterval time.Duration
	burst                    int
	kick                     chan struct{}
	// wake makes Loop recompute its timer after RetryAfter.
	wake chan struct{}

	mu      sync.Mutex
	retryAt time.Time

	// Used only by Loop's goroutine.
	tokens  float64
	refill  time.Time
	lastRun time.Time
}

func newRunner(fn func(context.Context), minInterval, maxInterval time.Duration, burst int) *runner {
	return &runner{fn: fn, minInterval: minInterval, maxInterval: maxInterval, burst: burst,
		kick: make(chan struct{}, 1), wake: make(chan struct{}, 1), tokens: float64(burst)}
}

// Run asks for a run as soon as the limits allow. It never blocks.
func (r *runner) Run() {
	select {
	case r.kick <- struct{}{}:
	default:
	}
}

// RetryAfter asks for a run after d, unless one is due earlier. The
// function may call it while it runs.
func (r *runner) RetryAfter(d time.Duration) {
	r.mu.Lock()
	at := time.Now().Add(d)
	if r.retryAt.IsZero() || at.Before(r.retryAt) {
		r.retryAt = at
	}
	r.mu.Unlock()
	select {
	case r.wake <- struct{}{}:
	default:
	}
}

// Loop runs until ctx is done.
func (r *runner) Loop(ctx context.Context) {
	r.refill, r.lastRun = time.Now(), time.Now()
	timer := time.NewTimer(r.maxInterval)
	defer timer.Stop()
	pending := false
	for {
		select {
		case <-ctx.Done():
			return
		case <-r.kick:
			pending = true
		case <-r.wake:
		case <-timer.C:
		}
		now := time.Now()
		r.mu.Lock()
		retryAt := r.retryAt
		r.mu.Unlock()
		retryDue := !retryAt.IsZero() && !now.Before(retryAt)
		if pending || retryDue || now.Sub(r.lastRun) >= r.maxInterval {
			if wait := r.take(now); wait > 0 {
				pending = true
				timer.Reset(wait)
				continue
			}
			pending = false
			r.mu.Lock()
			if retryDue {
				r.retryAt = time.Time{}
			}
			r.mu.Unlock()
			r.lastRun = now
			r.fn(ctx)
		}
		timer.Reset(r.nextWake(time.Now()))
	}
}

// take uses a token if one is available, or returns how long to wait.
func (r *runner) take(now time.Time) time.Duration {
	if r.minInterval > 0 {
		r.tokens += float64(now.Sub(r.refill)) / float64(r.minInterval)
	} else {
		r.tokens = float64(r.burst)
	}
	r.refill = now
	if r.tokens > float64(r.burst) {
		r.tokens = float64(r.burst)
	}
	if r.tokens >= 1 {
		r.tokens--
		return 0
	}
	return time.Duration((1 - r.tokens) * float64(r.minInterval))
}

// nextWake is the time until the next forced run or pending retry.
func (r *runner) nextWake(now time.Time) time.Duration {
	wake := r.lastRun.Add(r.maxInterval)
	r.mu.Lock()
	if !r.retryAt.IsZero() && r.retryAt.Before(wake) {
		wake = r.retryAt
	}
	r.mu.Unlock()
	if d := wake.Sub(now); d > 0 {
		return d
	}
	return time.Millisecond
}
