package apps

import (
	"testing"

	autoscalingv1 "k8s.io/api/autoscaling/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestValidateScale(t *testing.T) {
	tests := []struct {
		name     string
		replicas int32
		ns       string
		want     []string
	}{
		{name: "zero", replicas: 0, ns: "default"},
		{name: "five", replicas: 5, ns: "default"},
		{name: "negative", replicas: -1, ns: "default", want: []string{"spec.replicas: Invalid value: -1: must be greater than or equal to 0"}},
		{name: "no namespace", replicas: 1, want: []string{"metadata.namespace: Required value"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := &autoscalingv1.Scale{ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: tc.ns}, Spec: autoscalingv1.ScaleSpec{Replicas: tc.replicas}}
			checkErrors(t, ValidateScale(s), tc.want)
		})
	}
}
