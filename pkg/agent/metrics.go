package agent

import (
	"errors"

	"github.com/prometheus/client_golang/prometheus"
)

// metrics are the agent's Prometheus collectors.
type metrics struct {
	podSyncs          *prometheus.CounterVec
	statusUpdates     prometheus.Counter
	containerStarts   prometheus.Counter
	containerRestarts prometheus.Counter
	heartbeatFailures prometheus.Counter
	sandboxes         prometheus.Gauge
}

func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	m := &metrics{
		podSyncs: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "svcnet_agent_pod_syncs_total", Help: "Pod syncs by result (success, error).",
		}, []string{"result"}),
		statusUpdates: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "svcnet_agent_pod_status_updates_total", Help: "Pod status writes (only changed statuses are written).",
		}),
		containerStarts: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "svcnet_agent_container_starts_total", Help: "Container processes started, restarts included.",
		}),
		containerRestarts: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "svcnet_agent_container_restarts_total", Help: "Container restarts (after an exit or a failed liveness or startup probe).",
		}),
		heartbeatFailures: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "svcnet_agent_heartbeat_failures_total", Help: "Failed Lease renewals and node status posts.",
		}),
		sandboxes: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "svcnet_agent_pod_sandboxes", Help: "Pod sandboxes on the node at the last relist.",
		}),
	}
	if reg == nil {
		return m, nil
	}
	var err error
	if m.podSyncs, err = register(reg, m.podSyncs); err != nil {
		return nil, err
	}
	for _, c := range []*prometheus.Counter{&m.statusUpdates, &m.containerStarts, &m.containerRestarts, &m.heartbeatFailures} {
		if *c, err = register(reg, *c); err != nil {
			return nil, err
		}
	}
	if m.sandboxes, err = register(reg, m.sandboxes); err != nil {
		return nil, err
	}
	return m, nil
}

// register registers c, or returns the collector already registered under
// its name, so that an agent rebuilt in the same process (a restarted
// in-process agent) keeps counting in the same series.
func register[C prometheus.Collector](reg prometheus.Registerer, c C) (C, error) {
	err := reg.Register(c)
	var are prometheus.AlreadyRegisteredError
	if errors.As(err, &are) {
		if existing, ok := are.ExistingCollector.(C); ok {
			return existing, nil
		}
	}
	return c, err
}
