package endpointslice

import (
	"fmt"
	"reflect"
	"testing"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/svcnet/svcnet/pkg/controller/endpointslice/endpointutil"
)

type counts struct{ create, update, delete int }

func countsOf(p Plan) counts { return counts{len(p.Create), len(p.Update), len(p.Delete)} }

// reconcileCase runs "before" through a reconcile (to set up existing
// slices), then "after", and checks the second plan and the final slices.
type reconcileCase struct {
	name      string
	svc       *corev1.Service
	svcBefore *corev1.Service // the Service at the first sync, if different
	before    []*corev1.Pod   // nil: no previous sync
	after     []*corev1.Pod
	max       int
	maxBefore int // MaxEndpointsPerSlice at the first sync, if different
	zones     map[string]string
	want      counts
	check     func(t *testing.T, slices []*discoveryv1.EndpointSlice)
}

func runCase(t *testing.T, tc reconcileCase) []*discoveryv1.EndpointSlice {
	t.Helper()
	srv := newServer()
	in := func(ps []*corev1.Pod) Input {
		return Input{Service: tc.svc, Pods: ps, Existing: srv.list(), MaxEndpointsPerSlice: tc.max,
			NodeZone: func(n string) string { return tc.zones[n] }}
	}
	if tc.before != nil {
		first := in(tc.before)
		if tc.svcBefore != nil {
			first.Service = tc.svcBefore
		}
		if tc.maxBefore != 0 {
			first.MaxEndpointsPerSlice = tc.maxBefore
		}
		srv.apply(t, Reconcile(first))
	}
	plan := Reconcile(in(tc.after))
	if got := countsOf(plan); got != tc.want {
		t.Errorf("plan = %+v, want %+v", got, tc.want)
	}
	srv.apply(t, plan)
	final := srv.list()
	max := tc.max
	if max == 0 {
		max = DefaultMaxEndpointsPerSlice
	}
	for _, s := range final {
		if len(s.Endpoints) > max {
			t.Errorf("slice %s holds %d endpoints, max %d", s.Name, len(s.Endpoints), max)
		}
	}
	// Every eligible pod is present exactly once per address type.
	got := endpointsByPod(t, final)
	wantN := 0
	for _, at := range endpointutil.AddressTypes(tc.svc) {
		for _, p := range tc.after {
			if endpointutil.ShouldPodBeInEndpoints(p, true) && endpointutil.IPForFamily(p, at) != "" {
				wantN++
			}
		}
	}
	if len(got) != wantN {
		t.Errorf("slices hold %d endpoints, want %d", len(got), wantN)
	}
	// A second reconcile of the result writes nothing.
	if again := Reconcile(in(tc.after)); !again.Empty() {
		t.Errorf("reconcile is not idempotent: second plan %+v", countsOf(again))
	}
	if tc.check != nil {
		tc.check(t, final)
	}
	return final
}

func TestReconcile(t *testing.T) {
	web := newService("web")
	cases := []reconcileCase{
		{
			name: "new service gets one slice", svc: web, after: pods(3, "web"),
			want: counts{create: 1},
			check: func(t *testing.T, s []*discoveryv1.EndpointSlice) {
				sl := s[0]
				if sl.GenerateName != "web-" || sl.AddressType != discoveryv1.AddressTypeIPv4 {
					t.Errorf("generateName %q addressType %q", sl.GenerateName, sl.AddressType)
				}
				wantLabels := map[string]string{discoveryv1.LabelServiceName: "web", discoveryv1.LabelManagedBy: ControllerName}
				if !reflect.DeepEqual(sl.Labels, wantLabels) {
					t.Errorf("labels %v, want %v", sl.Labels, wantLabels)
				}
				or := sl.OwnerReferences
				if len(or) != 1 || or[0].Kind != "Service" || or[0].UID != web.UID || !*or[0].Controller || !*or[0].BlockOwnerDeletion {
					t.Errorf("owner references %+v", or)
				}
				if len(sl.Ports) != 1 || *sl.Ports[0].Name != "http" || *sl.Ports[0].Port != 8080 || *sl.Ports[0].Protocol != corev1.ProtocolTCP {
					t.Errorf("ports %+v", sl.Ports)
				}
				ep := sl.Endpoints[0]
				if !*ep.Conditions.Ready || !*ep.Conditions.Serving || *ep.Conditions.Terminating {
					t.Errorf("conditions %+v", ep.Conditions)
				}
				if ep.TargetRef.Kind != "Pod" || ep.TargetRef.Name != "web-0000" || ep.TargetRef.UID != "uid-web-0000" || *ep.NodeName != "node-a" {
					t.Errorf("endpoint %+v", ep)
				}
				if ep.Hostname != nil || ep.Zone != nil {
					t.Errorf("hostname %v zone %v, want none", ep.Hostname, ep.Zone)
				}
			},
		},
		{
			name: "no pods: one placeholder", svc: web, after: nil,
			want: counts{create: 1},
			check: func(t *testing.T, s []*discoveryv1.EndpointSlice) {
				if len(s) != 1 || len(s[0].Endpoints) != 0 || len(s[0].Ports) != 0 {
					t.Errorf("placeholder %+v", s)
				}
			},
		},
		{name: "placeholder kept", svc: web, before: []*corev1.Pod{}, after: []*corev1.Pod{}, want: counts{}},
		{name: "unchanged pods write nothing", svc: web, before: pods(5, "web"), after: pods(5, "web"), want: counts{}},
		{
			name: "first pod fills the placeholder", svc: web, before: []*corev1.Pod{}, after: pods(1, "web"),
			want: counts{update: 1},
		},
		{
			name: "last pod gone: slice becomes the placeholder", svc: web, before: pods(2, "web"), after: nil,
			want: counts{update: 1},
			check: func(t *testing.T, s []*discoveryv1.EndpointSlice) {
				if len(s) != 1 || len(s[0].Endpoints) != 0 || len(s[0].Ports) != 0 {
					t.Errorf("want one empty placeholder, got %+v", s)
				}
			},
		},
		{
			name: "readiness flip updates the one slice", svc: web, before: pods(3, "web"),
			after: []*corev1.Pod{newPod(0, "web"), newPod(1, "web", notReady), newPod(2, "web")},
			want:  counts{update: 1},
			check: func(t *testing.T, s []*discoveryv1.EndpointSlice) {
				ep := endpointsByPod(t, s)["IPv4/web-0001"]
				if *ep.Conditions.Ready || *ep.Conditions.Serving || *ep.Conditions.Terminating {
					t.Errorf("not-ready pod conditions %+v", ep.Conditions)
				}
			},
		},
		{
			name: "250 pods split 100/100/50", svc: web, after: pods(250, "web"),
			want: counts{create: 3},
			check: func(t *testing.T, s []*discoveryv1.EndpointSlice) {
				if got := sizes(s); !reflect.DeepEqual(got, []int{100, 100, 50}) {
					t.Errorf("sizes %v", got)
				}
			},
		},
		{
			name: "one pod change in 250 rewrites one slice", svc: web, before: pods(250, "web"),
			after: append(pods(250, "web")[:17:17], append([]*corev1.Pod{newPod(17, "web", notReady)}, pods(250, "web")[18:]...)...),
			want:  counts{update: 1},
		},
		{
			name: "removed pod leaves one slice written", svc: web, before: pods(250, "web"),
			after: append(pods(250, "web")[:120:120], pods(250, "web")[121:]...),
			want:  counts{update: 1},
		},
		{
			name: "new pod goes into the slice with room", svc: web, before: pods(250, "web"),
			after: append(pods(250, "web"), newPod(250, "web")),
			want:  counts{update: 1},
			check: func(t *testing.T, s []*discoveryv1.EndpointSlice) {
				if got := sizes(s); !reflect.DeepEqual(got, []int{100, 100, 51}) {
					t.Errorf("sizes %v", got)
				}
			},
		},
		{
			name: "replacement pod reuses the freed place", svc: web, before: pods(250, "web"),
			after: append(pods(250, "web")[:3:3], append(pods(250, "web")[4:], newPod(999, "web"))...),
			want:  counts{update: 1},
		},
		{
			name: "lowered max splits an oversized slice", svc: web, before: pods(150, "web"), after: pods(150, "web"),
			maxBefore: 1000, want: counts{create: 1, update: 1},
			check: func(t *testing.T, s []*discoveryv1.EndpointSlice) {
				if got := sizes(s); !reflect.DeepEqual(got, []int{100, 50}) {
					t.Errorf("sizes %v", got)
				}
			},
		},
		{
			name: "terminating pod", svc: web, before: pods(2, "web"),
			after: []*corev1.Pod{newPod(0, "web"), newPod(1, "web", terminating)},
			want:  counts{update: 1},
			check: func(t *testing.T, s []*discoveryv1.EndpointSlice) {
				c := endpointsByPod(t, s)["IPv4/web-0001"].Conditions
				if *c.Ready || !*c.Serving || !*c.Terminating {
					t.Errorf("terminating pod conditions ready=%v serving=%v terminating=%v", *c.Ready, *c.Serving, *c.Terminating)
				}
			},
		},
		{
			name: "publishNotReadyAddresses", svc: newService("web", func(s *corev1.Service) { s.Spec.PublishNotReadyAddresses = true }),
			after: []*corev1.Pod{newPod(0, "web", notReady), newPod(1, "web", terminating)},
			want:  counts{create: 1},
			check: func(t *testing.T, s []*discoveryv1.EndpointSlice) {
				eps := endpointsByPod(t, s)
				if c := eps["IPv4/web-0000"].Conditions; !*c.Ready || *c.Serving {
					t.Errorf("not-ready pod: ready=%v serving=%v", *c.Ready, *c.Serving)
				}
				if c := eps["IPv4/web-0001"].Conditions; !*c.Ready || !*c.Terminating {
					t.Errorf("terminating pod: ready=%v terminating=%v", *c.Ready, *c.Terminating)
				}
			},
		},
		{
			name: "terminal and IP-less pods left out", svc: web,
			after: []*corev1.Pod{
				newPod(0, "web"),
				newPod(1, "web", func(p *corev1.Pod) { p.Status.Phase = corev1.PodSucceeded }),
				newPod(2, "web", func(p *corev1.Pod) { p.Status.Phase = corev1.PodFailed }),
				newPod(3, "web", func(p *corev1.Pod) { p.Status.PodIP, p.Status.PodIPs = "", nil }),
			},
			want: counts{create: 1},
		},
		{
			name: "named ports resolve per pod into separate slices",
			svc: newService("web", withPorts(
				corev1.ServicePort{Name: "http", Protocol: corev1.ProtocolTCP, Port: 80, TargetPort: intstr.FromString("web")},
				corev1.ServicePort{Name: "metrics", Protocol: corev1.ProtocolTCP, Port: 9090, TargetPort: intstr.FromString("metrics")})),
			after: []*corev1.Pod{
				newPod(0, "web", containerPorts(corev1.ContainerPort{Name: "web", ContainerPort: 8080}, corev1.ContainerPort{Name: "metrics", ContainerPort: 9100})),
				newPod(1, "web", containerPorts(corev1.ContainerPort{Name: "web", ContainerPort: 8080}, corev1.ContainerPort{Name: "metrics", ContainerPort: 9100})),
				newPod(2, "web", containerPorts(corev1.ContainerPort{Name: "web", ContainerPort: 9000}, corev1.ContainerPort{Name: "metrics", ContainerPort: 9100})),
				newPod(3, "web", containerPorts(corev1.ContainerPort{Name: "web", ContainerPort: 8080})),
				newPod(4, "web", containerPorts(corev1.ContainerPort{Name: "web", ContainerPort: 8080, Protocol: corev1.ProtocolUDP})),
			},
			want: counts{create: 4},
			check: func(t *testing.T, s []*discoveryv1.EndpointSlice) {
				got := map[string][]string{}
				for _, sl := range s {
					var ports []string
					for _, p := range sl.Ports {
						ports = append(ports, fmt.Sprintf("%s=%d", *p.Name, *p.Port))
					}
					for _, ep := range sl.Endpoints {
						got[ep.TargetRef.Name] = ports
					}
				}
				want := map[string][]string{
					"web-0000": {"http=8080", "metrics=9100"},
					"web-0001": {"http=8080", "metrics=9100"},
					"web-0002": {"http=9000", "metrics=9100"},
					"web-0003": {"http=8080"},
					"web-0004": nil, // the UDP port does not match the TCP service port
				}
				if !reflect.DeepEqual(got, want) {
					t.Errorf("ports by pod %v, want %v", got, want)
				}
			},
		},
		{
			name: "headless: label and hostname",
			svc: newService("db", headless, func(s *corev1.Service) {
				s.Labels = map[string]string{"tier": "data", discoveryv1.LabelManagedBy: "someone"}
			}),
			after: []*corev1.Pod{
				newPod(0, "db", func(p *corev1.Pod) { p.Spec.Hostname, p.Spec.Subdomain = "db-0", "db" }),
				newPod(1, "db", func(p *corev1.Pod) { p.Spec.Hostname, p.Spec.Subdomain = "db-1", "other" }),
			},
			want: counts{create: 1},
			check: func(t *testing.T, s []*discoveryv1.EndpointSlice) {
				want := map[string]string{discoveryv1.LabelServiceName: "db", discoveryv1.LabelManagedBy: ControllerName,
					corev1.IsHeadlessService: "", "tier": "data"}
				if !reflect.DeepEqual(s[0].Labels, want) {
					t.Errorf("labels %v, want %v", s[0].Labels, want)
				}
				eps := endpointsByPod(t, s)
				if h := eps["IPv4/db-0000"].Hostname; h == nil || *h != "db-0" {
					t.Errorf("hostname of db-0000 = %v", h)
				}
				if h := eps["IPv4/db-0001"].Hostname; h != nil {
					t.Errorf("hostname of db-0001 = %v, want none (other subdomain)", *h)
				}
			},
		},
		{
			name: "service label change rewrites labels only", svc: newService("web", func(s *corev1.Service) { s.Labels = map[string]string{"v": "2"} }),
			svcBefore: web, before: pods(3, "web"), after: pods(3, "web"),
			want: counts{update: 1},
			check: func(t *testing.T, s []*discoveryv1.EndpointSlice) {
				if s[0].Labels["v"] != "2" {
					t.Errorf("labels %v", s[0].Labels)
				}
			},
		},
		{
			name: "zone from the node", svc: web, after: pods(1, "web"), zones: map[string]string{"node-a": "zone-1"},
			want: counts{create: 1},
			check: func(t *testing.T, s []*discoveryv1.EndpointSlice) {
				if z := s[0].Endpoints[0].Zone; z == nil || *z != "zone-1" {
					t.Errorf("zone %v", z)
				}
			},
		},
		{
			name: "IPv6 service takes IPv6 addresses",
			svc: newService("v6", func(s *corev1.Service) {
				s.Spec.ClusterIP, s.Spec.IPFamilies = "fd00::20", []corev1.IPFamily{corev1.IPv6Protocol}
			}),
			after: []*corev1.Pod{newPod(0, "v6", dualStack), newPod(1, "v6")},
			want:  counts{create: 1},
			check: func(t *testing.T, s []*discoveryv1.EndpointSlice) {
				if s[0].AddressType != discoveryv1.AddressTypeIPv6 || s[0].Endpoints[0].Addresses[0] != "fd00::1" {
					t.Errorf("slice %s with %v", s[0].AddressType, s[0].Endpoints)
				}
			},
		},
		{
			name: "dual-stack service gets a slice per family",
			svc: newService("ds", func(s *corev1.Service) {
				s.Spec.IPFamilies = []corev1.IPFamily{corev1.IPv4Protocol, corev1.IPv6Protocol}
			}),
			after: []*corev1.Pod{newPod(0, "ds", dualStack)},
			want:  counts{create: 2},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			runCase(t, tc)
		})
	}
}

func containerPorts(ports ...corev1.ContainerPort) podOpt {
	return func(p *corev1.Pod) {
		for i := range ports {
			if ports[i].Protocol == "" {
				ports[i].Protocol = corev1.ProtocolTCP
			}
		}
		p.Spec.Containers[0].Ports = ports
	}
}

func dualStack(p *corev1.Pod) {
	p.Status.PodIPs = []corev1.PodIP{{IP: p.Status.PodIP}, {IP: "fd00::1"}}
}

func TestReconcileOwnership(t *testing.T) {
	svc := newService("web")
	srv := newServer()
	srv.apply(t, Reconcile(Input{Service: svc, Pods: pods(3, "web")}))

	// The Service is deleted and created again: same name, new UID. The
	// old incarnation's slice is not reused; it is replaced.
	again := svc.DeepCopy()
	again.UID = types.UID("uid-web-2")
	plan := Reconcile(Input{Service: again, Pods: pods(3, "web"), Existing: srv.list()})
	if got := countsOf(plan); got != (counts{create: 1, delete: 1}) {
		t.Fatalf("plan = %+v, want one create and one delete", got)
	}
	if plan.Create[0].OwnerReferences[0].UID != again.UID {
		t.Errorf("new slice owned by %s", plan.Create[0].OwnerReferences[0].UID)
	}
}

func TestReconcileTriggerTime(t *testing.T) {
	svc := newService("web")
	srv := newServer()
	srv.apply(t, Reconcile(Input{Service: svc, Pods: pods(250, "web"), TriggerTime: t0}))
	for _, s := range srv.list() {
		if got := s.Annotations[corev1.EndpointsLastChangeTriggerTime]; got != "2026-01-02T03:04:05Z" {
			t.Errorf("slice %s trigger time %q", s.Name, got)
		}
	}
	later := t0.Add(90 * 1e6)
	ps := pods(250, "web")
	ps[7] = newPod(7, "web", notReady)
	plan := Reconcile(Input{Service: svc, Pods: ps, Existing: srv.list(), TriggerTime: later})
	if len(plan.Update) != 1 {
		t.Fatalf("want one update, got %+v", countsOf(plan))
	}
	if got := plan.Update[0].Annotations[corev1.EndpointsLastChangeTriggerTime]; got != "2026-01-02T03:04:05.09Z" {
		t.Errorf("updated slice trigger time %q", got)
	}
}

// TestReconcileChurnSequence drives a rollout, one pod at a time, and
// checks that every step writes at most two slices and never more than
// the max.
func TestReconcileChurnSequence(t *testing.T) {
	svc := newService("web")
	srv := newServer()
	cur := pods(230, "web")
	srv.apply(t, Reconcile(Input{Service: svc, Pods: cur}))
	for i := 0; i < 230; i++ {
		cur[i] = newPod(1000+i, "web") // replace pod i with a new one
		plan := Reconcile(Input{Service: svc, Pods: cur, Existing: srv.list()})
		if n := len(plan.Create) + len(plan.Update) + len(plan.Delete); n > 1 {
			t.Fatalf("step %d writes %d slices (%+v)", i, n, countsOf(plan))
		}
		srv.apply(t, plan)
		for _, s := range srv.list() {
			if len(s.Endpoints) > DefaultMaxEndpointsPerSlice {
				t.Fatalf("step %d: slice with %d endpoints", i, len(s.Endpoints))
			}
		}
	}
	if n := len(srv.list()); n != 3 {
		t.Errorf("after the rollout %d slices, want 3", n)
	}
	if got := len(endpointsByPod(t, srv.list())); got != 230 {
		t.Errorf("after the rollout %d endpoints, want 230", got)
	}
}

func TestReconcileDeleteAll(t *testing.T) {
	existing := []*discoveryv1.EndpointSlice{{}, {}}
	if got := countsOf(DeleteAll(existing)); got != (counts{delete: 2}) {
		t.Errorf("DeleteAll = %+v", got)
	}
}
