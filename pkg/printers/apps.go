package printers

import (
	"fmt"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	extensionsv1beta1 "k8s.io/api/extensions/v1beta1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// deploymentColumns: NAME READY UP-TO-DATE AVAILABLE AGE, wide CONTAINERS
// IMAGES SELECTOR.
func deploymentColumns() []metav1.TableColumnDefinition {
	// kube-apiserver describes these columns with the extensions/v1beta1
	// field docs.
	status := extensionsv1beta1.DeploymentStatus{}.SwaggerDoc()
	cols := []metav1.TableColumnDefinition{
		nameColumn(),
		column("Ready", typeString, "Number of the pod with ready state"),
		column("Up-to-date", typeString, status["updatedReplicas"]),
		column("Available", typeString, status["availableReplicas"]),
		ageColumn(),
	}
	cols = append(cols, containerColumns()...)
	return append(cols, wideColumn("Selector", typeString, extensionsv1beta1.DeploymentSpec{}.SwaggerDoc()["selector"]))
}

func deploymentRow(d *appsv1.Deployment, now time.Time) metav1.TableRow {
	names, images := containerCells(d.Spec.Template.Spec.Containers)
	selector := "<invalid>"
	if s, err := metav1.LabelSelectorAsSelector(d.Spec.Selector); err == nil {
		selector = s.String()
	}
	return metav1.TableRow{Cells: []any{
		d.Name,
		fmt.Sprintf("%d/%d", d.Status.ReadyReplicas, deref(d.Spec.Replicas)),
		int64(d.Status.UpdatedReplicas),
		int64(d.Status.AvailableReplicas),
		age(d.CreationTimestamp, now),
		names,
		images,
		selector,
	}}
}

// replicaSetColumns: NAME DESIRED CURRENT READY AGE, wide CONTAINERS IMAGES
// SELECTOR.
func replicaSetColumns() []metav1.TableColumnDefinition {
	spec, status := extensionsv1beta1.ReplicaSetSpec{}.SwaggerDoc(), extensionsv1beta1.ReplicaSetStatus{}.SwaggerDoc()
	cols := []metav1.TableColumnDefinition{
		nameColumn(),
		column("Desired", typeInteger, spec["replicas"]),
		column("Current", typeInteger, status["replicas"]),
		column("Ready", typeInteger, status["readyReplicas"]),
		ageColumn(),
	}
	cols = append(cols, containerColumns()...)
	return append(cols, wideColumn("Selector", typeString, spec["selector"]))
}

func replicaSetRow(rs *appsv1.ReplicaSet, now time.Time) metav1.TableRow {
	names, images := containerCells(rs.Spec.Template.Spec.Containers)
	return metav1.TableRow{Cells: []any{
		rs.Name,
		int64(deref(rs.Spec.Replicas)),
		int64(rs.Status.Replicas),
		int64(rs.Status.ReadyReplicas),
		age(rs.CreationTimestamp, now),
		names,
		images,
		metav1.FormatLabelSelector(rs.Spec.Selector),
	}}
}
