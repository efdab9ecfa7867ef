package resources

import (
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/runtime"
)

// resetStatusOnCreate clears what clients may not set on create: the status
// of resources whose status their controllers own, and pods start Pending
// with their QoS class, as kube-apiserver does.
func resetStatusOnCreate(obj runtime.Object) {
	switch o := obj.(type) {
	case *corev1.Service:
		o.Status = corev1.ServiceStatus{}
	case *corev1.Pod:
		o.Status = corev1.PodStatus{Phase: corev1.PodPending, QOSClass: qosClass(&o.Spec)}
	case *appsv1.Deployment:
		o.Status = appsv1.DeploymentStatus{}
	case *appsv1.ReplicaSet:
		o.Status = appsv1.ReplicaSetStatus{}
	}
}

// qosClass computes a pod's QoS class from its containers' requests and
// limits: Guaranteed when every container limits CPU and memory with
// requests equal to limits, BestEffort when nothing is requested or
// limited, Burstable otherwise.
func qosClass(spec *corev1.PodSpec) corev1.PodQOSClass {
	any, guaranteed := false, true
	for _, c := range append(append([]corev1.Container{}, spec.InitContainers...), spec.Containers...) {
		if len(c.Resources.Requests) > 0 || len(c.Resources.Limits) > 0 {
			any = true
		}
		for _, name := range []corev1.ResourceName{corev1.ResourceCPU, corev1.ResourceMemory} {
			limit, hasLimit := c.Resources.Limits[name]
			if !hasLimit {
				guaranteed = false
				continue
			}
			req, hasReq := c.Resources.Requests[name]
			if hasReq && !quantityEqual(req, limit) {
				guaranteed = false
			}
		}
	}
	switch {
	case !any:
		return corev1.PodQOSBestEffort
	case guaranteed:
		return corev1.PodQOSGuaranteed
	}
	return corev1.PodQOSBurstable
}

func quantityEqual(a, b resource.Quantity) bool { return a.Cmp(b) == 0 }
