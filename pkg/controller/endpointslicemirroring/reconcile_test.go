package endpointslicemirroring

import (
	"fmt"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
)

func newEndpoints(subsets ...corev1.EndpointSubset) *corev1.Endpoints {
	return &corev1.Endpoints{
		ObjectMeta: metav1.ObjectMeta{Name: "ext", Namespace: "default", UID: "uid-ext",
			Labels: map[string]string{"team": "a"},
			Annotations: map[string]string{"note": "x", corev1.EndpointsLastChangeTriggerTime: "2026-01-01T00:00:00Z",
				corev1.LastAppliedConfigAnnotation: "{}"}},
		Subsets: subsets,
	}
}

func subset(ports []corev1.EndpointPort, ready []string, notReady ...string) corev1.EndpointSubset {
	ss := corev1.EndpointSubset{Ports: ports}
	for _, ip := range ready {
		ss.Addresses = append(ss.Addresses, corev1.EndpointAddress{IP: ip})
	}
	for _, ip := range notReady {
		ss.NotReadyAddresses = append(ss.NotReadyAddresses, corev1.EndpointAddress{IP: ip})
	}
	return ss
}

func port(name string, n int32) []corev1.EndpointPort {
	return []corev1.EndpointPort{{Name: name, Port: n, Protocol: corev1.ProtocolTCP}}
}

// store applies plans like the API server would.
type store struct {
	slices map[string]*discoveryv1.EndpointSlice
	n      int
}

func (s *store) list() []*discoveryv1.EndpointSlice {
	var out []*discoveryv1.EndpointSlice
	for _, sl := range s.slices {
		out = append(out, sl.DeepCopy())
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

func (s *store) apply(t *testing.T, p Plan) {
	t.Helper()
	if s.slices == nil {
		s.slices = map[string]*discoveryv1.EndpointSlice{}
	}
	for _, c := range p.Create {
		c = c.DeepCopy()
		s.n++
		c.Name, c.UID, c.ResourceVersion = fmt.Sprintf("%s%d", c.GenerateName, s.n), types.UID(fmt.Sprint("s", s.n)), strconv.Itoa(s.n)
		s.slices[c.Name] = c
	}
	for _, u := range p.Update {
		cur, ok := s.slices[u.Name]
		if !ok || cur.AddressType != u.AddressType {
			t.Fatalf("bad update of %s", u.Name)
		}
		s.slices[u.Name] = u.DeepCopy()
	}
	for _, d := range p.Delete {
		delete(s.slices, d.Name)
	}
}

// describe renders slices as "IPv4 [http:80] 10.0.0.1 10.0.0.2(notready)".
func describe(slices []*discoveryv1.EndpointSlice) []string {
	var out []string
	for _, s := range slices {
		var parts []string
		parts = append(parts, string(s.AddressType))
		var ports []string
		for _, p := range s.Ports {
			ports = append(ports, fmt.Sprintf("%s:%d", *p.Name, *p.Port))
		}
		parts = append(parts, "["+strings.Join(ports, ",")+"]")
		for _, ep := range s.Endpoints {
			a := ep.Addresses[0]
			if !*ep.Conditions.Ready {
				a += "(notready)"
			}
			parts = append(parts, a)
		}
		out = append(out, strings.Join(parts, " "))
	}
	sort.Strings(out)
	return out
}

func TestReconcile(t *testing.T) {
	http, admin := port("http", 80), port("admin", 81)
	cases := []struct {
		name          string
		before        *corev1.Endpoints
		after         *corev1.Endpoints
		max           int
		want          []string
		plan          [3]int // create, update, delete
		skip, invalid int
	}{
		{name: "one subset", after: newEndpoints(subset(http, []string{"10.0.0.1", "10.0.0.2"}, "10.0.0.3")),
			want: []string{"IPv4 [http:80] 10.0.0.1 10.0.0.2 10.0.0.3(notready)"}, plan: [3]int{1, 0, 0}},
		{name: "unchanged", before: newEndpoints(subset(http, []string{"10.0.0.1"})), after: newEndpoints(subset(http, []string{"10.0.0.1"})),
			want: []string{"IPv4 [http:80] 10.0.0.1"}},
		{name: "address added", before: newEndpoints(subset(http, []string{"10.0.0.1"})), after: newEndpoints(subset(http, []string{"10.0.0.1", "10.0.0.9"})),
			want: []string{"IPv4 [http:80] 10.0.0.1 10.0.0.9"}, plan: [3]int{0, 1, 0}},
		{name: "two subsets", after: newEndpoints(subset(http, []string{"10.0.0.1"}), subset(admin, []string{"10.0.0.2"})),
			want: []string{"IPv4 [admin:81] 10.0.0.2", "IPv4 [http:80] 10.0.0.1"}, plan: [3]int{2, 0, 0}},
		{name: "subset removed", before: newEndpoints(subset(http, []string{"10.0.0.1"}), subset(admin, []string{"10.0.0.2"})),
			after: newEndpoints(subset(http, []string{"10.0.0.1"})),
			want:  []string{"IPv4 [http:80] 10.0.0.1"}, plan: [3]int{0, 0, 1}},
		{name: "port change reuses the slice", before: newEndpoints(subset(http, []string{"10.0.0.1"})),
			after: newEndpoints(subset(port("http", 8080), []string{"10.0.0.1"})),
			want:  []string{"IPv4 [http:8080] 10.0.0.1"}, plan: [3]int{0, 1, 0}},
		{name: "families split", after: newEndpoints(subset(http, []string{"10.0.0.1", "fd00::1"})),
			want: []string{"IPv4 [http:80] 10.0.0.1", "IPv6 [http:80] fd00::1"}, plan: [3]int{2, 0, 0}},
		{name: "invalid and duplicate addresses", after: newEndpoints(subset(http, []string{"10.0.0.1", "bogus", "10.0.0.1"})),
			want: []string{"IPv4 [http:80] 10.0.0.1"}, plan: [3]int{1, 0, 0}, invalid: 1},
		{name: "max per subset", max: 2, after: newEndpoints(subset(http, []string{"10.0.0.1", "10.0.0.2"}, "10.0.0.3")),
			want: []string{"IPv4 [http:80] 10.0.0.1 10.0.0.2"}, plan: [3]int{1, 0, 0}, skip: 1},
		{name: "all gone", before: newEndpoints(subset(http, []string{"10.0.0.1"})), after: newEndpoints(),
			want: nil, plan: [3]int{0, 0, 1}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var st store
			if tc.before != nil {
				st.apply(t, Reconcile(Input{Endpoints: tc.before, MaxEndpointsPerSubset: tc.max}).Plan)
			}
			res := Reconcile(Input{Endpoints: tc.after, Existing: st.list(), MaxEndpointsPerSubset: tc.max})
			if got := [3]int{len(res.Create), len(res.Update), len(res.Delete)}; got != tc.plan {
				t.Errorf("plan %v, want %v", got, tc.plan)
			}
			if res.Skipped != tc.skip || res.Invalid != tc.invalid {
				t.Errorf("skipped %d invalid %d, want %d %d", res.Skipped, res.Invalid, tc.skip, tc.invalid)
			}
			st.apply(t, res.Plan)
			if got := describe(st.list()); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("slices %q, want %q", got, tc.want)
			}
			if again := Reconcile(Input{Endpoints: tc.after, Existing: st.list(), MaxEndpointsPerSubset: tc.max}); !again.Empty() {
				t.Errorf("not idempotent: %+v", again.Plan)
			}
		})
	}
}

func TestReconcileMetadata(t *testing.T) {
	node := "node-1"
	ep := newEndpoints(corev1.EndpointSubset{
		Addresses: []corev1.EndpointAddress{{IP: "10.0.0.1", Hostname: "h1", NodeName: &node,
			TargetRef: &corev1.ObjectReference{Kind: "Pod", Namespace: "default", Name: "p1", UID: "pu1"}}},
		Ports: port("http", 80),
	})
	res := Reconcile(Input{Endpoints: ep})
	if len(res.Create) != 1 {
		t.Fatalf("creates %d", len(res.Create))
	}
	s := res.Create[0]
	wantLabels := map[string]string{"team": "a", discoveryv1.LabelServiceName: "ext", discoveryv1.LabelManagedBy: ControllerName}
	if !reflect.DeepEqual(s.Labels, wantLabels) {
		t.Errorf("labels %v, want %v", s.Labels, wantLabels)
	}
	if !reflect.DeepEqual(s.Annotations, map[string]string{"note": "x"}) {
		t.Errorf("annotations %v", s.Annotations)
	}
	if or := s.OwnerReferences; len(or) != 1 || or[0].Kind != "Endpoints" || or[0].UID != "uid-ext" || !*or[0].Controller {
		t.Errorf("owner references %+v", or)
	}
	if s.GenerateName != "ext-" || s.Namespace != "default" {
		t.Errorf("generateName %q namespace %q", s.GenerateName, s.Namespace)
	}
	e := s.Endpoints[0]
	if *e.Hostname != "h1" || *e.NodeName != "node-1" || e.TargetRef.Name != "p1" || !*e.Conditions.Ready {
		t.Errorf("endpoint %+v", e)
	}

	// A label change on the Endpoints is an update; a slice of an earlier
	// incarnation (another UID) is replaced.
	var st store
	st.apply(t, res.Plan)
	relabelled := ep.DeepCopy()
	relabelled.Labels["team"] = "b"
	if r := Reconcile(Input{Endpoints: relabelled, Existing: st.list()}); len(r.Update) != 1 || len(r.Create)+len(r.Delete) != 0 {
		t.Errorf("relabel plan %+v", r.Plan)
	}
	recreated := ep.DeepCopy()
	recreated.UID = "uid-ext-2"
	if r := Reconcile(Input{Endpoints: recreated, Existing: st.list()}); len(r.Create) != 1 || len(r.Delete) != 1 {
		t.Errorf("recreated plan %+v", r.Plan)
	}
}
