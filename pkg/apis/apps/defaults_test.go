package apps

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

func TestDefaultDeployment(t *testing.T) {
	tests := []struct {
		name string
		spec appsv1.DeploymentSpec
		want func(*appsv1.DeploymentSpec)
	}{{
		name: "empty",
		want: func(s *appsv1.DeploymentSpec) {
			s.Replicas = ptr(int32(1))
			s.Strategy = appsv1.DeploymentStrategy{Type: appsv1.RollingUpdateDeploymentStrategyType, RollingUpdate: &appsv1.RollingUpdateDeployment{
				MaxUnavailable: ptr(intstr.FromString("25%")), MaxSurge: ptr(intstr.FromString("25%")),
			}}
			s.RevisionHistoryLimit = ptr(int32(10))
			s.ProgressDeadlineSeconds = ptr(int32(600))
		},
	}, {
		name: "given values are kept, Recreate gets no rollingUpdate",
		spec: appsv1.DeploymentSpec{Replicas: ptr(int32(0)), Strategy: appsv1.DeploymentStrategy{Type: appsv1.RecreateDeploymentStrategyType},
			RevisionHistoryLimit: ptr(int32(0)), ProgressDeadlineSeconds: ptr(int32(60))},
		want: func(s *appsv1.DeploymentSpec) {},
	}, {
		name: "partial rollingUpdate",
		spec: appsv1.DeploymentSpec{Strategy: appsv1.DeploymentStrategy{RollingUpdate: &appsv1.RollingUpdateDeployment{MaxSurge: ptr(intstr.FromInt32(1))}}},
		want: func(s *appsv1.DeploymentSpec) {
			s.Replicas = ptr(int32(1))
			s.Strategy = appsv1.DeploymentStrategy{Type: appsv1.RollingUpdateDeploymentStrategyType, RollingUpdate: &appsv1.RollingUpdateDeployment{
				MaxUnavailable: ptr(intstr.FromString("25%")), MaxSurge: ptr(intstr.FromInt32(1)),
			}}
			s.RevisionHistoryLimit = ptr(int32(10))
			s.ProgressDeadlineSeconds = ptr(int32(600))
		},
	}}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := &appsv1.Deployment{Spec: *tc.spec.DeepCopy()}
			DefaultDeployment(d)
			want := tc.spec.DeepCopy()
			tc.want(want)
			// The template gets the pod template defaults.
			if d.Spec.Template.Spec.RestartPolicy != corev1.RestartPolicyAlways || d.Spec.Template.Spec.SchedulerName != corev1.DefaultSchedulerName {
				t.Errorf("template not defaulted: %+v", d.Spec.Template.Spec)
			}
			d.Spec.Template = want.Template
			if diff := cmp.Diff(*want, d.Spec); diff != "" {
				t.Errorf("spec mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestDefaultReplicaSet(t *testing.T) {
	rs := &appsv1.ReplicaSet{Spec: appsv1.ReplicaSetSpec{Template: corev1.PodTemplateSpec{Spec: corev1.PodSpec{
		Containers: []corev1.Container{{Name: "web", Image: "nginx"}},
	}}}}
	DefaultReplicaSet(rs)
	if rs.Spec.Replicas == nil || *rs.Spec.Replicas != 1 {
		t.Errorf("replicas = %v, want 1", rs.Spec.Replicas)
	}
	if c := rs.Spec.Template.Spec.Containers[0]; c.ImagePullPolicy != corev1.PullAlways || c.TerminationMessagePolicy != corev1.TerminationMessageReadFile {
		t.Errorf("container not defaulted: %+v", c)
	}
	rs.Spec.Replicas = ptr(int32(0))
	DefaultReplicaSet(rs)
	if *rs.Spec.Replicas != 0 {
		t.Errorf("replicas 0 was overwritten with %d", *rs.Spec.Replicas)
	}
}

func ptr[T any](v T) *T { return &v }
