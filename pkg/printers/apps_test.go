package printers

import (
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
)

func template(containers ...corev1.Container) corev1.PodTemplateSpec {
	return corev1.PodTemplateSpec{Spec: corev1.PodSpec{Containers: containers}}
}

func TestDeploymentGolden(t *testing.T) {
	d := appsv1.Deployment{
		ObjectMeta: objMeta("nginx-deployment", 18*time.Second),
		Spec: appsv1.DeploymentSpec{
			Replicas: ptr.To[int32](3),
			Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "nginx"}},
			Template: template(corev1.Container{Name: "nginx", Image: "nginx:1.14.2"}),
		},
		Status: appsv1.DeploymentStatus{ReadyReplicas: 2, UpdatedReplicas: 3, AvailableReplicas: 2},
	}
	sidecar := appsv1.Deployment{
		ObjectMeta: objMeta("web", 3*time.Hour),
		Spec: appsv1.DeploymentSpec{
			Selector: &metav1.LabelSelector{
				MatchLabels:      map[string]string{"app": "web"},
				MatchExpressions: []metav1.LabelSelectorRequirement{{Key: "tier", Operator: metav1.LabelSelectorOpIn, Values: []string{"a", "b"}}},
			},
			Template: template(corev1.Container{Name: "web", Image: "whoami"}, corev1.Container{Name: "log", Image: "busybox"}),
		},
	}
	list := &appsv1.DeploymentList{Items: []appsv1.Deployment{d, sidecar}}
	checkRender(t, list, false, lines(
		"NAME               READY   UP-TO-DATE   AVAILABLE   AGE",
		"nginx-deployment   2/3     3            2           18s",
		"web                0/0     0            0           3h",
	))
	checkRender(t, list, true, lines(
		"NAME               READY   UP-TO-DATE   AVAILABLE   AGE   CONTAINERS   IMAGES           SELECTOR",
		"nginx-deployment   2/3     3            2           18s   nginx        nginx:1.14.2     app=nginx",
		"web                0/0     0            0           3h    web,log      whoami,busybox   app=web,tier in (a,b)",
	))
}

func TestDeploymentInvalidSelector(t *testing.T) {
	d := &appsv1.Deployment{
		ObjectMeta: objMeta("bad", time.Minute),
		Spec: appsv1.DeploymentSpec{Selector: &metav1.LabelSelector{
			MatchExpressions: []metav1.LabelSelectorRequirement{{Key: "a", Operator: "Bogus"}},
		}},
	}
	checkCells(t, d, map[string]any{"SELECTOR": "<invalid>"})
}

func TestReplicaSetGolden(t *testing.T) {
	rs := appsv1.ReplicaSet{
		ObjectMeta: objMeta("example-12-7f6f6c744d", 14*time.Second),
		Spec: appsv1.ReplicaSetSpec{
			Replicas: ptr.To[int32](2),
			Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "example-12", "pod-template-hash": "7f6f6c744d"}},
			Template: template(corev1.Container{Name: "httpd", Image: "httpd"}),
		},
		Status: appsv1.ReplicaSetStatus{Replicas: 2, ReadyReplicas: 2},
	}
	list := &appsv1.ReplicaSetList{Items: []appsv1.ReplicaSet{rs}}
	checkRender(t, list, false, lines(
		"NAME                    DESIRED   CURRENT   READY   AGE",
		"example-12-7f6f6c744d   2         2         2       14s",
	))
	checkRender(t, list, true, lines(
		"NAME                    DESIRED   CURRENT   READY   AGE   CONTAINERS   IMAGES   SELECTOR",
		"example-12-7f6f6c744d   2         2         2       14s   httpd        httpd    app=example-12,pod-template-hash=7f6f6c744d",
	))
	// A ReplicaSet without replicas, selector or template.
	checkCells(t, &appsv1.ReplicaSet{ObjectMeta: objMeta("x", time.Minute)}, map[string]any{"DESIRED": int64(0), "SELECTOR": "<none>", "CONTAINERS": "", "IMAGES": ""})
}
