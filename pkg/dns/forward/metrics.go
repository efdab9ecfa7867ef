package forward

import (
	"fmt"

	"github.com/prometheus/client_golang/prometheus"
)

type metrics struct {
	cacheHits, cacheMisses prometheus.Counter
	tcpRetries             prometheus.Counter
	requests               *prometheus.CounterVec
	duration               *prometheus.HistogramVec
}

func newMetrics(reg prometheus.Registerer, cache *Cache) (*metrics, error) {
	m := &metrics{
		cacheHits: prometheus.NewCounter(prometheus.CounterOpts{
			Namespace: "svcnet", Subsystem: "dns", Name: "cache_hits_total",
			Help: "Forwarded queries answered from the cache.",
		}),
		cacheMisses: prometheus.NewCounter(prometheus.CounterOpts{
			Namespace: "svcnet", Subsystem: "dns", Name: "cache_misses_total",
			Help: "Forwarded queries not found in the cache.",
		}),
		tcpRetries: prometheus.NewCounter(prometheus.CounterOpts{
			Namespace: "svcnet", Subsystem: "dns", Name: "forward_tcp_retries_total",
			Help: "Truncated UDP replies from upstreams retried over TCP.",
		}),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "svcnet", Subsystem: "dns", Name: "forward_requests_total",
			Help: "Exchanges with upstream resolvers by upstream and outcome (rcode, timeout or error).",
		}, []string{"upstream", "rcode"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: "svcnet", Subsystem: "dns", Name: "forward_duration_seconds",
			Help:    "Time of exchanges with upstream resolvers, TCP retries included.",
			Buckets: prometheus.ExponentialBuckets(0.00025, 2, 16),
		}, []string{"upstream"}),
	}
	if reg == nil {
		return m, nil
	}
	entries := prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Namespace: "svcnet", Subsystem: "dns", Name: "cache_entries",
		Help: "Replies in the forwarding cache, expired ones not yet evicted included.",
	}, func() float64 { return float64(cache.Len()) })
	for _, c := range []prometheus.Collector{m.cacheHits, m.cacheMisses, m.tcpRetries, m.requests, m.duration, entries} {
		if err := reg.Register(c); err != nil {
			return nil, fmt.Errorf("registering forwarding metrics: %w", err)
		}
	}
	return m, nil
}
