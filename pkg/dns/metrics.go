package dns

import (
	"fmt"
	"strconv"

	"github.com/miekg/dns"
	"github.com/prometheus/client_golang/prometheus"
)

// metrics are the server's own metrics; package forward keeps the
// forwarding and cache ones.
type metrics struct {
	queries   *prometheus.CounterVec
	duration  *prometheus.HistogramVec
	truncated *prometheus.CounterVec
}

func newMetrics(reg prometheus.Registerer, index *Index) (*metrics, error) {
	m := &metrics{
		queries: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "svcnet", Subsystem: "dns", Name: "queries_total",
			Help: "Queries answered, by transport, query type and response code.",
		}, []string{"proto", "type", "rcode"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: "svcnet", Subsystem: "dns", Name: "query_duration_seconds",
			Help:    "Time to answer a query, by the handler that answered it (cluster, forward or server).",
			Buckets: prometheus.ExponentialBuckets(0.00001, 2.5, 14),
		}, []string{"handler"}),
		truncated: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "svcnet", Subsystem: "dns", Name: "truncated_responses_total",
			Help: "Responses truncated to fit the client's buffer (TC set), by transport.",
		}, []string{"proto"}),
	}
	if reg == nil {
		return m, nil
	}
	gauge := func(name, help string, f func() float64) prometheus.Collector {
		return prometheus.NewGaugeFunc(prometheus.GaugeOpts{Namespace: "svcnet", Subsystem: "dns", Name: name, Help: help}, f)
	}
	collectors := []prometheus.Collector{
		m.queries, m.duration, m.truncated,
		gauge("index_synced", "1 once the index has synced with the API server.", func() float64 {
			if index.Synced() {
				return 1
			}
			return 0
		}),
		gauge("index_services", "Services in the index.", func() float64 { return float64(index.Stats().Services) }),
		gauge("index_endpoints", "Ready endpoints in the index.", func() float64 { return float64(index.Stats().Endpoints) }),
		gauge("index_pods", "Pods in the index.", func() float64 { return float64(index.Stats().Pods) }),
	}
	for _, c := range collectors {
		if err := reg.Register(c); err != nil {
			return nil, fmt.Errorf("registering dns metrics: %w", err)
		}
	}
	return m, nil
}

// typeLabel keeps the type label to a fixed set.
func typeLabel(t uint16) string {
	switch t {
	case dns.TypeA, dns.TypeAAAA, dns.TypeSRV, dns.TypePTR, dns.TypeCNAME, dns.TypeTXT,
		dns.TypeSOA, dns.TypeNS, dns.TypeMX, dns.TypeANY, dns.TypeHTTPS, dns.TypeSVCB:
		return dns.TypeToString[t]
	}
	return "other"
}

func rcodeLabel(rcode int) string {
	if s, ok := dns.RcodeToString[rcode]; ok {
		return s
	}
	return strconv.Itoa(rcode)
}
