package events

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

func checkErrors(t *testing.T, got field.ErrorList, want []string) {
	t.Helper()
	gotStrs := []string{}
	for _, e := range got {
		gotStrs = append(gotStrs, e.Error())
	}
	if want == nil {
		want = []string{}
	}
	if diff := cmp.Diff(want, gotStrs); diff != "" {
		t.Errorf("errors mismatch (-want +got):\n%s\ngot:\n%s", diff, strings.Join(gotStrs, "\n"))
	}
}

// validEvent is an event the LB controller might record.
func validEvent() *eventsv1.Event {
	return &eventsv1.Event{
		ObjectMeta:          metav1.ObjectMeta{Name: "web.17a", Namespace: "default"},
		EventTime:           metav1.NewMicroTime(time.Unix(1700000000, 0)),
		ReportingController: "svcnet.io/lbipam",
		ReportingInstance:   "server-1",
		Action:              "Allocate",
		Reason:              "IPAllocated",
		Regarding:           corev1.ObjectReference{Kind: "Service", Namespace: "default", Name: "web"},
		Note:                "assigned 203.0.113.5",
		Type:                corev1.EventTypeNormal,
	}
}

func TestValidateEvent(t *testing.T) {
	tests := []struct {
		name string
		edit func(*eventsv1.Event)
		want []string
	}{
		{name: "valid"},
		{
			name: "missing reporting fields",
			edit: func(e *eventsv1.Event) { e.ReportingInstance = ""; e.Action = ""; e.Reason = "" },
			want: []string{"reportingInstance: Required value", "action: Required value", "reason: Required value"},
		},
		{
			name: "missing eventTime makes it an old-style event",
			edit: func(e *eventsv1.Event) { e.EventTime = metav1.MicroTime{} },
			want: []string{"eventTime: Required value"},
		},
		{
			name: "note too long and bad type",
			edit: func(e *eventsv1.Event) { e.Note = strings.Repeat("n", 1025); e.Type = "Info" },
			want: []string{`message: Invalid value: "": can have at most 1024 characters`, `type: Invalid value: "": has invalid value: Info`},
		},
		{
			name: "regarding another namespace",
			edit: func(e *eventsv1.Event) { e.Regarding.Namespace = "team-a" },
			want: nil,
		},
		{
			name: "cluster-scoped object outside default and kube-system",
			edit: func(e *eventsv1.Event) {
				e.Namespace = "team-a"
				e.Regarding = corev1.ObjectReference{Kind: "Node", Name: "node-1"}
			},
			want: []string{`involvedObject.namespace: Invalid value: "": does not match event.namespace`},
		},
		{
			name: "deprecated fields",
			edit: func(e *eventsv1.Event) {
				e.DeprecatedCount = 2
				e.DeprecatedSource = corev1.EventSource{Component: "x"}
			},
			want: []string{`count: Invalid value: "": needs to be unset`, `source: Invalid value: "": needs to be unset`},
		},
		{
			name: "series",
			edit: func(e *eventsv1.Event) { e.Series = &eventsv1.EventSeries{Count: 1} },
			want: []string{`series.count: Invalid value: "": should be at least 2`, "series.lastObservedTime: Required value"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := validEvent()
			if tc.edit != nil {
				tc.edit(e)
			}
			checkErrors(t, ValidateEvent(e), tc.want)
		})
	}
}

func TestValidateEventUpdate(t *testing.T) {
	old := validEvent()
	old.ResourceVersion = "4"
	e := old.DeepCopy()
	e.Series = &eventsv1.EventSeries{Count: 2, LastObservedTime: metav1.NewMicroTime(time.Unix(1700000060, 0))}
	checkErrors(t, ValidateEventUpdate(e, old), nil)
	e.Note = "changed"
	e.Action = "Release"
	checkErrors(t, ValidateEventUpdate(e, old), []string{
		`message: Invalid value: "changed": field is immutable`,
		`action: Invalid value: "Release": field is immutable`,
	})
}

func TestToCore(t *testing.T) {
	e := validEvent()
	e.Series = &eventsv1.EventSeries{Count: 3}
	e.DeprecatedCount = 7
	c := ToCore(e)
	if c.Message != e.Note || c.InvolvedObject != e.Regarding || c.Count != 7 || c.Series.Count != 3 || c.ReportingController != e.ReportingController {
		t.Errorf("ToCore(%+v) = %+v", e, c)
	}
}
