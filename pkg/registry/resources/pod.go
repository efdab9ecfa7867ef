package resources

import (
	"context"
	"fmt"
	"net/http"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/svcnet/svcnet/pkg/apiserver"
	"github.com/svcnet/svcnet/pkg/registry/generic"
)

// podGrace makes deletes of pods bound to a node graceful: the pod stays,
// Terminating, until its node's agent has stopped it and deletes it with a
// zero grace period.
type podGrace struct{}

// GracePeriod implements generic.GracefulDeleter.
func (podGrace) GracePeriod(obj runtime.Object, requested *int64) (int64, bool) {
	pod := obj.(*corev1.Pod)
	if pod.Spec.NodeName == "" || pod.Status.Phase == corev1.PodSucceeded || pod.Status.Phase == corev1.PodFailed {
		return 0, false
	}
	grace := int64(corev1.DefaultTerminationGracePeriodSeconds)
	if pod.Spec.TerminationGracePeriodSeconds != nil {
		grace = *pod.Spec.TerminationGracePeriodSeconds
	}
	if requested != nil {
		grace = *requested
	}
	if grace <= 0 {
		return 0, false
	}
	return grace, true
}

func configurePods(c *generic.Config) { c.Graceful = podGrace{} }

// bindingHandler serves pods/<name>/binding: it assigns an unscheduled pod
// to a node, as the scheduler does.
func (s *Set) bindingHandler(sr *apiserver.SubresourceRequest) {
	name := sr.Name
	if sr.R.Method != http.MethodPost {
		sr.Error(apierrors.NewMethodNotSupported(schema.GroupResource{Resource: "pods/binding"}, sr.R.Method))
		return
	}
	binding := &corev1.Binding{}
	if err := sr.Decode(corev1.SchemeGroupVersion.WithKind("Binding"), binding); err != nil {
		sr.Error(err)
		return
	}
	if binding.Target.Kind != "" && binding.Target.Kind != "Node" {
		sr.Error(apierrors.NewInvalid(schema.GroupKind{Kind: "Binding"}, name, nil))
		return
	}
	if binding.Target.Name == "" {
		sr.Error(apierrors.NewBadRequest("binding target name is required"))
		return
	}
	pods := s.byName["pods"]
	_, _, err := pods.Update(sr.R.Context(), sr.Namespace, sr.Name, func(_ context.Context, cur runtime.Object) (runtime.Object, error) {
		if cur == nil {
			return nil, apierrors.NewNotFound(schema.GroupResource{Resource: "pods"}, name)
		}
		pod := cur.(*corev1.Pod)
		if pod.DeletionTimestamp != nil {
			return nil, apierrors.NewConflict(schema.GroupResource{Resource: "pods/binding"}, name, fmt.Errorf("pod %s is being deleted, cannot be assigned to a host", name))
		}
		if pod.Spec.NodeName != "" {
			return nil, apierrors.NewConflict(schema.GroupResource{Resource: "pods/binding"}, name, fmt.Errorf("pod %s is already assigned to node %q", name, pod.Spec.NodeName))
		}
		if binding.UID != "" && binding.UID != pod.UID {
			return nil, apierrors.NewConflict(schema.GroupResource{Resource: "pods/binding"}, name, fmt.Errorf("precondition failed: UID in precondition: %v, UID in object meta: %v", binding.UID, pod.UID))
		}
		pod.Spec.NodeName = binding.Target.Name
		setPodCondition(pod, corev1.PodCondition{Type: corev1.PodScheduled, Status: corev1.ConditionTrue, LastTransitionTime: metav1.Now()})
		return pod, nil
	}, generic.UpdateOptions{Subresource: generic.AllFields})
	if err != nil {
		sr.Error(err)
		return
	}
	status := &metav1.Status{Status: metav1.StatusSuccess, Code: http.StatusCreated}
	sr.Object(http.StatusCreated, corev1.SchemeGroupVersion, status)
}

func setPodCondition(pod *corev1.Pod, c corev1.PodCondition) {
	for i := range pod.Status.Conditions {
		if pod.Status.Conditions[i].Type == c.Type {
			pod.Status.Conditions[i] = c
			return
		}
	}
	pod.Status.Conditions = append(pod.Status.Conditions, c)
}
