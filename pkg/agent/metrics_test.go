package agent

import (
	"context"
	"fmt"
	"net/netip"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// metricValue sums a metric's samples in a registry.
func metricValue(t *testing.T, reg *prometheus.Registry, name string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var sum float64
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
		for _, m := range mf.GetMetric() {
			sum += m.GetCounter().GetValue() + m.GetGauge().GetValue()
		}
	}
	return sum
}

func TestAgentMetrics(t *testing.T) {
	client := newFakeCluster("node-a")
	rt := newTestRuntime(func() netip.Prefix { return testCIDR })
	reg := prometheus.NewRegistry()
	c := testConfig(client, "node-a", rt, newScriptedProber())
	c.Registerer = reg
	startAgent(t, c)
	pod := newPod("ns", "m", "node-a", nginx())
	_, _ = client.CoreV1().Pods("ns").Create(context.Background(), pod, metav1.CreateOptions{})
	eventually(t, 5*time.Second, func() string {
		if !podReady(getPod(t, client, "ns", "m")) {
			return "not ready"
		}
		_ = rt.f().ExitContainer(string(pod.UID), "web", 1)
		return ""
	})
	eventually(t, 5*time.Second, func() string {
		for name, atLeast := range map[string]float64{
			"svcnet_agent_pod_syncs_total": 1, "svcnet_agent_pod_status_updates_total": 1,
			"svcnet_agent_container_starts_total": 2, "svcnet_agent_container_restarts_total": 1,
			"svcnet_agent_pod_sandboxes": 1,
		} {
			if v := metricValue(t, reg, name); v < atLeast {
				return fmt.Sprintf("%s = %v, want >= %v", name, v, atLeast)
			}
		}
		return ""
	})
	// An agent rebuilt in the same process keeps the same series.
	before := metricValue(t, reg, "svcnet_agent_container_starts_total")
	a2, err := New(c)
	if err != nil {
		t.Fatalf("second agent on the same registry: %v", err)
	}
	a2.metrics.containerStarts.Inc()
	if after := metricValue(t, reg, "svcnet_agent_container_starts_total"); after != before+1 {
		t.Errorf("second agent's counter not shared: %v -> %v", before, after)
	}
}
