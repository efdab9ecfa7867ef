package deployment

import (
	"fmt"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// metrics are the controller's Prometheus collectors; they are registered
// only when a Registerer is given.
type metrics struct {
	syncs        *prometheus.CounterVec
	syncDuration prometheus.Histogram
	writes       *prometheus.CounterVec
}

func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	m := &metrics{
		syncs: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "svcnet_deployment_controller_syncs_total",
			Help: "Deployment syncs, by result (success or error).",
		}, []string{"result"}),
		syncDuration: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "svcnet_deployment_controller_sync_duration_seconds",
			Help:    "Time to sync one Deployment.",
			Buckets: prometheus.ExponentialBuckets(0.0005, 2, 16),
		}),
		writes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "svcnet_deployment_controller_replicaset_writes_total",
			Help: "ReplicaSet writes by the Deployment controller, by operation (create, update, delete).",
		}, []string{"op"}),
	}
	if reg != nil {
		for _, c := range []prometheus.Collector{m.syncs, m.syncDuration, m.writes} {
			if err := reg.Register(c); err != nil {
				return nil, fmt.Errorf("registering deployment metrics: %w", err)
			}
		}
	}
	return m, nil
}

func (m *metrics) observeSync(err error, d time.Duration) {
	result := "success"
	if err != nil {
		result = "error"
	}
	m.syncs.WithLabelValues(result).Inc()
	m.syncDuration.Observe(d.Seconds())
}
