package endpointslicemirroring

import (
	"fmt"

	"github.com/prometheus/client_golang/prometheus"
)

// metrics are the controller's Prometheus metrics.
type metrics struct {
	changes  *prometheus.CounterVec
	syncs    *prometheus.CounterVec
	skipped  prometheus.Counter
	duration prometheus.Histogram
}

func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	m := &metrics{
		changes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "endpoint_slice_mirroring_controller_changes_total",
			Help: "Mirrored EndpointSlice writes, by operation (create, update, delete).",
		}, []string{"operation"}),
		syncs: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "endpoint_slice_mirroring_controller_syncs_total",
			Help: "Endpoints syncs by the mirroring controller, by result (success, error, stale).",
		}, []string{"result"}),
		skipped: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "endpoint_slice_mirroring_controller_addresses_skipped_total",
			Help: "Endpoints addresses not mirrored: invalid IPs, or beyond the per-subset maximum.",
		}),
		duration: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "endpoint_slice_mirroring_controller_sync_duration_seconds",
			Help:    "Time to mirror one Endpoints object, writes included.",
			Buckets: prometheus.ExponentialBuckets(0.0005, 2, 16),
		}),
	}
	if reg == nil {
		return m, nil
	}
	for _, c := range []prometheus.Collector{m.changes, m.syncs, m.skipped, m.duration} {
		if err := reg.Register(c); err != nil {
			return nil, fmt.Errorf("endpointslicemirroring: registering metrics: %w", err)
		}
	}
	return m, nil
}
