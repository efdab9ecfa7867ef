package endpointutil

import (
	"reflect"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/intstr"
)

var t0 = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

func pod(mut ...func(*corev1.Pod)) *corev1.Pod {
	p := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "p", Namespace: "ns", UID: "u1"},
		Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Ports: []corev1.ContainerPort{
			{Name: "http", ContainerPort: 8080, Protocol: corev1.ProtocolTCP},
			{Name: "dns", ContainerPort: 5353, Protocol: corev1.ProtocolUDP},
		}}}},
		Status: corev1.PodStatus{Phase: corev1.PodRunning, PodIP: "10.0.0.1", PodIPs: []corev1.PodIP{{IP: "10.0.0.1"}},
			Conditions: []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionTrue, LastTransitionTime: metav1.NewTime(t0)}}},
	}
	for _, m := range mut {
		m(p)
	}
	return p
}

func TestShouldPodBeInEndpoints(t *testing.T) {
	now := metav1.NewTime(t0)
	cases := []struct {
		name        string
		pod         *corev1.Pod
		terminating bool
		want        bool
	}{
		{"running with IP", pod(), false, true},
		{"only legacy podIP", pod(func(p *corev1.Pod) { p.Status.PodIPs = nil }), false, true},
		{"no IP", pod(func(p *corev1.Pod) { p.Status.PodIP, p.Status.PodIPs = "", nil }), false, false},
		{"succeeded", pod(func(p *corev1.Pod) { p.Status.Phase = corev1.PodSucceeded }), true, false},
		{"failed", pod(func(p *corev1.Pod) { p.Status.Phase = corev1.PodFailed }), true, false},
		{"not ready still a candidate", pod(func(p *corev1.Pod) { p.Status.Conditions = nil }), false, true},
		{"terminating excluded", pod(func(p *corev1.Pod) { p.DeletionTimestamp = &now }), false, false},
		{"terminating included", pod(func(p *corev1.Pod) { p.DeletionTimestamp = &now }), true, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := ShouldPodBeInEndpoints(tc.pod, tc.terminating); got != tc.want {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
}

func TestFindPort(t *testing.T) {
	sidecar := func(p *corev1.Pod) {
		always := corev1.ContainerRestartPolicyAlways
		p.Spec.InitContainers = []corev1.Container{
			{Name: "init", Ports: []corev1.ContainerPort{{Name: "side", ContainerPort: 1111, Protocol: corev1.ProtocolTCP}}},
			{Name: "sidecar", RestartPolicy: &always, Ports: []corev1.ContainerPort{{Name: "side", ContainerPort: 2222, Protocol: corev1.ProtocolTCP}}},
		}
	}
	cases := []struct {
		name    string
		pod     *corev1.Pod
		sp      corev1.ServicePort
		want    int32
		wantErr bool
	}{
		{"number", pod(), corev1.ServicePort{Port: 80, TargetPort: intstr.FromInt32(9376)}, 9376, false},
		{"zero means port", pod(), corev1.ServicePort{Port: 80}, 80, false},
		{"name", pod(), corev1.ServicePort{Port: 80, Protocol: corev1.ProtocolTCP, TargetPort: intstr.FromString("http")}, 8080, false},
		{"name defaults to TCP", pod(), corev1.ServicePort{Port: 80, TargetPort: intstr.FromString("http")}, 8080, false},
		{"name with protocol", pod(), corev1.ServicePort{Port: 53, Protocol: corev1.ProtocolUDP, TargetPort: intstr.FromString("dns")}, 5353, false},
		{"protocol mismatch", pod(), corev1.ServicePort{Port: 53, Protocol: corev1.ProtocolTCP, TargetPort: intstr.FromString("dns")}, 0, true},
		{"missing name", pod(), corev1.ServicePort{Port: 80, TargetPort: intstr.FromString("nope")}, 0, true},
		{"sidecar only", pod(sidecar), corev1.ServicePort{Port: 80, TargetPort: intstr.FromString("side")}, 2222, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := FindPort(tc.pod, &tc.sp)
			if (err != nil) != tc.wantErr || got != tc.want {
				t.Errorf("FindPort = %d, %v; want %d, error %v", got, err, tc.want, tc.wantErr)
			}
		})
	}
}

func TestAddressTypesAndIPs(t *testing.T) {
	v4, v6 := discoveryv1.AddressTypeIPv4, discoveryv1.AddressTypeIPv6
	cases := []struct {
		name string
		spec corev1.ServiceSpec
		want []discoveryv1.AddressType
	}{
		{"families", corev1.ServiceSpec{IPFamilies: []corev1.IPFamily{corev1.IPv6Protocol, corev1.IPv4Protocol}}, []discoveryv1.AddressType{v6, v4}},
		{"v4 cluster IP", corev1.ServiceSpec{ClusterIP: "10.96.0.1"}, []discoveryv1.AddressType{v4}},
		{"v6 cluster IP", corev1.ServiceSpec{ClusterIP: "fd00::1"}, []discoveryv1.AddressType{v6}},
		{"headless without families", corev1.ServiceSpec{ClusterIP: "None"}, []discoveryv1.AddressType{v4, v6}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := AddressTypes(&corev1.Service{Spec: tc.spec}); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
	ds := pod(func(p *corev1.Pod) { p.Status.PodIPs = []corev1.PodIP{{IP: "10.0.0.1"}, {IP: "fd00::5"}} })
	if got := IPForFamily(ds, v6); got != "fd00::5" {
		t.Errorf("IPv6 of a dual-stack pod = %q", got)
	}
	if got := IPForFamily(pod(), v6); got != "" {
		t.Errorf("IPv6 of an IPv4 pod = %q", got)
	}
}

func TestSelectorsAndHostnames(t *testing.T) {
	if SelectorMatches(nil, map[string]string{"a": "b"}) {
		t.Error("an empty selector must match nothing")
	}
	if !SelectorMatches(map[string]string{"a": "b"}, map[string]string{"a": "b", "c": "d"}) {
		t.Error("subset selector must match")
	}
	if SelectorMatches(map[string]string{"a": "b"}, map[string]string{"a": "x"}) {
		t.Error("value mismatch must not match")
	}
	svc := &corev1.Service{ObjectMeta: metav1.ObjectMeta{Name: "db", Namespace: "ns"}, Spec: corev1.ServiceSpec{Selector: map[string]string{}}}
	if HasSelector(svc) || WantsEndpoints(svc) {
		t.Error("an empty selector is no selector")
	}
	svc.Spec.Selector = map[string]string{"a": "b"}
	if !WantsEndpoints(svc) {
		t.Error("selector service wants endpoints")
	}
	svc.Spec.Type = corev1.ServiceTypeExternalName
	if WantsEndpoints(svc) {
		t.Error("ExternalName service wants no endpoints")
	}
	p := pod(func(p *corev1.Pod) { p.Spec.Hostname, p.Spec.Subdomain = "db-0", "db" })
	if !ShouldSetHostname(p, svc) {
		t.Error("hostname with matching subdomain")
	}
	p.Spec.Subdomain = "other"
	if ShouldSetHostname(p, svc) {
		t.Error("hostname with another subdomain")
	}
}

func TestEndpointChanged(t *testing.T) {
	base := pod()
	cases := []struct {
		name string
		mut  func(*corev1.Pod)
		want bool
	}{
		{"annotation only", func(p *corev1.Pod) { p.Annotations = map[string]string{"x": "y"} }, false},
		{"resourceVersion only", func(p *corev1.Pod) { p.ResourceVersion = "99" }, false},
		{"ready flips", func(p *corev1.Pod) { p.Status.Conditions[0].Status = corev1.ConditionFalse }, true},
		{"ip changes", func(p *corev1.Pod) { p.Status.PodIPs = []corev1.PodIP{{IP: "10.0.0.2"}} }, true},
		{"deletion", func(p *corev1.Pod) { ts := metav1.NewTime(t0); p.DeletionTimestamp = &ts }, true},
		{"node", func(p *corev1.Pod) { p.Spec.NodeName = "n2" }, true},
		{"phase terminal", func(p *corev1.Pod) { p.Status.Phase = corev1.PodSucceeded }, true},
		{"hostname", func(p *corev1.Pod) { p.Spec.Hostname = "h" }, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cur := base.DeepCopy()
			tc.mut(cur)
			if got := EndpointChanged(base, cur); got != tc.want {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
}

func TestTriggerTimeTracker(t *testing.T) {
	tr := NewTriggerTimeTracker()
	svc := &corev1.Service{ObjectMeta: metav1.ObjectMeta{Name: "s", Namespace: "ns", CreationTimestamp: metav1.NewTime(t0)}}
	readyAt := func(name string, ts time.Time) *corev1.Pod {
		return pod(func(p *corev1.Pod) { p.Name = name; p.Status.Conditions[0].LastTransitionTime = metav1.NewTime(ts) })
	}
	a, b := readyAt("a", t0.Add(time.Second)), readyAt("b", t0.Add(2*time.Second))

	got, commit := tr.Compute(svc, []*corev1.Pod{a, b})
	if !got.Equal(t0) {
		t.Errorf("first sync: %v, want the service creation %v", got, t0)
	}
	// Not committed (the write failed): the same changes are still pending.
	got, commit2 := tr.Compute(svc, []*corev1.Pod{a, b})
	if !got.Equal(t0) {
		t.Errorf("after a failed sync: %v, want %v", got, t0)
	}
	_ = commit
	commit2()
	if got, _ := tr.Compute(svc, []*corev1.Pod{a, b}); !got.IsZero() {
		t.Errorf("nothing changed: %v, want zero", got)
	}
	// Two pods changed: the earlier change is reported.
	a2, b2 := readyAt("a", t0.Add(10*time.Second)), readyAt("b", t0.Add(5*time.Second))
	got, commit = tr.Compute(svc, []*corev1.Pod{a2, b2})
	if want := t0.Add(5 * time.Second); !got.Equal(want) {
		t.Errorf("two changes: %v, want %v", got, want)
	}
	commit()
	// A removed pod carries no time.
	if got, _ := tr.Compute(svc, []*corev1.Pod{a2}); !got.IsZero() {
		t.Errorf("pod removed: %v, want zero", got)
	}
	if FormatTriggerTime(t0.Add(1500*time.Millisecond)) != "2026-01-02T03:04:06.5Z" {
		t.Errorf("format %q", FormatTriggerTime(t0.Add(1500*time.Millisecond)))
	}
}

func slice(uid, rv string) *discoveryv1.EndpointSlice {
	return &discoveryv1.EndpointSlice{ObjectMeta: metav1.ObjectMeta{Name: "s-" + uid, Namespace: "ns", UID: types.UID(uid),
		ResourceVersion: rv, Labels: map[string]string{discoveryv1.LabelServiceName: "svc"}}}
}

func TestSliceTracker(t *testing.T) {
	key := types.NamespacedName{Namespace: "ns", Name: "svc"}
	tr := NewSliceTracker()
	if tr.Stale(key, nil) {
		t.Fatal("an unknown service is never stale")
	}
	tr.Update(slice("a", "10"))
	if !tr.Stale(key, nil) {
		t.Error("a created slice missing from the cache is stale")
	}
	if !tr.Stale(key, []*discoveryv1.EndpointSlice{slice("a", "9")}) {
		t.Error("an older cached slice is stale")
	}
	if tr.Stale(key, []*discoveryv1.EndpointSlice{slice("a", "10")}) {
		t.Error("the written version is current")
	}
	if tr.Stale(key, []*discoveryv1.EndpointSlice{slice("a", "12")}) {
		t.Error("a newer version is current")
	}
	if tr.ShouldSync(slice("a", "10")) {
		t.Error("the controller's own write needs no sync")
	}
	if !tr.ShouldSync(slice("a", "11")) {
		t.Error("somebody else's write needs a sync")
	}
	if !tr.ShouldSync(slice("b", "1")) {
		t.Error("an unknown slice needs a sync")
	}
	tr.ExpectDeletion(slice("a", "10"))
	if !tr.Stale(key, []*discoveryv1.EndpointSlice{slice("a", "10")}) {
		t.Error("a deleted slice still cached is stale")
	}
	if tr.Stale(key, nil) {
		t.Error("a deleted slice gone from the cache is current")
	}
	if tr.HandleDeletion(slice("a", "10")) {
		t.Error("an expected deletion needs no sync")
	}
	if !tr.HandleDeletion(slice("c", "3")) {
		t.Error("an unexpected deletion needs a sync")
	}
	tr.Update(slice("d", "20"))
	tr.DeleteService(key)
	if tr.Has(slice("d", "20")) || tr.Stale(key, nil) {
		t.Error("DeleteService forgets the service")
	}
}
