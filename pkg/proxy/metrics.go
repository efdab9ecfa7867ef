package proxy

import (
	"errors"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/svcnet/svcnet/pkg/proxy/nftables"
)

// metricsNamespace prefixes every metric name.
const metricsNamespace = "svcnet_proxy"

// metrics are the proxy's Prometheus metrics. They always exist; they are
// exported only when Config.Registerer is set.
type metrics struct {
	syncDuration     *prometheus.HistogramVec
	programming      prometheus.Histogram
	syncFailures     prometheus.Counter
	lastSync         prometheus.Gauge
	objects          *prometheus.GaugeVec
	services         prometheus.Gauge
	conntrackCleared prometheus.Counter
	staleObjects     prometheus.Gauge
}

func newMetrics() *metrics {
	return &metrics{
		syncDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: metricsNamespace, Name: "sync_duration_seconds",
			Help:    "Time to write and apply one nftables transaction, by mode (full or partial).",
			Buckets: prometheus.ExponentialBuckets(0.001, 2, 16),
		}, []string{"mode"}),
		programming: prometheus.NewHistogram(prometheus.HistogramOpts{
			Namespace: metricsNamespace, Name: "network_programming_duration_seconds",
			Help: "Time from the change that triggered an EndpointSlice update " +
				"(endpoints.kubernetes.io/last-change-trigger-time) to the sync that programmed it.",
			Buckets: prometheus.ExponentialBuckets(0.01, 2, 16),
		}),
		syncFailures: prometheus.NewCounter(prometheus.CounterOpts{
			Namespace: metricsNamespace, Name: "sync_failures_total",
			Help: "Syncs whose nftables transaction failed; the next sync is a full one.",
		}),
		lastSync: prometheus.NewGauge(prometheus.GaugeOpts{
			Namespace: metricsNamespace, Name: "last_sync_timestamp_seconds",
			Help: "Unix time of the last successful sync.",
		}),
		objects: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Namespace: metricsNamespace, Name: "nftables_objects",
			Help: "Objects in the proxy's nftables table after the last sync, by kind (chain, rule, element, set, counter).",
		}, []string{"kind"}),
		services: prometheus.NewGauge(prometheus.GaugeOpts{
			Namespace: metricsNamespace, Name: "services",
			Help: "Services (with ports or endpoints) in the proxy's model.",
		}),
		conntrackCleared: prometheus.NewCounter(prometheus.CounterOpts{
			Namespace: metricsNamespace, Name: "conntrack_entries_deleted_total",
			Help: "Conntrack entries of removed UDP endpoints deleted.",
		}),
		staleObjects: prometheus.NewGauge(prometheus.GaugeOpts{
			Namespace: metricsNamespace, Name: "stale_objects",
			Help: "Chains and other objects no longer used and waiting for deletion.",
		}),
	}
}

func (m *metrics) register(reg prometheus.Registerer, extra ...prometheus.Collector) error {
	if reg == nil {
		return nil
	}
	all := append([]prometheus.Collector{m.syncDuration, m.programming, m.syncFailures, m.lastSync,
		m.objects, m.services, m.conntrackCleared, m.staleObjects}, extra...)
	var errs []error
	for _, c := range all {
		errs = append(errs, reg.Register(c))
	}
	return errors.Join(errs...)
}

func (m *metrics) setCounts(c nftables.Counts) {
	m.objects.WithLabelValues("chain").Set(float64(c.Chains))
	m.objects.WithLabelValues("rule").Set(float64(c.Rules))
	m.objects.WithLabelValues("element").Set(float64(c.Elements))
	m.objects.WithLabelValues("set").Set(float64(c.Sets))
	m.objects.WithLabelValues("counter").Set(float64(c.Counters))
}
