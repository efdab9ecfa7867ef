package scheduler

import (
	"errors"
	"fmt"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// metrics are the scheduler's Prometheus collectors; they are registered only
// when a Registerer is given.
type metrics struct {
	attempts *prometheus.CounterVec
	duration prometheus.Histogram
}

func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	m := &metrics{
		attempts: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "svcnet_scheduler_schedule_attempts_total",
			Help: "Scheduling attempts, by result (scheduled, unschedulable, skipped or error).",
		}, []string{"result"}),
		duration: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "svcnet_scheduler_attempt_duration_seconds",
			Help:    "Time for one scheduling attempt, binding included.",
			Buckets: prometheus.ExponentialBuckets(0.0005, 2, 16),
		}),
	}
	if reg == nil {
		return m, nil
	}
	var err error
	if m.attempts, err = register(reg, m.attempts); err != nil {
		return nil, fmt.Errorf("registering scheduler metrics: %w", err)
	}
	if m.duration, err = register(reg, m.duration); err != nil {
		return nil, fmt.Errorf("registering scheduler metrics: %w", err)
	}
	return m, nil
}

func (m *metrics) observe(r result, err error, d time.Duration) {
	if err != nil {
		r = resultError
	}
	m.attempts.WithLabelValues(string(r)).Inc()
	m.duration.Observe(d.Seconds())
}

// register registers c, or, when an equal collector is already registered
// (a controller built again after a new leader election term), returns
// that one so counting continues.
func register[T prometheus.Collector](reg prometheus.Registerer, c T) (T, error) {
	err := reg.Register(c)
	if err == nil {
		return c, nil
	}
	var are prometheus.AlreadyRegisteredError
	if errors.As(err, &are) {
		if existing, ok := are.ExistingCollector.(T); ok {
			return existing, nil
		}
	}
	return c, err
}
