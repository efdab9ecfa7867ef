package apps

import (
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

func TestValidateDeployment(t *testing.T) {
	tests := []struct {
		name string
		pre  func(*appsv1.Deployment)
		post func(*appsv1.Deployment)
		want []string
	}{
		{name: "valid"},
		{name: "valid Recreate with zero replicas", pre: func(d *appsv1.Deployment) {
			d.Spec.Replicas = ptr(int32(0))
			d.Spec.Strategy.Type = appsv1.RecreateDeploymentStrategyType
		}},
		{
			name: "selector required",
			pre:  func(d *appsv1.Deployment) { d.Spec.Selector = nil },
			want: []string{
				"spec.selector: Required value",
				"spec.template.metadata.labels: Invalid value: {\"app\":\"web\"}: `selector` does not match template `labels`",
			},
		},
		{
			name: "selector does not match template",
			pre:  func(d *appsv1.Deployment) { d.Spec.Template.Labels = map[string]string{"app": "api"} },
			want: []string{"spec.template.metadata.labels: Invalid value: {\"app\":\"api\"}: `selector` does not match template `labels`"},
		},
		{
			name: "empty selector",
			pre:  func(d *appsv1.Deployment) { d.Spec.Selector = &metav1.LabelSelector{} },
			want: []string{"spec.selector: Invalid value: {}: empty selector is invalid for deployment"},
		},
		{
			name: "bad selector operator",
			pre: func(d *appsv1.Deployment) {
				d.Spec.Selector.MatchExpressions = []metav1.LabelSelectorRequirement{{Key: "tier", Operator: "Near"}}
			},
			want: []string{
				`spec.selector.matchExpressions[0].operator: Invalid value: "Near": not a valid selector operator`,
				`spec.selector: Invalid value: {"matchLabels":{"app":"web"},"matchExpressions":[{"key":"tier","operator":"Near"}]}: invalid label selector`,
			},
		},
		{
			name: "negative replicas",
			pre:  func(d *appsv1.Deployment) { d.Spec.Replicas = ptr(int32(-1)) },
			want: []string{"spec.replicas: Invalid value: -1: must be greater than or equal to 0"},
		},
		{
			name: "maxSurge and maxUnavailable both zero",
			pre: func(d *appsv1.Deployment) {
				d.Spec.Strategy.RollingUpdate = &appsv1.RollingUpdateDeployment{MaxSurge: ptr(intstr.FromInt32(0)), MaxUnavailable: ptr(intstr.FromString("0%"))}
			},
			want: []string{"spec.strategy.rollingUpdate.maxUnavailable: Invalid value: \"0%\": may not be 0 when `maxSurge` is 0"},
		},
		{
			name: "bad rolling update values",
			pre: func(d *appsv1.Deployment) {
				d.Spec.Strategy.RollingUpdate = &appsv1.RollingUpdateDeployment{MaxSurge: ptr(intstr.FromString("half")), MaxUnavailable: ptr(intstr.FromString("150%"))}
			},
			want: []string{
				`spec.strategy.rollingUpdate.maxSurge: Invalid value: "half": a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')`,
				`spec.strategy.rollingUpdate.maxUnavailable: Invalid value: "150%": must not be greater than 100%`,
			},
		},
		{
			name: "Recreate with rollingUpdate",
			pre:  func(d *appsv1.Deployment) { d.Spec.Strategy.Type = appsv1.RecreateDeploymentStrategyType },
			post: func(d *appsv1.Deployment) {
				d.Spec.Strategy.RollingUpdate = &appsv1.RollingUpdateDeployment{}
			},
			want: []string{"spec.strategy.rollingUpdate: Forbidden: may not be specified when strategy `type` is 'Recreate'"},
		},
		{
			name: "unknown strategy",
			pre:  func(d *appsv1.Deployment) { d.Spec.Strategy.Type = "BlueGreen" },
			want: []string{`spec.strategy: Unsupported value: {"type":"BlueGreen"}: supported values: "Recreate", "RollingUpdate"`},
		},
		{
			name: "progress deadline not above minReadySeconds",
			pre:  func(d *appsv1.Deployment) { d.Spec.MinReadySeconds = 600 },
			want: []string{"spec.progressDeadlineSeconds: Invalid value: 600: must be greater than minReadySeconds"},
		},
		{
			name: "template restartPolicy must be Always",
			pre:  func(d *appsv1.Deployment) { d.Spec.Template.Spec.RestartPolicy = corev1.RestartPolicyNever },
			want: []string{`spec.template.spec.restartPolicy: Unsupported value: "Never": supported values: "Always"`},
		},
		{
			name: "template pod spec is validated",
			pre:  func(d *appsv1.Deployment) { d.Spec.Template.Spec.Containers[0].Image = "" },
			want: []string{"spec.template.spec.containers[0].image: Required value"},
		},
		{
			name: "activeDeadlineSeconds in template",
			pre:  func(d *appsv1.Deployment) { d.Spec.Template.Spec.ActiveDeadlineSeconds = ptr(int64(10)) },
			want: []string{"spec.template.spec.activeDeadlineSeconds: Forbidden: activeDeadlineSeconds in Deployment is not Supported"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := newDeployment(tc.pre)
			if tc.post != nil {
				tc.post(d)
			}
			checkErrors(t, ValidateDeployment(d), tc.want)
		})
	}
}

func TestValidateDeploymentUpdate(t *testing.T) {
	tests := []struct {
		name string
		edit func(*appsv1.Deployment)
		want []string
	}{
		{name: "scale and new image", edit: func(d *appsv1.Deployment) {
			d.Spec.Replicas = ptr(int32(5))
			d.Spec.Template.Spec.Containers[0].Image = "nginx:1.28"
		}},
		{
			name: "selector is immutable",
			edit: func(d *appsv1.Deployment) {
				d.Spec.Selector.MatchLabels["tier"] = "front"
				d.Spec.Template.Labels["tier"] = "front"
			},
			want: []string{`spec.selector: Invalid value: {"matchLabels":{"app":"web","tier":"front"}}: field is immutable`},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			old := newDeployment(nil)
			old.ResourceVersion = "8"
			d := old.DeepCopy()
			tc.edit(d)
			checkErrors(t, ValidateDeploymentUpdate(d, old), tc.want)
		})
	}
}

func TestValidateDeploymentStatusUpdate(t *testing.T) {
	tests := []struct {
		name   string
		old    appsv1.DeploymentStatus
		status appsv1.DeploymentStatus
		want   []string
	}{
		{name: "consistent", status: appsv1.DeploymentStatus{Replicas: 3, UpdatedReplicas: 3, ReadyReplicas: 2, AvailableReplicas: 2, UnavailableReplicas: 1}},
		{
			name:   "counters above replicas",
			status: appsv1.DeploymentStatus{Replicas: 1, ReadyReplicas: 2, AvailableReplicas: 3},
			want: []string{
				"status.readyReplicas: Invalid value: 2: cannot be greater than status.replicas",
				"status.availableReplicas: Invalid value: 3: cannot be greater than status.replicas",
				"status.availableReplicas: Invalid value: 3: cannot be greater than readyReplicas",
			},
		},
		{
			name:   "collisionCount decremented",
			old:    appsv1.DeploymentStatus{CollisionCount: ptr(int32(2))},
			status: appsv1.DeploymentStatus{CollisionCount: ptr(int32(1))},
			want:   []string{"status.collisionCount: Invalid value: 1: cannot be decremented"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			old := newDeployment(nil)
			old.ResourceVersion = "8"
			old.Status = tc.old
			d := old.DeepCopy()
			d.Status = tc.status
			checkErrors(t, ValidateDeploymentStatusUpdate(d, old), tc.want)
		})
	}
}
