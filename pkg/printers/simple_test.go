package printers

import (
	"testing"
	"time"

	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/utils/ptr"
)

func TestNamespaceGolden(t *testing.T) {
	ns := func(name string, phase corev1.NamespacePhase, created time.Duration) corev1.Namespace {
		n := corev1.Namespace{ObjectMeta: objMeta(name, created), Status: corev1.NamespaceStatus{Phase: phase}}
		n.Namespace = ""
		return n
	}
	checkRender(t, &corev1.NamespaceList{Items: []corev1.Namespace{
		ns("default", corev1.NamespaceActive, 9*24*time.Hour),
		ns("old", corev1.NamespaceTerminating, 5*time.Minute+30*time.Second),
	}}, false, lines(
		"NAME      STATUS        AGE",
		"default   Active        9d",
		"old       Terminating   5m30s",
	))
}

func TestConfigMapGolden(t *testing.T) {
	checkRender(t, &corev1.ConfigMapList{Items: []corev1.ConfigMap{
		{ObjectMeta: objMeta("kube-root-ca.crt", 9*24*time.Hour), Data: map[string]string{"ca.crt": "x"}},
		{ObjectMeta: objMeta("mixed", time.Hour), Data: map[string]string{"a": "1", "b": "2"}, BinaryData: map[string][]byte{"c": {3}}},
		{ObjectMeta: objMeta("empty", time.Minute)},
	}}, false, lines(
		"NAME               DATA   AGE",
		"kube-root-ca.crt   1      9d",
		"mixed              3      60m",
		"empty              0      60s",
	))
}

func TestLeaseGolden(t *testing.T) {
	checkRender(t, &coordinationv1.LeaseList{Items: []coordinationv1.Lease{
		{ObjectMeta: objMeta("node01", 9*24*time.Hour), Spec: coordinationv1.LeaseSpec{HolderIdentity: ptr.To("node01")}},
		{ObjectMeta: objMeta("free", time.Hour)},
	}}, false, lines(
		"NAME     HOLDER   AGE",
		"node01   node01   9d",
		"free              60m",
	))
}

func TestServiceCIDRGolden(t *testing.T) {
	checkRender(t, &networkingv1.ServiceCIDRList{Items: []networkingv1.ServiceCIDR{
		{ObjectMeta: objMeta("kubernetes", 9*24*time.Hour), Spec: networkingv1.ServiceCIDRSpec{CIDRs: []string{"10.96.0.0/12", "fd00:10:96::/112"}}},
	}}, false, lines(
		"NAME         CIDRS                           AGE",
		"kubernetes   10.96.0.0/12,fd00:10:96::/112   9d",
	))
}

func TestIPAddressGolden(t *testing.T) {
	ip := func(name string, ref *networkingv1.ParentReference) networkingv1.IPAddress {
		return networkingv1.IPAddress{ObjectMeta: objMeta(name, time.Hour), Spec: networkingv1.IPAddressSpec{ParentRef: ref}}
	}
	checkRender(t, &networkingv1.IPAddressList{Items: []networkingv1.IPAddress{
		ip("10.96.0.1", &networkingv1.ParentReference{Resource: "services", Namespace: "default", Name: "kubernetes"}),
		ip("10.96.0.10", &networkingv1.ParentReference{Resource: "services", Namespace: "kube-system", Name: "kube-dns"}),
		ip("10.96.0.20", &networkingv1.ParentReference{Group: "Example.COM", Resource: "Widgets", Name: "cluster-wide"}),
		ip("10.96.0.30", nil),
	}}, false, lines(
		"NAME         PARENTREF",
		"10.96.0.1    services/default/kubernetes",
		"10.96.0.10   services/kube-system/kube-dns",
		"10.96.0.20   widgets.example.com/cluster-wide",
		"10.96.0.30   <none>",
	))
}
