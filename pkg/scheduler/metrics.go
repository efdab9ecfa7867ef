package scheduler

import (
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
	if reg != nil {
		for _, c := range []prometheus.Collector{m.attempts, m.duration} {
			if err := reg.Register(c); err != nil {
				return nil, fmt.Errorf("registering scheduler metrics: %w", err)
			}
		}
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
