package events

import (
	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/svcnet/svcnet/pkg/apis/core"
)

// ValidateEvent validates an events.k8s.io/v1 Event on create: on top of the
// namespace rules every event follows, it needs an eventTime, a type of
// Normal or Warning, reportingController (a qualified name),
// reportingInstance, action and reason, a valid series, and none of the
// deprecated fields.
func ValidateEvent(event *eventsv1.Event) field.ErrorList {
	return core.ValidateEventStrict(ToCore(event))
}

// ValidateEventUpdate validates an events.k8s.io/v1 Event update: only the
// series and metadata may change.
func ValidateEventUpdate(newEvent, oldEvent *eventsv1.Event) field.ErrorList {
	return core.ValidateEventUpdateStrict(ToCore(newEvent), ToCore(oldEvent))
}

// ToCore returns the core/v1 form of an events.k8s.io/v1 Event.
func ToCore(e *eventsv1.Event) *corev1.Event {
	out := &corev1.Event{
		ObjectMeta:          *e.ObjectMeta.DeepCopy(),
		InvolvedObject:      e.Regarding,
		Reason:              e.Reason,
		Message:             e.Note,
		Source:              e.DeprecatedSource,
		FirstTimestamp:      e.DeprecatedFirstTimestamp,
		LastTimestamp:       e.DeprecatedLastTimestamp,
		Count:               e.DeprecatedCount,
		Type:                e.Type,
		EventTime:           e.EventTime,
		Action:              e.Action,
		Related:             e.Related,
		ReportingController: e.ReportingController,
		ReportingInstance:   e.ReportingInstance,
	}
	if e.Series != nil {
		out.Series = &corev1.EventSeries{Count: e.Series.Count, LastObservedTime: e.Series.LastObservedTime}
	}
	return out
}
