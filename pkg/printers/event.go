package printers

import (
	"cmp"
	"fmt"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// eventColumns: LAST SEEN TYPE REASON OBJECT MESSAGE, wide SUBOBJECT and
// SOURCE before MESSAGE and FIRST SEEN COUNT NAME after it. Event tables
// have no AGE and keep NAME for -o wide.
func eventColumns() []metav1.TableColumnDefinition {
	doc := corev1.Event{}.SwaggerDoc()
	return []metav1.TableColumnDefinition{
		column("Last Seen", typeString, doc["lastTimestamp"]),
		column("Type", typeString, doc["type"]),
		column("Reason", typeString, doc["reason"]),
		column("Object", typeString, doc["involvedObject"]),
		wideColumn("Subobject", typeString, corev1.ObjectReference{}.SwaggerDoc()["fieldPath"]),
		wideColumn("Source", typeString, doc["source"]),
		column("Message", typeString, doc["message"]),
		wideColumn("First Seen", typeString, doc["firstTimestamp"]),
		wideColumn("Count", typeString, doc["count"]),
		{Name: "Name", Type: typeString, Format: "name", Priority: 1, Description: metav1.ObjectMeta{}.SwaggerDoc()["name"]},
	}
}

// eventView is what an Event row shows, from either Event API.
type eventView struct {
	name                string
	eventType, reason   string
	message             string
	object              corev1.ObjectReference
	source              corev1.EventSource
	reportingController string
	reportingInstance   string
	firstTimestamp      metav1.Time
	lastTimestamp       metav1.Time
	eventTime           metav1.MicroTime
	count               int32
	series              *eventsv1.EventSeries
}

func coreEventRow(e *corev1.Event, now time.Time) metav1.TableRow {
	v := eventView{
		name:                e.Name,
		eventType:           e.Type,
		reason:              e.Reason,
		message:             e.Message,
		object:              e.InvolvedObject,
		source:              e.Source,
		reportingController: e.ReportingController,
		reportingInstance:   e.ReportingInstance,
		firstTimestamp:      e.FirstTimestamp,
		lastTimestamp:       e.LastTimestamp,
		eventTime:           e.EventTime,
		count:               e.Count,
	}
	if e.Series != nil {
		v.series = &eventsv1.EventSeries{Count: e.Series.Count, LastObservedTime: e.Series.LastObservedTime}
	}
	return eventRow(&v, now)
}

// eventsEventRow prints an events.k8s.io Event the way kube-apiserver does:
// through the same fields as a core Event.
func eventsEventRow(e *eventsv1.Event, now time.Time) metav1.TableRow {
	return eventRow(&eventView{
		name:                e.Name,
		eventType:           e.Type,
		reason:              e.Reason,
		message:             e.Note,
		object:              e.Regarding,
		source:              e.DeprecatedSource,
		reportingController: e.ReportingController,
		reportingInstance:   e.ReportingInstance,
		firstTimestamp:      e.DeprecatedFirstTimestamp,
		lastTimestamp:       e.DeprecatedLastTimestamp,
		eventTime:           e.EventTime,
		count:               e.DeprecatedCount,
		series:              e.Series,
	}, now)
}

// eventRow fills the columns of eventColumns. Events from the new API carry
// eventTime and series instead of the first and last timestamps and the
// count, and a singleton event counts 1.
func eventRow(e *eventView, now time.Time) metav1.TableRow {
	first := age(e.firstTimestamp, now)
	if e.firstTimestamp.IsZero() {
		first = microAge(e.eventTime, now)
	}
	last := age(e.lastTimestamp, now)
	if e.lastTimestamp.IsZero() {
		last = first
	}
	count := e.count
	switch {
	case e.series != nil:
		last = microAge(e.series.LastObservedTime, now)
		count = e.series.Count
	case count == 0:
		count = 1
	}
	return metav1.TableRow{Cells: []any{
		last,
		e.eventType,
		e.reason,
		eventObject(e.object),
		e.object.FieldPath,
		eventSource(e),
		strings.TrimSpace(e.message),
		first,
		int64(count),
		e.name,
	}}
}

// eventObject names the event's object as kind/name in lower case, as in
// "pod/nginx".
func eventObject(ref corev1.ObjectReference) string {
	kind := strings.ToLower(ref.Kind)
	if ref.Name == "" {
		return kind
	}
	return fmt.Sprintf("%s/%s", kind, ref.Name)
}

// eventSource is "component, host", falling back to the reporting
// controller and instance, without the host when there is none.
func eventSource(e *eventView) string {
	component := cmp.Or(e.source.Component, e.reportingController)
	host := cmp.Or(e.source.Host, e.reportingInstance)
	if host == "" {
		return component
	}
	return component + ", " + host
}
