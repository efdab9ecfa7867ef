package printers

import (
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
)

func node(name string, ready corev1.ConditionStatus, labels map[string]string) corev1.Node {
	n := corev1.Node{ObjectMeta: objMeta(name, 9*24*time.Hour)}
	n.Namespace = ""
	n.Labels = labels
	if ready != "" {
		n.Status.Conditions = []corev1.NodeCondition{
			{Type: corev1.NodeMemoryPressure, Status: corev1.ConditionFalse},
			{Type: corev1.NodeReady, Status: ready},
		}
	}
	n.Status.NodeInfo.KubeletVersion = "v1.37.2"
	return n
}

func TestNodeCells(t *testing.T) {
	cordoned := node("n", corev1.ConditionTrue, nil)
	cordoned.Spec.Unschedulable = true
	unknownCordoned := node("n", "", nil)
	unknownCordoned.Spec.Unschedulable = true
	tests := []struct {
		name string
		node corev1.Node
		want map[string]any
	}{
		{"ready", node("n", corev1.ConditionTrue, nil), map[string]any{"STATUS": "Ready", "ROLES": "<none>"}},
		{"not ready", node("n", corev1.ConditionFalse, nil), map[string]any{"STATUS": "NotReady"}},
		{"ready condition unknown", node("n", corev1.ConditionUnknown, nil), map[string]any{"STATUS": "NotReady"}},
		{"no ready condition", node("n", "", nil), map[string]any{"STATUS": "Unknown"}},
		{"cordoned", cordoned, map[string]any{"STATUS": "Ready,SchedulingDisabled"}},
		{"unknown and cordoned", unknownCordoned, map[string]any{"STATUS": "Unknown,SchedulingDisabled"}},
		{"roles from both label styles, sorted, once each", node("n", corev1.ConditionTrue, map[string]string{
			"node-role.kubernetes.io/control-plane": "",
			"node-role.kubernetes.io/etcd":          "true",
			"node-role.kubernetes.io/":              "",
			"kubernetes.io/role":                    "etcd",
			"kubernetes.io/hostname":                "n",
		}), map[string]any{"ROLES": "control-plane,etcd"}},
		{"legacy role label", node("n", corev1.ConditionTrue, map[string]string{"kubernetes.io/role": "master"}), map[string]any{"ROLES": "master"}},
		{"wide defaults", node("n", corev1.ConditionTrue, nil), map[string]any{
			"INTERNAL-IP": "<none>", "EXTERNAL-IP": "<none>", "OS-IMAGE": "<unknown>", "KERNEL-VERSION": "<unknown>", "CONTAINER-RUNTIME": "<unknown>", "VERSION": "v1.37.2",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkCells(t, &tt.node, tt.want)
		})
	}
}

func TestNodeGolden(t *testing.T) {
	cp := node("controlplane", corev1.ConditionTrue, map[string]string{"node-role.kubernetes.io/control-plane": ""})
	cp.Status.Addresses = []corev1.NodeAddress{
		{Type: corev1.NodeHostName, Address: "controlplane"},
		{Type: corev1.NodeInternalIP, Address: "192.0.2.10"},
		{Type: corev1.NodeInternalIP, Address: "fd00::10"},
	}
	cp.Status.NodeInfo.OSImage = "Ubuntu 24.04 LTS"
	cp.Status.NodeInfo.KernelVersion = "6.8.0-45-generic"
	cp.Status.NodeInfo.ContainerRuntimeVersion = "svcnet://0.1.0"
	worker := node("node01", corev1.ConditionFalse, nil)
	worker.CreationTimestamp = ago(90 * time.Minute)
	worker.Status.Addresses = []corev1.NodeAddress{{Type: corev1.NodeInternalIP, Address: "192.0.2.11"}, {Type: corev1.NodeExternalIP, Address: "198.51.100.11"}}
	list := &corev1.NodeList{Items: []corev1.Node{cp, worker}}
	checkRender(t, list, false, lines(
		"NAME           STATUS     ROLES           AGE   VERSION",
		"controlplane   Ready      control-plane   9d    v1.37.2",
		"node01         NotReady   <none>          90m   v1.37.2",
	))
	checkRender(t, list, true, lines(
		"NAME           STATUS     ROLES           AGE   VERSION   INTERNAL-IP   EXTERNAL-IP     OS-IMAGE           KERNEL-VERSION     CONTAINER-RUNTIME",
		"controlplane   Ready      control-plane   9d    v1.37.2   192.0.2.10    <none>          Ubuntu 24.04 LTS   6.8.0-45-generic   svcnet://0.1.0",
		"node01         NotReady   <none>          90m   v1.37.2   192.0.2.11    198.51.100.11   <unknown>          <unknown>          <unknown>",
	))
}
