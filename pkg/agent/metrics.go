package agent

import "github.com/prometheus/client_golang/prometheus"

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
	for _, c := range []prometheus.Collector{m.podSyncs, m.statusUpdates, m.containerStarts, m.containerRestarts, m.heartbeatFailures, m.sandboxes} {
		if err := reg.Register(c); err != nil {
			return nil, err
		}
	}
	return m, nil
}
