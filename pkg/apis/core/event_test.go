package core

import (
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestValidateEvent(t *testing.T) {
	now := metav1.NewMicroTime(time.Unix(1700000000, 0))
	tests := []struct {
		name string
		ev   corev1.Event
		want []string
	}{
		{name: "old-style event", ev: corev1.Event{
			ObjectMeta:     metav1.ObjectMeta{Name: "web.1", Namespace: "default"},
			InvolvedObject: corev1.ObjectReference{Kind: "Pod", Namespace: "default", Name: "web"},
			Reason:         "Started",
		}},
		{name: "node event in default", ev: corev1.Event{
			ObjectMeta:     metav1.ObjectMeta{Name: "node-1.1", Namespace: "default"},
			InvolvedObject: corev1.ObjectReference{Kind: "Node", Name: "node-1"},
		}},
		{
			name: "namespace mismatch",
			ev: corev1.Event{
				ObjectMeta:     metav1.ObjectMeta{Name: "web.1", Namespace: "default"},
				InvolvedObject: corev1.ObjectReference{Kind: "Pod", Namespace: "team-a", Name: "web"},
			},
			want: []string{`involvedObject.namespace: Invalid value: "team-a": does not match event.namespace`},
		},
		{
			name: "new-style event needs reporting fields",
			ev: corev1.Event{
				ObjectMeta:     metav1.ObjectMeta{Name: "web.1", Namespace: "default"},
				InvolvedObject: corev1.ObjectReference{Kind: "Pod", Namespace: "default", Name: "web"},
				EventTime:      now,
				Message:        strings.Repeat("x", 1025),
			},
			want: []string{
				"reportingController: Required value",
				`reportingController: Invalid value: "": name part must be non-empty`,
				`reportingController: Invalid value: "": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')`,
				"reportingInstance: Required value",
				"action: Required value",
				"reason: Required value",
				`message: Invalid value: "": can have at most 1024 characters`,
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			checkErrors(t, ValidateEvent(&tc.ev), tc.want)
		})
	}
}

func TestValidateEventStrict(t *testing.T) {
	now := metav1.NewMicroTime(time.Unix(1700000000, 0))
	valid := corev1.Event{
		ObjectMeta:          metav1.ObjectMeta{Name: "web.1", Namespace: "default"},
		InvolvedObject:      corev1.ObjectReference{Kind: "Service", Namespace: "default", Name: "web"},
		EventTime:           now,
		Type:                corev1.EventTypeNormal,
		Reason:              "IPAllocated",
		Action:              "Allocate",
		ReportingController: "svcnet.io/lbipam",
		ReportingInstance:   "server-1",
	}
	tests := []struct {
		name string
		edit func(*corev1.Event)
		want []string
	}{
		{name: "valid"},
		{
			name: "deprecated fields set",
			edit: func(e *corev1.Event) {
				e.Type = "Info"
				e.Count = 3
				e.Source.Component = "kubelet"
				e.FirstTimestamp = metav1.Now()
			},
			want: []string{
				`type: Invalid value: "": has invalid value: Info`,
				`firstTimestamp: Invalid value: "": needs to be unset`,
				`count: Invalid value: "": needs to be unset`,
				`source: Invalid value: "": needs to be unset`,
			},
		},
		{
			name: "bad series",
			edit: func(e *corev1.Event) { e.Series = &corev1.EventSeries{Count: 1} },
			want: []string{`series.count: Invalid value: "": should be at least 2`, "series.lastObservedTime: Required value"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ev := valid.DeepCopy()
			if tc.edit != nil {
				tc.edit(ev)
			}
			checkErrors(t, ValidateEventStrict(ev), tc.want)
		})
	}

	old := valid.DeepCopy()
	old.ResourceVersion = "9"
	ev := old.DeepCopy()
	ev.Series = &corev1.EventSeries{Count: 2, LastObservedTime: now}
	checkErrors(t, ValidateEventUpdateStrict(ev, old), nil)
	ev.Reason = "Changed"
	checkErrors(t, ValidateEventUpdateStrict(ev, old), []string{`reason: Invalid value: "Changed": field is immutable`})
	checkErrors(t, ValidateEventUpdate(ev, old), nil)
}
