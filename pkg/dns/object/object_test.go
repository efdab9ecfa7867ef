package object

import (
	"net/netip"
	"reflect"
	"testing"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/cache"
	"k8s.io/utils/ptr"
)

func addrs(s ...string) []netip.Addr {
	var out []netip.Addr
	for _, a := range s {
		out = append(out, netip.MustParseAddr(a))
	}
	return out
}

func TestTransform(t *testing.T) {
	meta := metav1.ObjectMeta{Namespace: "ns", Name: "x", ResourceVersion: "7",
		Annotations:   map[string]string{"big": string(make([]byte, 4096))},
		ManagedFields: []metav1.ManagedFieldsEntry{{Manager: "kubectl"}}}
	deleting := meta
	deleting.DeletionTimestamp = &metav1.Time{}
	tolerate := meta
	tolerate.Annotations = map[string]string{TolerateUnreadyAnnotation: "true"}
	cases := []struct {
		name string
		in   any
		want any
	}{
		{
			name: "dual-stack ClusterIP Service",
			in: &corev1.Service{ObjectMeta: meta, Spec: corev1.ServiceSpec{
				ClusterIP: "10.0.0.1", ClusterIPs: []string{"10.0.0.1", "fd00::1"},
				Ports: []corev1.ServicePort{{Name: "http", Port: 80}, {Name: "dns", Protocol: corev1.ProtocolUDP, Port: 53}}}},
			want: &Service{Namespace: "ns", Name: "x", ClusterIPs: addrs("10.0.0.1", "fd00::1"),
				Ports: []Port{{Name: "http", Protocol: "tcp", Port: 80}, {Name: "dns", Protocol: "udp", Port: 53}}},
		},
		{
			name: "headless Service with the tolerate annotation",
			in:   &corev1.Service{ObjectMeta: tolerate, Spec: corev1.ServiceSpec{ClusterIP: "None", ClusterIPs: []string{"None"}}},
			want: &Service{Namespace: "ns", Name: "x", Headless: true, AllReady: true},
		},
		{
			name: "ExternalName Service",
			in:   &corev1.Service{ObjectMeta: meta, Spec: corev1.ServiceSpec{Type: corev1.ServiceTypeExternalName, ExternalName: "WWW.Example.test", Ports: []corev1.ServicePort{{Port: 80}}}},
			want: &Service{Namespace: "ns", Name: "x", ExternalName: "www.example.test."},
		},
		{
			name: "EndpointSlice",
			in: &discoveryv1.EndpointSlice{
				ObjectMeta:  metav1.ObjectMeta{Namespace: "ns", Name: "x-1", Labels: map[string]string{discoveryv1.LabelServiceName: "x"}},
				AddressType: discoveryv1.AddressTypeIPv4,
				Ports:       []discoveryv1.EndpointPort{{Name: ptr.To("http"), Port: ptr.To[int32](8080)}},
				Endpoints: []discoveryv1.Endpoint{
					{Addresses: []string{"10.244.0.1", "10.244.0.99"}, Hostname: ptr.To("pet-0")},
					{Addresses: []string{"10.244.0.2"}, Conditions: discoveryv1.EndpointConditions{Ready: ptr.To(false)}},
					{Addresses: []string{"bogus"}},
				},
			},
			want: &EndpointSlice{Namespace: "ns", Name: "x-1", Service: "x",
				Ports: []Port{{Name: "http", Protocol: "tcp", Port: 8080}},
				Endpoints: []Endpoint{
					{Addr: netip.MustParseAddr("10.244.0.1"), Hostname: "pet-0", Ready: true},
					{Addr: netip.MustParseAddr("10.244.0.2")},
				}},
		},
		{
			name: "FQDN EndpointSlice keeps no endpoints",
			in: &discoveryv1.EndpointSlice{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "f"}, AddressType: discoveryv1.AddressTypeFQDN,
				Endpoints: []discoveryv1.Endpoint{{Addresses: []string{"example.test"}}}},
			want: &EndpointSlice{Namespace: "ns", Name: "f"},
		},
		{
			name: "running Pod",
			in:   &corev1.Pod{ObjectMeta: meta, Status: corev1.PodStatus{Phase: corev1.PodRunning, PodIP: "10.244.0.1", PodIPs: []corev1.PodIP{{IP: "10.244.0.1"}, {IP: "fd00::5"}}}},
			want: &Pod{Namespace: "ns", Name: "x", IPs: addrs("10.244.0.1", "fd00::5")},
		},
		{
			name: "Pod with only the legacy podIP",
			in:   &corev1.Pod{ObjectMeta: meta, Status: corev1.PodStatus{Phase: corev1.PodRunning, PodIP: "10.244.0.1"}},
			want: &Pod{Namespace: "ns", Name: "x", IPs: addrs("10.244.0.1")},
		},
		{
			name: "finished Pod has no IPs",
			in:   &corev1.Pod{ObjectMeta: meta, Status: corev1.PodStatus{Phase: corev1.PodFailed, PodIP: "10.244.0.1"}},
			want: &Pod{Namespace: "ns", Name: "x"},
		},
		{
			name: "deleting Pod has no IPs",
			in:   &corev1.Pod{ObjectMeta: deleting, Status: corev1.PodStatus{Phase: corev1.PodRunning, PodIP: "10.244.0.1"}},
			want: &Pod{Namespace: "ns", Name: "x"},
		},
		{
			name: "tombstone",
			in:   cache.DeletedFinalStateUnknown{Key: "ns/x", Obj: &corev1.Pod{ObjectMeta: meta}},
			want: cache.DeletedFinalStateUnknown{Key: "ns/x", Obj: &Pod{Namespace: "ns", Name: "x"}},
		},
		{
			name: "other types pass through",
			in:   &corev1.ConfigMap{ObjectMeta: meta},
			want: &corev1.ConfigMap{ObjectMeta: meta},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := Transform(c.in)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, c.want) {
				t.Errorf("got  %#v\nwant %#v", got, c.want)
			}
			again, err := Transform(got)
			if err != nil || !reflect.DeepEqual(again, got) {
				t.Errorf("not idempotent: %#v, %v", again, err)
			}
		})
	}
}

func TestStoreKeys(t *testing.T) {
	for _, o := range []any{
		&Service{Namespace: "ns", Name: "x"},
		&EndpointSlice{Namespace: "ns", Name: "x"},
		&Pod{Namespace: "ns", Name: "x"},
	} {
		key, err := cache.DeletionHandlingMetaNamespaceKeyFunc(o)
		if err != nil || key != "ns/x" {
			t.Errorf("%T: key %q, %v", o, key, err)
		}
	}
	s := &Service{Namespace: "ns", Name: "x", ClusterIPs: addrs("10.0.0.1")}
	c := s.DeepCopyObject().(*Service)
	c.ClusterIPs[0] = netip.MustParseAddr("10.0.0.2")
	if s.ClusterIPs[0].String() != "10.0.0.1" {
		t.Errorf("DeepCopyObject shares ClusterIPs")
	}
}
