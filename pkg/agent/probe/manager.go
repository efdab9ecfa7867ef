package probe

import (
	"context"
	"log/slog"
	"net/netip"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/utils/clock"
)

// Config configures a Manager.
type Config struct {
	// Prober performs the probes; nil means NewProber(nil).
	Prober Prober
	// Clock paces the workers; nil means the real clock.
	Clock clock.WithTicker
	// OnChange is called (from a worker goroutine) with the pod UID each
	// time a verdict changes. It must not block.
	OnChange func(podUID string)
	// Logger receives probe failures at debug level; nil discards them.
	Logger *slog.Logger
}

// RunningContainer is a container the manager should probe.
type RunningContainer struct {
	// Spec is the container's spec (its probes and ports).
	Spec *corev1.Container
	// StartedAt identifies this run of the container: a new value starts
	// the container's probes over.
	StartedAt time.Time
}

type key struct {
	uid, container string
	kind           Kind
}

// Manager runs probe workers and remembers their verdicts.
type Manager struct {
	c       Config
	mu      sync.Mutex
	workers map[key]*worker
}

// NewManager returns a Manager; it runs nothing until Sync.
func NewManager(c Config) *Manager {
	if c.Prober == nil {
		c.Prober = NewProber(nil)
	}
	if c.Clock == nil {
		c.Clock = clock.RealClock{}
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.OnChange == nil {
		c.OnChange = func(string) {}
	}
	return &Manager{c: c, workers: map[key]*worker{}}
}

// ProbeOf returns a container's probe of a kind, or nil.
func ProbeOf(c *corev1.Container, k Kind) *corev1.Probe {
	switch k {
	case Liveness:
		return c.LivenessProbe
	case Readiness:
		return c.ReadinessProbe
	case Startup:
		return c.StartupProbe
	}
	return nil
}

func initialResult(k Kind) Result {
	switch k {
	case Readiness:
		return Failure
	case Liveness:
		return Success
	}
	return Unknown
}

// Sync makes the pod's workers match its running containers: it starts
// workers for new containers (or new runs of a container) and stops those
// of containers no longer running. ctx bounds the workers' lives.
func (m *Manager) Sync(ctx context.Context, podUID string, podIP netip.Addr, running []RunningContainer) {
	m.mu.Lock()
	defer m.mu.Unlock()
	want := map[key]bool{}
	for _, rc := range running {
		for _, k := range []Kind{Startup, Readiness, Liveness} {
			p := ProbeOf(rc.Spec, k)
			if p == nil {
				continue
			}
			kk := key{podUID, rc.Spec.Name, k}
			want[kk] = true
			if w, ok := m.workers[kk]; ok && w.startedAt.Equal(rc.StartedAt) {
				continue
			} else if ok {
				w.stop()
			}
			w := m.newWorker(kk, p, rc, podIP)
			m.workers[kk] = w
			go w.run(ctx)
		}
	}
	for kk, w := range m.workers {
		if kk.uid == podUID && !want[kk] {
			w.stop()
			delete(m.workers, kk)
		}
	}
}

// RemovePod stops every worker of a pod.
func (m *Manager) RemovePod(podUID string) { m.Sync(context.Background(), podUID, netip.Addr{}, nil) }

// Result returns the verdict of a container's probe and whether a worker
// for that run of the container exists. A container without that probe,
// or not yet synced, has no worker.
func (m *Manager) Result(podUID, container string, k Kind, startedAt time.Time) (Result, bool) {
	m.mu.Lock()
	w, ok := m.workers[key{podUID, container, k}]
	m.mu.Unlock()
	if !ok || !w.startedAt.Equal(startedAt) {
		return initialResult(k), false
	}
	return w.result(), true
}

// started reports whether a container run has passed its startup probe
// (or has none), so liveness and readiness may probe.
func (m *Manager) started(podUID, container string, startedAt time.Time) bool {
	m.mu.Lock()
	w, ok := m.workers[key{podUID, container, Startup}]
	m.mu.Unlock()
	if !ok {
		return true
	}
	return w.startedAt.Equal(startedAt) && w.result() == Success
}

// Stop stops every worker.
func (m *Manager) Stop() {
	m.mu.Lock()
	defer m.mu.Unlock()
	for kk, w := range m.workers {
		w.stop()
		delete(m.workers, kk)
	}
}
