package endpoints

import (
	"fmt"

	"github.com/prometheus/client_golang/prometheus"
)

// metrics are the controller's Prometheus metrics.
type metrics struct {
	changes  *prometheus.CounterVec
	syncs    *prometheus.CounterVec
	duration prometheus.Histogram
}

func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	m := &metrics{
		changes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "endpoints_controller_changes_total",
			Help: "Endpoints writes by the Endpoints controller, by operation (create, update, delete).",
		}, []string{"operation"}),
		syncs: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "endpoints_controller_syncs_total",
			Help: "Service syncs by the Endpoints controller, by result (success, error, stale).",
		}, []string{"result"}),
		duration: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "endpoints_controller_sync_duration_seconds",
			Help:    "Time to sync one Service's Endpoints, API writes included.",
			Buckets: prometheus.ExponentialBuckets(0.0005, 2, 16),
		}),
	}
	if reg == nil {
		return m, nil
	}
	for _, c := range []prometheus.Collector{m.changes, m.syncs, m.duration} {
		if err := reg.Register(c); err != nil {
			return nil, fmt.Errorf("endpoints: registering metrics: %w", err)
		}
	}
	return m, nil
}
