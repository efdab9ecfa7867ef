package probe

import (
	"context"
	"net/netip"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
)

// worker probes one kind of probe of one run of a container.
type worker struct {
	m         *Manager
	key       key
	spec      *corev1.Probe
	container *corev1.Container
	podIP     netip.Addr
	startedAt time.Time

	mu      sync.Mutex
	tracker *Tracker
	done    chan struct{}
	once    sync.Once
}

func (m *Manager) newWorker(k key, p *corev1.Probe, rc RunningContainer, podIP netip.Addr) *worker {
	return &worker{
		m: m, key: k, spec: p, container: rc.Spec, podIP: podIP, startedAt: rc.StartedAt,
		tracker: NewTracker(p.SuccessThreshold, p.FailureThreshold, initialResult(k.kind)),
		done:    make(chan struct{}),
	}
}

func (w *worker) stop() { w.once.Do(func() { close(w.done) }) }

func (w *worker) result() Result {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.tracker.Result
}

func (w *worker) period() time.Duration {
	if w.spec.PeriodSeconds <= 0 {
		return 10 * time.Second
	}
	return time.Duration(w.spec.PeriodSeconds) * time.Second
}

// run waits out the initial delay, then probes every period until stopped.
func (w *worker) run(ctx context.Context) {
	clk := w.m.c.Clock
	delay := w.startedAt.Add(time.Duration(w.spec.InitialDelaySeconds) * time.Second).Sub(clk.Now())
	if delay > 0 {
		t := clk.NewTimer(delay)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-w.done:
			t.Stop()
			return
		case <-t.C():
		}
	}
	ticker := clk.NewTicker(w.period())
	defer ticker.Stop()
	for {
		if !w.probeOnce(ctx) {
			return
		}
		select {
		case <-ctx.Done():
			return
		case <-w.done:
			return
		case <-ticker.C():
		}
	}
}

// probeOnce runs one probe if the container may be probed; it returns
// false once this worker has nothing more to do.
func (w *worker) probeOnce(ctx context.Context) bool {
	k := w.key
	if k.kind == Startup && w.result() == Success {
		return false
	}
	if k.kind != Startup && !w.m.started(k.uid, k.container, w.startedAt) {
		return true
	}
	target := Target{PodUID: k.uid, Container: k.container, PodIP: w.podIP, Ports: w.container.Ports}
	r, msg := w.m.c.Prober.Probe(ctx, target, w.spec)
	select {
	case <-w.done:
		return false
	default:
	}
	if r != Success {
		w.m.c.Logger.Debug("probe failed", "pod", k.uid, "container", k.container, "probe", string(k.kind), "message", msg)
	}
	w.mu.Lock()
	changed := w.tracker.Observe(r)
	w.mu.Unlock()
	if changed {
		w.m.c.OnChange(k.uid)
	}
	return true
}
