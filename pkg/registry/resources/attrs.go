package resources

import (
	"fmt"
	"strconv"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/svcnet/svcnet/pkg/registry/generic"
)

// objectMetaFields are selectable on every resource.
func objectMetaFields(obj runtime.Object) (labels.Set, fields.Set, error) {
	acc, err := meta.Accessor(obj)
	if err != nil {
		return nil, nil, err
	}
	fs := fields.Set{"metadata.name": acc.GetName()}
	if acc.GetNamespace() != "" || isNamespacedType(obj) {
		fs["metadata.namespace"] = acc.GetNamespace()
	}
	return labels.Set(acc.GetLabels()), fs, nil
}

// isNamespacedType is only used to keep metadata.namespace selectable on
// namespaced kinds even for an empty object (used to list known fields).
func isNamespacedType(obj runtime.Object) bool {
	switch obj.(type) {
	case *corev1.Node, *corev1.Namespace:
		return false
	}
	return true
}

// withFields extends the metadata fields with type-specific ones.
func withFields[T runtime.Object](extra func(T) fields.Set) generic.AttrsFunc {
	return func(obj runtime.Object) (labels.Set, fields.Set, error) {
		ls, fs, err := objectMetaFields(obj)
		if err != nil {
			return nil, nil, err
		}
		t, ok := obj.(T)
		if !ok {
			return nil, nil, fmt.Errorf("unexpected type %T", obj)
		}
		for k, v := range extra(t) {
			fs[k] = v
		}
		return ls, fs, nil
	}
}

var podAttrs = withFields(func(p *corev1.Pod) fields.Set {
	return fields.Set{
		"spec.nodeName":            p.Spec.NodeName,
		"spec.restartPolicy":       string(p.Spec.RestartPolicy),
		"spec.schedulerName":       p.Spec.SchedulerName,
		"spec.serviceAccountName":  p.Spec.ServiceAccountName,
		"spec.hostNetwork":         strconv.FormatBool(p.Spec.HostNetwork),
		"status.phase":             string(p.Status.Phase),
		"status.podIP":             p.Status.PodIP,
		"status.nominatedNodeName": p.Status.NominatedNodeName,
	}
})

var serviceAttrs = withFields(func(s *corev1.Service) fields.Set {
	return fields.Set{"spec.clusterIP": s.Spec.ClusterIP, "spec.type": string(s.Spec.Type)}
})

var nodeAttrs = withFields(func(n *corev1.Node) fields.Set {
	return fields.Set{"spec.unschedulable": strconv.FormatBool(n.Spec.Unschedulable)}
})

var namespaceAttrs = withFields(func(n *corev1.Namespace) fields.Set {
	return fields.Set{"status.phase": string(n.Status.Phase)}
})

var replicaSetAttrs = withFields(func(rs *appsv1.ReplicaSet) fields.Set {
	return fields.Set{"status.replicas": strconv.Itoa(int(rs.Status.Replicas))}
})

var eventAttrs = withFields(func(e *corev1.Event) fields.Set {
	return fields.Set{
		"involvedObject.kind":            e.InvolvedObject.Kind,
		"involvedObject.namespace":       e.InvolvedObject.Namespace,
		"involvedObject.name":            e.InvolvedObject.Name,
		"involvedObject.uid":             string(e.InvolvedObject.UID),
		"involvedObject.apiVersion":      e.InvolvedObject.APIVersion,
		"involvedObject.resourceVersion": e.InvolvedObject.ResourceVersion,
		"involvedObject.fieldPath":       e.InvolvedObject.FieldPath,
		"reason":                         e.Reason,
		"reportingComponent":             e.ReportingController,
		"source":                         e.Source.Component,
		"type":                           e.Type,
	}
})

// eventsV1Attrs accepts both the events.k8s.io names (regarding.*) and the
// core names, since both address the same stored objects.
var eventsV1Attrs = withFields(func(e *eventsv1.Event) fields.Set {
	fs := fields.Set{"reason": e.Reason, "reportingController": e.ReportingController, "type": e.Type}
	for _, prefix := range []string{"regarding.", "involvedObject."} {
		fs[prefix+"kind"] = e.Regarding.Kind
		fs[prefix+"namespace"] = e.Regarding.Namespace
		fs[prefix+"name"] = e.Regarding.Name
		fs[prefix+"uid"] = string(e.Regarding.UID)
		fs[prefix+"apiVersion"] = e.Regarding.APIVersion
		fs[prefix+"resourceVersion"] = e.Regarding.ResourceVersion
		fs[prefix+"fieldPath"] = e.Regarding.FieldPath
	}
	return fs
})
