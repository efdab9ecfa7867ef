package apps

import (
	appsv1 "k8s.io/api/apps/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/svcnet/svcnet/pkg/apis/core"
)

// Deployment defaults, as in apps/v1.
const (
	defaultRevisionHistoryLimit    int32 = 10
	defaultProgressDeadlineSeconds int32 = 600
)

// DefaultDeployment fills in a Deployment's defaults: one replica, a
// RollingUpdate strategy with maxSurge and maxUnavailable of 25%, a revision
// history of 10, a progress deadline of 600 seconds, and the pod template
// defaults.
func DefaultDeployment(d *appsv1.Deployment) {
	spec := &d.Spec
	if spec.Replicas == nil {
		one := int32(1)
		spec.Replicas = &one
	}
	if spec.Strategy.Type == "" {
		spec.Strategy.Type = appsv1.RollingUpdateDeploymentStrategyType
	}
	if spec.Strategy.Type == appsv1.RollingUpdateDeploymentStrategyType {
		if spec.Strategy.RollingUpdate == nil {
			spec.Strategy.RollingUpdate = &appsv1.RollingUpdateDeployment{}
		}
		ru := spec.Strategy.RollingUpdate
		if ru.MaxUnavailable == nil {
			v := intstr.FromString("25%")
			ru.MaxUnavailable = &v
		}
		if ru.MaxSurge == nil {
			v := intstr.FromString("25%")
			ru.MaxSurge = &v
		}
	}
	if spec.RevisionHistoryLimit == nil {
		limit := defaultRevisionHistoryLimit
		spec.RevisionHistoryLimit = &limit
	}
	if spec.ProgressDeadlineSeconds == nil {
		deadline := defaultProgressDeadlineSeconds
		spec.ProgressDeadlineSeconds = &deadline
	}
	core.DefaultPodTemplateSpec(&spec.Template)
}

// DefaultReplicaSet fills in a ReplicaSet's defaults: one replica and the
// pod template defaults.
func DefaultReplicaSet(rs *appsv1.ReplicaSet) {
	if rs.Spec.Replicas == nil {
		one := int32(1)
		rs.Spec.Replicas = &one
	}
	core.DefaultPodTemplateSpec(&rs.Spec.Template)
}
