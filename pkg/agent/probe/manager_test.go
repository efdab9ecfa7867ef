package probe

import (
	"context"
	"net/netip"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
)

// scripted is a Prober whose results the test sets per container and kind.
type scripted struct {
	mu      sync.Mutex
	results map[string]Result
}

func (s *scripted) set(container string, k Kind, r Result) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.results[container+"/"+string(k)] = r
}

func (s *scripted) Probe(_ context.Context, t Target, p *corev1.Probe) (Result, string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	k := Readiness
	if p.Exec != nil && p.Exec.Command[0] == "live" {
		k = Liveness
	} else if p.Exec != nil && p.Exec.Command[0] == "start" {
		k = Startup
	}
	if r, ok := s.results[t.Container+"/"+string(k)]; ok {
		return r, "scripted"
	}
	return Failure, "not scripted"
}

func execProbe(cmd string) *corev1.Probe {
	return &corev1.Probe{
		ProbeHandler:  corev1.ProbeHandler{Exec: &corev1.ExecAction{Command: []string{cmd}}},
		PeriodSeconds: 1, FailureThreshold: 1, SuccessThreshold: 1,
	}
}

func waitFor(t *testing.T, what string, f func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !f() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestManagerStartupGatesReadiness(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	sp := &scripted{results: map[string]Result{}}
	changes := make(chan string, 10)
	m := NewManager(Config{Prober: sp, OnChange: func(uid string) { changes <- uid }})
	defer m.Stop()
	c := &corev1.Container{Name: "app", ReadinessProbe: execProbe("ready"), StartupProbe: execProbe("start")}
	started := time.Now()
	sp.set("app", Readiness, Success)
	m.Sync(ctx, "uid1", netip.MustParseAddr("10.244.0.5"), []RunningContainer{{Spec: c, StartedAt: started}})

	time.Sleep(1500 * time.Millisecond)
	if r, _ := m.Result("uid1", "app", Readiness, started); r != Failure {
		t.Fatalf("readiness before startup succeeded = %v, want failure", r)
	}
	sp.set("app", Startup, Success)
	waitFor(t, "ready", func() bool {
		r, _ := m.Result("uid1", "app", Readiness, started)
		return r == Success
	})
	if r, ok := m.Result("uid1", "app", Startup, started); r != Success || !ok {
		t.Errorf("startup = %v %v", r, ok)
	}
	if len(changes) == 0 {
		t.Errorf("OnChange was not called")
	}
	// A new run of the container starts over, not ready until probed.
	sp.set("app", Readiness, Failure)
	restarted := started.Add(time.Second)
	m.Sync(ctx, "uid1", netip.MustParseAddr("10.244.0.5"), []RunningContainer{{Spec: c, StartedAt: restarted}})
	if r, ok := m.Result("uid1", "app", Readiness, restarted); r != Failure || !ok {
		t.Errorf("readiness of a new run = %v %v, want failure", r, ok)
	}
	if _, ok := m.Result("uid1", "app", Readiness, started); ok {
		t.Errorf("the old run's worker survives")
	}
	m.RemovePod("uid1")
	if _, ok := m.Result("uid1", "app", Readiness, restarted); ok {
		t.Errorf("worker survives RemovePod")
	}
}

func TestManagerLivenessFailure(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	sp := &scripted{results: map[string]Result{}}
	m := NewManager(Config{Prober: sp})
	defer m.Stop()
	c := &corev1.Container{Name: "app", LivenessProbe: execProbe("live")}
	started := time.Now()
	sp.set("app", Liveness, Success)
	m.Sync(ctx, "uid1", netip.Addr{}, []RunningContainer{{Spec: c, StartedAt: started}})
	if r, _ := m.Result("uid1", "app", Liveness, started); r != Success {
		t.Fatalf("initial liveness %v", r)
	}
	sp.set("app", Liveness, Failure)
	waitFor(t, "liveness failure", func() bool {
		r, _ := m.Result("uid1", "app", Liveness, started)
		return r == Failure
	})
}
