package healthcheck

import (
	"encoding/json"
	"net/http"
	"sync"
	"time"
)

// ProxyHealth tracks whether the proxy's rules keep up with changes.
type ProxyHealth struct {
	timeout time.Duration
	now     func() time.Time

	mu          sync.Mutex
	lastUpdated time.Time
	lastQueued  time.Time
	// pendingSince is when the oldest change not yet programmed was
	// queued; zero when nothing waits.
	pendingSince time.Time
}

// NewProxyHealth returns a tracker that turns unhealthy when a change
// waits longer than timeout. The initial sync counts as pending from now.
// now is the clock, time.Now when nil.
func NewProxyHealth(timeout time.Duration, now func() time.Time) *ProxyHealth {
	if now == nil {
		now = time.Now
	}
	t := now()
	return &ProxyHealth{timeout: timeout, now: now, pendingSince: t, lastQueued: t}
}

// Queued records that a change waits for a sync.
func (h *ProxyHealth) Queued() {
	h.mu.Lock()
	defer h.mu.Unlock()
	t := h.now()
	if h.pendingSince.IsZero() {
		h.pendingSince = t
	}
	h.lastQueued = t
}

// Updated records a successful sync that started at start: changes queued
// before start are programmed; later ones still wait.
func (h *ProxyHealth) Updated(start time.Time) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.lastUpdated = h.now()
	switch {
	case h.pendingSince.IsZero():
	case h.lastQueued.After(start):
		h.pendingSince = h.lastQueued
	default:
		h.pendingSince = time.Time{}
	}
}

// Healthy reports whether no change has waited longer than the timeout.
func (h *ProxyHealth) Healthy() bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.healthyLocked()
}

func (h *ProxyHealth) healthyLocked() bool {
	return h.pendingSince.IsZero() || h.now().Sub(h.pendingSince) <= h.timeout
}

// healthzBody is the /healthz answer.
type healthzBody struct {
	LastUpdated string `json:"lastUpdated"`
	CurrentTime string `json:"currentTime"`
	Healthy     bool   `json:"healthy"`
}

// ServeHTTP answers /healthz: 200 when healthy, else 503, with a JSON body
// giving the time of the last successful sync.
func (h *ProxyHealth) ServeHTTP(w http.ResponseWriter, _ *http.Request) {
	h.mu.Lock()
	body := healthzBody{CurrentTime: h.now().UTC().Format(time.RFC3339Nano), Healthy: h.healthyLocked()}
	if !h.lastUpdated.IsZero() {
		body.LastUpdated = h.lastUpdated.UTC().Format(time.RFC3339Nano)
	}
	h.mu.Unlock()
	writeJSON(w, body.Healthy, body)
}

func writeJSON(w http.ResponseWriter, ok bool, body any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	if ok {
		w.WriteHeader(http.StatusOK)
	} else {
		w.WriteHeader(http.StatusServiceUnavailable)
	}
	_ = json.NewEncoder(w).Encode(body)
}
