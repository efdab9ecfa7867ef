package apps

import (
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestValidateReplicaSet(t *testing.T) {
	tests := []struct {
		name string
		pre  func(*appsv1.ReplicaSet)
		want []string
	}{
		{name: "valid"},
		{
			name: "negative replicas and minReadySeconds",
			pre:  func(rs *appsv1.ReplicaSet) { rs.Spec.Replicas = ptr(int32(-2)); rs.Spec.MinReadySeconds = -1 },
			want: []string{
				"spec.replicas: Invalid value: -2: must be greater than or equal to 0",
				"spec.minReadySeconds: Invalid value: -1: must be greater than or equal to 0",
			},
		},
		{
			name: "selector does not match template",
			pre: func(rs *appsv1.ReplicaSet) {
				rs.Spec.Selector = &metav1.LabelSelector{MatchLabels: map[string]string{"app": "api"}}
			},
			want: []string{"spec.template.metadata.labels: Invalid value: {\"app\":\"web\"}: `selector` does not match template `labels`"},
		},
		{
			name: "bad name",
			pre:  func(rs *appsv1.ReplicaSet) { rs.Name = "web_abc" },
			want: []string{`metadata.name: Invalid value: "web_abc": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')`},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			checkErrors(t, ValidateReplicaSet(newReplicaSet(tc.pre)), tc.want)
		})
	}
}

func TestValidateReplicaSetUpdate(t *testing.T) {
	old := newReplicaSet(nil)
	old.ResourceVersion = "2"
	rs := old.DeepCopy()
	rs.Spec.Replicas = ptr(int32(4))
	checkErrors(t, ValidateReplicaSetUpdate(rs, old), nil)
	rs.Spec.Selector = &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{{Key: "app", Operator: metav1.LabelSelectorOpExists}}}
	checkErrors(t, ValidateReplicaSetUpdate(rs, old), []string{
		`spec.selector: Invalid value: {"matchExpressions":[{"key":"app","operator":"Exists"}]}: field is immutable`,
	})
}

func TestValidateReplicaSetStatusUpdate(t *testing.T) {
	tests := []struct {
		name   string
		status appsv1.ReplicaSetStatus
		want   []string
	}{
		{name: "consistent", status: appsv1.ReplicaSetStatus{Replicas: 3, FullyLabeledReplicas: 3, ReadyReplicas: 3, AvailableReplicas: 2, ObservedGeneration: 1}},
		{
			name:   "inconsistent",
			status: appsv1.ReplicaSetStatus{Replicas: -1, ReadyReplicas: 1, AvailableReplicas: 2},
			want: []string{
				"status.replicas: Invalid value: -1: must be greater than or equal to 0",
				"status.fullyLabeledReplicas: Invalid value: 0: cannot be greater than status.replicas",
				"status.readyReplicas: Invalid value: 1: cannot be greater than status.replicas",
				"status.availableReplicas: Invalid value: 2: cannot be greater than status.replicas",
				"status.availableReplicas: Invalid value: 2: cannot be greater than readyReplicas",
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			old := newReplicaSet(nil)
			old.ResourceVersion = "2"
			rs := old.DeepCopy()
			rs.Status = tc.status
			checkErrors(t, ValidateReplicaSetStatusUpdate(rs, old), tc.want)
		})
	}
}
