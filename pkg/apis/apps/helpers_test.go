package apps

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// checkErrors compares rendered errors with want, in order.
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

// webTemplate is a pod template labelled app=web.
func webTemplate() corev1.PodTemplateSpec {
	return corev1.PodTemplateSpec{
		ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": "web"}},
		Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "web", Image: "nginx:1.27"}}},
	}
}

// newDeployment returns a defaulted deployment "web" selecting app=web,
// after applying pre before defaulting.
func newDeployment(pre func(*appsv1.Deployment)) *appsv1.Deployment {
	d := &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "default"},
		Spec: appsv1.DeploymentSpec{
			Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "web"}},
			Template: webTemplate(),
		},
	}
	if pre != nil {
		pre(d)
	}
	DefaultDeployment(d)
	return d
}

// newReplicaSet returns a defaulted replica set "web-abc" selecting app=web.
func newReplicaSet(pre func(*appsv1.ReplicaSet)) *appsv1.ReplicaSet {
	rs := &appsv1.ReplicaSet{
		ObjectMeta: metav1.ObjectMeta{Name: "web-abc", Namespace: "default"},
		Spec: appsv1.ReplicaSetSpec{
			Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "web"}},
			Template: webTemplate(),
		},
	}
	if pre != nil {
		pre(rs)
	}
	DefaultReplicaSet(rs)
	return rs
}
