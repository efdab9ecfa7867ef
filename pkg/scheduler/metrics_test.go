package scheduler

import (
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes/fake"
)

// A scheduler built again (a new leader election term) on the same
// registry keeps counting in the same metrics.
func TestMetricsSurviveRebuild(t *testing.T) {
	reg := prometheus.NewRegistry()
	client := fake.NewClientset()
	var ms []*metrics
	for range 2 {
		s, err := New(Config{Client: client, Informers: informers.NewSharedInformerFactory(client, 0), Registerer: reg})
		if err != nil {
			t.Fatal(err)
		}
		ms = append(ms, s.metrics)
	}
	ms[0].observe(resultScheduled, nil, 0)
	ms[1].observe(resultScheduled, nil, 0)
	if got := counterValue(t, ms[1].attempts.WithLabelValues("scheduled")); got != 2 {
		t.Fatalf("attempts = %v, want 2", got)
	}
}

func counterValue(t *testing.T, c prometheus.Counter) float64 {
	t.Helper()
	var m dto.Metric
	if err := c.Write(&m); err != nil {
		t.Fatal(err)
	}
	return m.GetCounter().GetValue()
}
