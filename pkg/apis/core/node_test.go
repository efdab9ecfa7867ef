package core

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestDefaultNode(t *testing.T) {
	tests := []struct {
		name         string
		spec         corev1.NodeSpec
		wantPodCIDR  string
		wantPodCIDRs []string
	}{
		{name: "podCIDR fills podCIDRs", spec: corev1.NodeSpec{PodCIDR: "10.244.1.0/24"},
			wantPodCIDR: "10.244.1.0/24", wantPodCIDRs: []string{"10.244.1.0/24"}},
		{name: "podCIDRs fill podCIDR", spec: corev1.NodeSpec{PodCIDRs: []string{"10.244.1.0/24", "fd00:10:244:1::/64"}},
			wantPodCIDR: "10.244.1.0/24", wantPodCIDRs: []string{"10.244.1.0/24", "fd00:10:244:1::/64"}},
		{name: "podCIDRs win", spec: corev1.NodeSpec{PodCIDR: "10.244.9.0/24", PodCIDRs: []string{"10.244.1.0/24"}},
			wantPodCIDR: "10.244.1.0/24", wantPodCIDRs: []string{"10.244.1.0/24"}},
		{name: "none"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			node := &corev1.Node{Spec: tc.spec}
			DefaultNode(node)
			if node.Spec.PodCIDR != tc.wantPodCIDR || !cmp.Equal(node.Spec.PodCIDRs, tc.wantPodCIDRs) {
				t.Errorf("podCIDR %q podCIDRs %v, want %q %v", node.Spec.PodCIDR, node.Spec.PodCIDRs, tc.wantPodCIDR, tc.wantPodCIDRs)
			}
		})
	}
	node := &corev1.Node{Status: corev1.NodeStatus{Capacity: corev1.ResourceList{corev1.ResourcePods: resource.MustParse("110")}}}
	DefaultNode(node)
	if q := node.Status.Allocatable[corev1.ResourcePods]; q.Value() != 110 {
		t.Errorf("allocatable pods = %v, want 110 from capacity", q)
	}
}

func TestValidateNode(t *testing.T) {
	tests := []struct {
		name string
		edit func(*corev1.Node)
		want []string
	}{
		{name: "valid"},
		{name: "valid dual-stack podCIDRs", edit: func(n *corev1.Node) { n.Spec.PodCIDRs = []string{"10.244.1.0/24", "fd00:10:244:1::/64"} }},
		{
			name: "bad podCIDR",
			edit: func(n *corev1.Node) { n.Spec.PodCIDRs = []string{"10.244.1.1/24"} },
			want: []string{`spec.podCIDRs[0]: Invalid value: "10.244.1.1/24": must not have bits set beyond the prefix length`},
		},
		{
			name: "two IPv4 podCIDRs",
			edit: func(n *corev1.Node) { n.Spec.PodCIDRs = []string{"10.244.1.0/24", "10.244.1.0/24"} },
			want: []string{
				`spec.podCIDRs: Invalid value: ["10.244.1.0/24","10.244.1.0/24"]: may specify no more than one CIDR for each IP family`,
				`spec.podCIDRs[1]: Duplicate value: "10.244.1.0/24"`,
			},
		},
		{
			name: "taints",
			edit: func(n *corev1.Node) {
				n.Spec.Taints = []corev1.Taint{
					{Key: "node.kubernetes.io/unreachable", Effect: corev1.TaintEffectNoExecute},
					{Key: "node.kubernetes.io/unreachable", Effect: corev1.TaintEffectNoExecute},
					{Key: "x", Effect: ""},
				}
			},
			want: []string{
				`metadata.taints[1]: Duplicate value: {"key":"node.kubernetes.io/unreachable","effect":"NoExecute"}: taints must be unique by key and effect pair`,
				"metadata.taints[2].effect: Required value",
			},
		},
		{
			name: "negative capacity",
			edit: func(n *corev1.Node) {
				n.Status.Capacity = corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("-1")}
			},
			want: []string{
				`status.capacity.cpu: Invalid value: "-1": must be greater than or equal to 0`,
				`status.allocatable.cpu: Invalid value: "-1": must be greater than or equal to 0`,
			},
		},
		{
			name: "namespaced node",
			edit: func(n *corev1.Node) { n.Namespace = "default" },
			want: []string{"metadata.namespace: Forbidden: not allowed on this type"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			node := &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "node-1"}}
			if tc.edit != nil {
				tc.edit(node)
			}
			DefaultNode(node)
			checkErrors(t, ValidateNode(node), tc.want)
		})
	}
}

func TestValidateNodeUpdate(t *testing.T) {
	setCIDRs := func(cidrs ...string) func(*corev1.Node) {
		return func(n *corev1.Node) { n.Spec.PodCIDR = ""; n.Spec.PodCIDRs = cidrs }
	}
	tests := []struct {
		name string
		old  []string
		edit func(*corev1.Node)
		want []string
	}{
		{name: "assign podCIDR", edit: setCIDRs("10.244.1.0/24")},
		{name: "keep podCIDR", old: []string{"10.244.1.0/24"}},
		{
			name: "change podCIDR",
			old:  []string{"10.244.1.0/24"},
			edit: setCIDRs("10.244.2.0/24"),
			want: []string{`spec.podCIDRs: Forbidden: node updates may not change podCIDR except from "" to valid`},
		},
		{
			name: "clear podCIDR",
			old:  []string{"10.244.1.0/24"},
			edit: setCIDRs(),
			want: []string{`spec.podCIDRs: Forbidden: node updates may not change podCIDR except from "" to valid`},
		},
		{
			name: "assign an invalid podCIDR",
			edit: setCIDRs("10.244.1.0/33"),
			want: []string{`spec.podCIDRs[0]: Invalid value: "10.244.1.0/33": must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)`},
		},
		{
			name: "duplicate addresses",
			edit: func(n *corev1.Node) {
				a := corev1.NodeAddress{Type: corev1.NodeInternalIP, Address: "192.0.2.11"}
				n.Status.Addresses = []corev1.NodeAddress{a, a}
			},
			want: []string{`status.addresses[1]: Duplicate value: {"type":"InternalIP","address":"192.0.2.11"}`},
		},
		{
			name: "providerID may not change",
			edit: func(n *corev1.Node) { n.Spec.ProviderID = "lab://node-2" },
			want: []string{`spec.providerID: Forbidden: node updates may not change providerID except from "" to valid`},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			old := &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "node-1", ResourceVersion: "5"},
				Spec: corev1.NodeSpec{PodCIDRs: tc.old, ProviderID: "lab://node-1"}}
			DefaultNode(old)
			node := old.DeepCopy()
			if tc.edit != nil {
				tc.edit(node)
			}
			DefaultNode(node)
			checkErrors(t, ValidateNodeUpdate(node, old), tc.want)
		})
	}
}
