package deployment

import (
	"fmt"
	"strconv"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/intstr"
)

var t0 = time.Date(2025, 1, 1, 12, 0, 0, 0, time.UTC)

func testDeployment(replicas int32, image string) *appsv1.Deployment {
	return &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "default", UID: "uid-web", Generation: 1},
		Spec: appsv1.DeploymentSpec{
			Replicas: &replicas,
			Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "web"}},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": "web"}},
				Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: image}}},
			},
		},
	}
}

func rolling(d *appsv1.Deployment, surge, unavailable intstr.IntOrString) *appsv1.Deployment {
	d.Spec.Strategy = appsv1.DeploymentStrategy{Type: appsv1.RollingUpdateDeploymentStrategyType,
		RollingUpdate: &appsv1.RollingUpdateDeployment{MaxSurge: &surge, MaxUnavailable: &unavailable}}
	return d
}

// rsFor builds the ReplicaSet a Deployment would have for image, as if it
// had been created at minute age (later minutes are newer) with revision rev.
func rsFor(d *appsv1.Deployment, image string, rev, minute int, spec, available int32) *appsv1.ReplicaSet {
	dd := d.DeepCopy()
	dd.Spec.Template.Spec.Containers[0].Image = image
	rs := newReplicaSet(withDefaults(dd))
	rs.UID = types.UID("uid-" + rs.Name)
	rs.CreationTimestamp = metav1.NewTime(t0.Add(time.Duration(minute) * time.Minute))
	rs.Spec.Replicas = &spec
	rs.Annotations = map[string]string{RevisionAnnotation: strconv.Itoa(rev)}
	rs.Status = appsv1.ReplicaSetStatus{Replicas: spec, ReadyReplicas: available, AvailableReplicas: available}
	return rs
}

func annotateSize(rs *appsv1.ReplicaSet, desired, max int32) *appsv1.ReplicaSet {
	rs.Annotations[DesiredReplicasAnnotation] = fmt.Sprint(desired)
	rs.Annotations[MaxReplicasAnnotation] = fmt.Sprint(max)
	return rs
}

// sizes reports the planned size of every ReplicaSet by name.
func sizes(s *state) map[string]int32 {
	out := map[string]int32{}
	for _, rs := range s.all() {
		out[rs.Name] = rsReplicas(rs)
	}
	return out
}
