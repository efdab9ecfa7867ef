package resources

import (
	appsv1 "k8s.io/api/apps/v1"
	autoscalingv1 "k8s.io/api/autoscaling/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"

	appsapi "github.com/svcnet/svcnet/pkg/apis/apps"
	coreapi "github.com/svcnet/svcnet/pkg/apis/core"
	"github.com/svcnet/svcnet/pkg/apiserver"
)

// noStatusChecks accepts any status update.
func noStatusChecks(_, _ runtime.Object) field.ErrorList { return nil }

// addSubresources attaches status, scale, binding and finalize.
func (s *Set) addSubresources() {
	for i := range s.Resources {
		res := &s.Resources[i]
		switch res.GroupVersion.WithResource(res.Plural).GroupResource().String() {
		case "services":
			res.Status = func(obj, old runtime.Object) field.ErrorList {
				return coreapi.ValidateServiceStatusUpdate(obj.(*corev1.Service), old.(*corev1.Service))
			}
		case "pods":
			res.Status = func(obj, old runtime.Object) field.ErrorList {
				return coreapi.ValidatePodStatusUpdate(obj.(*corev1.Pod), old.(*corev1.Pod))
			}
			res.Subresources = map[string]apiserver.SubresourceHandler{
				"binding": {Kind: corev1.SchemeGroupVersion.WithKind("Binding"), Verbs: metav1.Verbs{"create"}, Handler: s.bindingHandler},
				"exec":    {Kind: corev1.SchemeGroupVersion.WithKind("PodExecOptions"), Verbs: metav1.Verbs{"create", "get"}, Handler: s.execHandler},
				"log":     {Kind: corev1.SchemeGroupVersion.WithKind("Pod"), Verbs: metav1.Verbs{"get"}, Handler: s.logHandler},
			}
		case "namespaces":
			res.Status = func(obj, old runtime.Object) field.ErrorList {
				return coreapi.ValidateNamespaceStatusUpdate(obj.(*corev1.Namespace), old.(*corev1.Namespace))
			}
			res.Subresources = map[string]apiserver.SubresourceHandler{
				"finalize": {Kind: corev1.SchemeGroupVersion.WithKind("Namespace"), Verbs: metav1.Verbs{"update"}, Handler: s.finalizeHandler},
			}
		case "nodes", "servicecidrs.networking.k8s.io":
			res.Status = noStatusChecks
		case "deployments.apps":
			res.Status = func(obj, old runtime.Object) field.ErrorList {
				return appsapi.ValidateDeploymentStatusUpdate(obj.(*appsv1.Deployment), old.(*appsv1.Deployment))
			}
			res.Scale = &apiserver.ScaleAccessor{
				Get: func(obj runtime.Object) *autoscalingv1.Scale {
					d := obj.(*appsv1.Deployment)
					return scaleOf(d.ObjectMeta, d.Spec.Replicas, d.Status.Replicas, d.Spec.Selector)
				},
				Set: func(obj runtime.Object, n int32) { obj.(*appsv1.Deployment).Spec.Replicas = &n },
			}
		case "replicasets.apps":
			res.Status = func(obj, old runtime.Object) field.ErrorList {
				return appsapi.ValidateReplicaSetStatusUpdate(obj.(*appsv1.ReplicaSet), old.(*appsv1.ReplicaSet))
			}
			res.Scale = &apiserver.ScaleAccessor{
				Get: func(obj runtime.Object) *autoscalingv1.Scale {
					rs := obj.(*appsv1.ReplicaSet)
					return scaleOf(rs.ObjectMeta, rs.Spec.Replicas, rs.Status.Replicas, rs.Spec.Selector)
				},
				Set: func(obj runtime.Object, n int32) { obj.(*appsv1.ReplicaSet).Spec.Replicas = &n },
			}
		}
	}
}

// scaleOf builds the autoscaling/v1 Scale view of a workload.
func scaleOf(m metav1.ObjectMeta, specReplicas *int32, statusReplicas int32, sel *metav1.LabelSelector) *autoscalingv1.Scale {
	replicas := int32(1)
	if specReplicas != nil {
		replicas = *specReplicas
	}
	selector := ""
	if s, err := metav1.LabelSelectorAsSelector(sel); err == nil {
		selector = s.String()
	}
	return &autoscalingv1.Scale{
		ObjectMeta: metav1.ObjectMeta{
			Name: m.Name, Namespace: m.Namespace, UID: m.UID,
			ResourceVersion: m.ResourceVersion, CreationTimestamp: m.CreationTimestamp,
		},
		Spec:   autoscalingv1.ScaleSpec{Replicas: replicas},
		Status: autoscalingv1.ScaleStatus{Replicas: statusReplicas, Selector: selector},
	}
}
