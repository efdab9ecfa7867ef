package agent

import (
	"testing"
	"time"
)

func TestBackoff(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	b := newBackoff(10*time.Second, 5*time.Minute)
	const k = "uid/app"
	if _, _, wait := b.inBackoff(k, t0, t0); wait {
		t.Fatal("first crash must restart at once")
	}
	// Each restart doubles the delay the next crash waits, up to 5m.
	var got []time.Duration
	now := t0
	for range 8 {
		got = append(got, b.next(k, now))
		now = now.Add(time.Second)
	}
	want := []time.Duration{10 * time.Second, 20 * time.Second, 40 * time.Second, 80 * time.Second, 160 * time.Second, 300 * time.Second, 300 * time.Second, 300 * time.Second}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("restart %d: delay %v, want %v", i, got[i], want[i])
		}
	}

	b = newBackoff(10*time.Second, 5*time.Minute)
	b.next(k, t0) // first restart at t0: the next crash waits 10s
	crash := t0.Add(3 * time.Second)
	if d, rem, wait := b.inBackoff(k, crash, crash.Add(4*time.Second)); !wait || d != 10*time.Second || rem != 6*time.Second {
		t.Errorf("inBackoff = %v %v %v, want 10s 6s true", d, rem, wait)
	}
	if _, _, wait := b.inBackoff(k, crash, crash.Add(10*time.Second)); wait {
		t.Errorf("still in back-off after the delay")
	}
	if d := b.next(k, crash.Add(10*time.Second)); d != 20*time.Second {
		t.Errorf("second restart delay %v, want 20s", d)
	}
	// Ten quiet minutes (2×max) reset it.
	late := crash.Add(10*time.Second + 11*time.Minute)
	if _, _, wait := b.inBackoff(k, late, late); wait {
		t.Errorf("back-off not reset after 10 minutes")
	}
	if d := b.next(k, late); d != 10*time.Second {
		t.Errorf("delay after reset %v, want 10s", d)
	}
	b.forget("uid/")
	if _, _, wait := b.inBackoff(k, late, late); wait {
		t.Errorf("forget kept the entry")
	}
}
