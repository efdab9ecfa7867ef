package printers

import (
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
)

func microAgo(d time.Duration) metav1.MicroTime {
	return metav1.NewMicroTime(testNow.Add(-d))
}

func TestCoreEventGolden(t *testing.T) {
	scheduled := corev1.Event{
		ObjectMeta:     objMeta("nginx.17f1a2b3c4d5e6f7", 2*time.Minute),
		InvolvedObject: corev1.ObjectReference{Kind: "Pod", Name: "nginx"},
		Reason:         "Scheduled",
		Message:        "Successfully assigned default/nginx to node01",
		Type:           corev1.EventTypeNormal,
		EventTime:      microAgo(2 * time.Minute),
		// Scheduler events carry no source, only the reporting controller.
		ReportingController: "default-scheduler",
	}
	pulled := corev1.Event{
		ObjectMeta:     objMeta("nginx.17f1a2b3c4d5e6f8", 100*time.Second),
		InvolvedObject: corev1.ObjectReference{Kind: "Pod", Name: "nginx", FieldPath: "spec.containers{nginx}"},
		Reason:         "BackOff",
		Message:        "Back-off restarting failed container\n",
		Type:           corev1.EventTypeWarning,
		Source:         corev1.EventSource{Component: "kubelet", Host: "node01"},
		FirstTimestamp: ago(100 * time.Second),
		LastTimestamp:  ago(5 * time.Second),
		Count:          7,
	}
	list := &corev1.EventList{Items: []corev1.Event{scheduled, pulled}}
	checkRender(t, list, false, lines(
		"LAST SEEN   TYPE      REASON      OBJECT      MESSAGE",
		"2m          Normal    Scheduled   pod/nginx   Successfully assigned default/nginx to node01",
		"5s          Warning   BackOff     pod/nginx   Back-off restarting failed container",
	))
	checkRender(t, list, true, lines(
		"LAST SEEN   TYPE      REASON      OBJECT      SUBOBJECT                SOURCE              MESSAGE                                         FIRST SEEN   COUNT   NAME",
		"2m          Normal    Scheduled   pod/nginx                            default-scheduler   Successfully assigned default/nginx to node01   2m           1       nginx.17f1a2b3c4d5e6f7",
		"5s          Warning   BackOff     pod/nginx   spec.containers{nginx}   kubelet, node01     Back-off restarting failed container            100s         7       nginx.17f1a2b3c4d5e6f8",
	))
}

func TestEventCells(t *testing.T) {
	tests := []struct {
		name  string
		event runtime.Object
		want  map[string]any
	}{
		{"series overrides last seen and count", &corev1.Event{
			ObjectMeta:     objMeta("e", time.Hour),
			InvolvedObject: corev1.ObjectReference{Kind: "Node"},
			EventTime:      microAgo(time.Hour),
			Series:         &corev1.EventSeries{Count: 12, LastObservedTime: microAgo(30 * time.Second)},
			Count:          3,
		}, map[string]any{"LAST SEEN": "30s", "FIRST SEEN": "60m", "COUNT": int64(12), "OBJECT": "node"}},
		{"no times at all", &corev1.Event{ObjectMeta: objMeta("e", time.Hour)}, map[string]any{"LAST SEEN": "<unknown>", "FIRST SEEN": "<unknown>", "COUNT": int64(1), "SOURCE": ""}},
		{"source host falls back to reporting instance", &corev1.Event{
			ObjectMeta:        objMeta("e", time.Hour),
			Source:            corev1.EventSource{Component: "kubelet"},
			ReportingInstance: "node02",
		}, map[string]any{"SOURCE": "kubelet, node02"}},
		{"events.k8s.io event", &eventsv1.Event{
			ObjectMeta:          objMeta("web.1", time.Hour),
			EventTime:           microAgo(10 * time.Minute),
			Series:              &eventsv1.EventSeries{Count: 4, LastObservedTime: microAgo(3 * time.Minute)},
			ReportingController: "svcnet.io/endpointslice-controller",
			ReportingInstance:   "server-1",
			Reason:              "FailedToUpdateEndpointSlices",
			Regarding:           corev1.ObjectReference{Kind: "Service", Name: "web", FieldPath: "spec"},
			Note:                "  Error updating Endpoint Slices  ",
			Type:                corev1.EventTypeWarning,
		}, map[string]any{
			"LAST SEEN": "3m", "TYPE": "Warning", "REASON": "FailedToUpdateEndpointSlices", "OBJECT": "service/web",
			"SUBOBJECT": "spec", "SOURCE": "svcnet.io/endpointslice-controller, server-1", "MESSAGE": "Error updating Endpoint Slices",
			"FIRST SEEN": "10m", "COUNT": int64(4), "NAME": "web.1",
		}},
		{"events.k8s.io event with deprecated fields", &eventsv1.Event{
			ObjectMeta:               objMeta("web.2", time.Hour),
			DeprecatedSource:         corev1.EventSource{Component: "kubelet", Host: "node01"},
			DeprecatedFirstTimestamp: ago(20 * time.Minute),
			DeprecatedLastTimestamp:  ago(time.Minute),
			DeprecatedCount:          2,
			Regarding:                corev1.ObjectReference{Kind: "Pod", Name: "web"},
		}, map[string]any{"LAST SEEN": "60s", "FIRST SEEN": "20m", "COUNT": int64(2), "SOURCE": "kubelet, node01"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkCells(t, tt.event, tt.want)
		})
	}
}
