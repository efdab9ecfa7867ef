package printers

import (
	"slices"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Node labels that name a node's roles.
const (
	// nodeRoleLabelPrefix names a role in the key: node-role.kubernetes.io/control-plane="".
	nodeRoleLabelPrefix = "node-role.kubernetes.io/"
	// nodeRoleLabel names a role in the value: kubernetes.io/role=master.
	nodeRoleLabel = "kubernetes.io/role"
)

// nodeColumns: NAME STATUS ROLES AGE VERSION, wide INTERNAL-IP EXTERNAL-IP
// OS-IMAGE KERNEL-VERSION CONTAINER-RUNTIME.
func nodeColumns() []metav1.TableColumnDefinition {
	info, status := corev1.NodeSystemInfo{}.SwaggerDoc(), corev1.NodeStatus{}.SwaggerDoc()
	return []metav1.TableColumnDefinition{
		nameColumn(),
		column("Status", typeString, "The status of the node"),
		column("Roles", typeString, "The roles of the node"),
		ageColumn(),
		column("Version", typeString, info["kubeletVersion"]),
		wideColumn("Internal-IP", typeString, status["addresses"]),
		wideColumn("External-IP", typeString, status["addresses"]),
		wideColumn("OS-Image", typeString, info["osImage"]),
		wideColumn("Kernel-Version", typeString, info["kernelVersion"]),
		wideColumn("Container-Runtime", typeString, info["containerRuntimeVersion"]),
	}
}

func nodeRow(node *corev1.Node, now time.Time) metav1.TableRow {
	info := node.Status.NodeInfo
	return metav1.TableRow{Cells: []any{
		node.Name,
		nodeStatus(node),
		orNone(strings.Join(nodeRoles(node), ",")),
		age(node.CreationTimestamp, now),
		info.KubeletVersion,
		nodeAddress(node, corev1.NodeInternalIP),
		nodeAddress(node, corev1.NodeExternalIP),
		orUnknown(info.OSImage),
		orUnknown(info.KernelVersion),
		orUnknown(info.ContainerRuntimeVersion),
	}}
}

// nodeStatus is Ready or NotReady from the Ready condition (Unknown without
// one), followed by ",SchedulingDisabled" for cordoned nodes.
func nodeStatus(node *corev1.Node) string {
	status := "Unknown"
	for _, c := range node.Status.Conditions {
		if c.Type != corev1.NodeReady {
			continue
		}
		// The last Ready condition wins, should there be several.
		if c.Status == corev1.ConditionTrue {
			status = string(corev1.NodeReady)
		} else {
			status = "Not" + string(corev1.NodeReady)
		}
	}
	if node.Spec.Unschedulable {
		status += ",SchedulingDisabled"
	}
	return status
}

// nodeRoles lists the roles in the node's labels, sorted and without
// duplicates.
func nodeRoles(node *corev1.Node) []string {
	var roles []string
	for k, v := range node.Labels {
		switch {
		case strings.HasPrefix(k, nodeRoleLabelPrefix):
			if role := strings.TrimPrefix(k, nodeRoleLabelPrefix); role != "" {
				roles = append(roles, role)
			}
		case k == nodeRoleLabel && v != "":
			roles = append(roles, v)
		}
	}
	slices.Sort(roles)
	return slices.Compact(roles)
}

// nodeAddress is the node's first address of type t, or <none>.
func nodeAddress(node *corev1.Node, t corev1.NodeAddressType) string {
	for _, a := range node.Status.Addresses {
		if a.Type == t {
			return a.Address
		}
	}
	return none
}

// orUnknown returns s, or <unknown> when s is empty.
func orUnknown(s string) string {
	if s == "" {
		return unknown
	}
	return s
}
