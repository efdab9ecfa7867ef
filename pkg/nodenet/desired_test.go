package nodenet

import (
	"net/netip"
	"reflect"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func node(name, cidr, ip string) *corev1.Node {
	n := &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: name}, Spec: corev1.NodeSpec{PodCIDR: cidr}}
	if ip != "" {
		n.Status.Addresses = []corev1.NodeAddress{{Type: corev1.NodeHostName, Address: name}, {Type: corev1.NodeInternalIP, Address: ip}}
	}
	return n
}

func route(dst, gw string) Route {
	return Route{Dst: netip.MustParsePrefix(dst), Gw: netip.MustParseAddr(gw)}
}

func TestDesiredRoutes(t *testing.T) {
	tests := []struct {
		name  string
		nodes []*corev1.Node
		want  []Route
	}{
		{"self skipped, others routed", []*corev1.Node{
			node("node1", "10.244.0.0/24", "192.0.2.11"),
			node("node3", "10.244.2.0/24", "192.0.2.13"),
			node("node2", "10.244.1.0/24", "192.0.2.12"),
		}, []Route{route("10.244.1.0/24", "192.0.2.12"), route("10.244.2.0/24", "192.0.2.13")}},
		{"no podCIDR yet", []*corev1.Node{node("node2", "", "192.0.2.12")}, nil},
		{"no InternalIP", []*corev1.Node{node("node2", "10.244.1.0/24", "")}, nil},
		{"family mismatch", []*corev1.Node{node("node2", "10.244.1.0/24", "2001:db8::2")}, nil},
		{"garbage CIDR", []*corev1.Node{node("node2", "nonsense", "192.0.2.12")}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := DesiredRoutes(tt.nodes, "node1"); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}

func TestDiff(t *testing.T) {
	have := []Route{route("10.244.1.0/24", "192.0.2.12"), route("10.244.2.0/24", "192.0.2.99"), route("10.244.9.0/24", "192.0.2.19")}
	want := []Route{route("10.244.1.0/24", "192.0.2.12"), route("10.244.2.0/24", "192.0.2.13"), route("10.244.3.0/24", "192.0.2.14")}
	replace, remove := Diff(have, want)
	if w := []Route{route("10.244.2.0/24", "192.0.2.13"), route("10.244.3.0/24", "192.0.2.14")}; !reflect.DeepEqual(replace, w) {
		t.Errorf("replace = %v, want %v", replace, w)
	}
	if w := []Route{route("10.244.9.0/24", "192.0.2.19")}; !reflect.DeepEqual(remove, w) {
		t.Errorf("remove = %v, want %v", remove, w)
	}
	if r, d := Diff(want, want); len(r)+len(d) != 0 {
		t.Errorf("no-op diff = %v %v", r, d)
	}
}
