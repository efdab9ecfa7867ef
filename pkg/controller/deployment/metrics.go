package deployment

import (
	"errors"
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
	if reg == nil {
		return m, nil
	}
	var err error
	if m.syncs, err = register(reg, m.syncs); err != nil {
		return nil, fmt.Errorf("registering deployment metrics: %w", err)
	}
	if m.syncDuration, err = register(reg, m.syncDuration); err != nil {
		return nil, fmt.Errorf("registering deployment metrics: %w", err)
	}
	if m.writes, err = register(reg, m.writes); err != nil {
		return nil, fmt.Errorf("registering deployment metrics: %w", err)
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
