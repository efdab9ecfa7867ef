package core

import (
	"fmt"
	"reflect"

	corev1 "k8s.io/api/core/v1"
	apimachineryvalidation "k8s.io/apimachinery/pkg/api/validation"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// Length limits of event fields.
const (
	reportingInstanceLengthLimit = 128
	actionLengthLimit            = 128
	reasonLengthLimit            = 128
	noteLengthLimit              = 1024
)

// ValidateEvent validates a core/v1 Event on create. Like kube-apiserver it
// is lenient for the old API: the namespace must agree with
// involvedObject.namespace, and only events with an eventTime (new-style
// events) must name their reporting controller, instance, action and reason.
func ValidateEvent(event *corev1.Event) field.ErrorList {
	return legacyValidateEvent(event)
}

// ValidateEventUpdate validates a core/v1 Event update, which is as lenient
// as ValidateEvent.
func ValidateEventUpdate(newEvent, _ *corev1.Event) field.ErrorList {
	return legacyValidateEvent(newEvent)
}

// ValidateEventStrict validates an Event created through events.k8s.io/v1,
// given in its core/v1 form. Error paths use the core/v1 field names
// (message, involvedObject, ...) as kube-apiserver's do.
func ValidateEventStrict(event *corev1.Event) field.ErrorList {
	allErrs := legacyValidateEvent(event)
	allErrs = append(allErrs, apimachineryvalidation.ValidateObjectMeta(&event.ObjectMeta, true, apimachineryvalidation.NameIsDNSSubdomain, field.NewPath("metadata"))...)
	allErrs = append(allErrs, validateEventSeries(event)...)
	if event.EventTime.IsZero() {
		allErrs = append(allErrs, field.Required(field.NewPath("eventTime"), ""))
	}
	if event.Type != corev1.EventTypeNormal && event.Type != corev1.EventTypeWarning {
		allErrs = append(allErrs, field.Invalid(field.NewPath("type"), "", fmt.Sprintf("has invalid value: %v", event.Type)))
	}
	if !event.FirstTimestamp.IsZero() {
		allErrs = append(allErrs, field.Invalid(field.NewPath("firstTimestamp"), "", "needs to be unset"))
	}
	if !event.LastTimestamp.IsZero() {
		allErrs = append(allErrs, field.Invalid(field.NewPath("lastTimestamp"), "", "needs to be unset"))
	}
	if event.Count != 0 {
		allErrs = append(allErrs, field.Invalid(field.NewPath("count"), "", "needs to be unset"))
	}
	if event.Source.Component != "" || event.Source.Host != "" {
		allErrs = append(allErrs, field.Invalid(field.NewPath("source"), "", "needs to be unset"))
	}
	return allErrs
}

// ValidateEventUpdateStrict validates an update made through
// events.k8s.io/v1: everything but the series and metadata is immutable.
func ValidateEventUpdateStrict(newEvent, oldEvent *corev1.Event) field.ErrorList {
	allErrs := legacyValidateEvent(newEvent)
	allErrs = append(allErrs, apimachineryvalidation.ValidateObjectMetaUpdate(&newEvent.ObjectMeta, &oldEvent.ObjectMeta, field.NewPath("metadata"))...)
	if !reflect.DeepEqual(newEvent.Series, oldEvent.Series) {
		allErrs = append(allErrs, validateEventSeries(newEvent)...)
	}
	for _, f := range []struct {
		name     string
		new, old any
	}{
		{"involvedObject", newEvent.InvolvedObject, oldEvent.InvolvedObject},
		{"reason", newEvent.Reason, oldEvent.Reason},
		{"message", newEvent.Message, oldEvent.Message},
		{"source", newEvent.Source, oldEvent.Source},
		{"firstTimestamp", newEvent.FirstTimestamp, oldEvent.FirstTimestamp},
		{"lastTimestamp", newEvent.LastTimestamp, oldEvent.LastTimestamp},
		{"count", newEvent.Count, oldEvent.Count},
		{"type", newEvent.Type, oldEvent.Type},
		{"eventTime", newEvent.EventTime, oldEvent.EventTime},
		{"action", newEvent.Action, oldEvent.Action},
		{"related", newEvent.Related, oldEvent.Related},
		{"reportingController", newEvent.ReportingController, oldEvent.ReportingController},
		{"reportingInstance", newEvent.ReportingInstance, oldEvent.ReportingInstance},
	} {
		allErrs = append(allErrs, validateImmutable(f.new, f.old, field.NewPath(f.name))...)
	}
	return allErrs
}

// validateEventSeries checks an event series: count at least 2 and a last
// observed time.
func validateEventSeries(event *corev1.Event) field.ErrorList {
	if event.Series == nil {
		return nil
	}
	var allErrs field.ErrorList
	if event.Series.Count < 2 {
		allErrs = append(allErrs, field.Invalid(field.NewPath("series.count"), "", "should be at least 2"))
	}
	if event.Series.LastObservedTime.IsZero() {
		allErrs = append(allErrs, field.Required(field.NewPath("series.lastObservedTime"), ""))
	}
	return allErrs
}

// legacyValidateEvent is the validation every event passes.
func legacyValidateEvent(event *corev1.Event) field.ErrorList {
	var allErrs field.ErrorList
	nsPath := field.NewPath("involvedObject", "namespace")
	const nsMismatch = "does not match event.namespace"
	if event.EventTime.IsZero() {
		if event.InvolvedObject.Namespace == "" {
			// Cluster-scoped objects' events live in "" or, for old clients, "default".
			if event.Namespace != metav1.NamespaceNone && event.Namespace != metav1.NamespaceDefault {
				allErrs = append(allErrs, field.Invalid(nsPath, event.InvolvedObject.Namespace, nsMismatch))
			}
		} else if event.Namespace != event.InvolvedObject.Namespace {
			allErrs = append(allErrs, field.Invalid(nsPath, event.InvolvedObject.Namespace, nsMismatch))
		}
	} else {
		if event.InvolvedObject.Namespace == "" && event.Namespace != metav1.NamespaceDefault && event.Namespace != metav1.NamespaceSystem {
			allErrs = append(allErrs, field.Invalid(nsPath, event.InvolvedObject.Namespace, nsMismatch))
		}
		allErrs = append(allErrs, validateReportingFields(event)...)
	}
	for _, msg := range validation.IsDNS1123Subdomain(event.Namespace) {
		allErrs = append(allErrs, field.Invalid(field.NewPath("namespace"), event.Namespace, msg))
	}
	return allErrs
}

// validateReportingFields checks the fields new-style events must carry.
func validateReportingFields(event *corev1.Event) field.ErrorList {
	var allErrs field.ErrorList
	required := func(name, value string, limit int) {
		if value == "" {
			allErrs = append(allErrs, field.Required(field.NewPath(name), ""))
		}
		if limit > 0 && len(value) > limit {
			allErrs = append(allErrs, field.Invalid(field.NewPath(name), "", fmt.Sprintf("can have at most %v characters", limit)))
		}
	}
	if event.ReportingController == "" {
		allErrs = append(allErrs, field.Required(field.NewPath("reportingController"), ""))
	}
	allErrs = append(allErrs, ValidateQualifiedName(event.ReportingController, field.NewPath("reportingController"))...)
	required("reportingInstance", event.ReportingInstance, reportingInstanceLengthLimit)
	required("action", event.Action, actionLengthLimit)
	required("reason", event.Reason, reasonLengthLimit)
	if len(event.Message) > noteLengthLimit {
		allErrs = append(allErrs, field.Invalid(field.NewPath("message"), "", fmt.Sprintf("can have at most %v characters", noteLengthLimit)))
	}
	return allErrs
}
