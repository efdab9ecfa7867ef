package replicaset

import (
	"fmt"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// metrics are the controller's Prometheus collectors. They always exist, so
// the code never checks; they are registered only when a Registerer is given.
type metrics struct {
	syncs        *prometheus.CounterVec
	syncDuration prometheus.Histogram
	podsCreated  prometheus.Counter
	podsDeleted  prometheus.Counter
}

func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	m := &metrics{
		syncs: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "svcnet_replicaset_controller_syncs_total",
			Help: "ReplicaSet syncs, by result (success or error).",
		}, []string{"result"}),
		syncDuration: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "svcnet_replicaset_controller_sync_duration_seconds",
			Help:    "Time to sync one ReplicaSet.",
			Buckets: prometheus.ExponentialBuckets(0.0005, 2, 16),
		}),
		podsCreated: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "svcnet_replicaset_controller_pods_created_total",
			Help: "Pods created by the ReplicaSet controller.",
		}),
		podsDeleted: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "svcnet_replicaset_controller_pods_deleted_total",
			Help: "Pods deleted by the ReplicaSet controller.",
		}),
	}
	if reg != nil {
		for _, c := range []prometheus.Collector{m.syncs, m.syncDuration, m.podsCreated, m.podsDeleted} {
			if err := reg.Register(c); err != nil {
				return nil, fmt.Errorf("registering replicaset metrics: %w", err)
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
