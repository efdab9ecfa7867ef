package endpoints

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/intstr"
)

var t0 = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

func newService(name string, mut ...func(*corev1.Service)) *corev1.Service {
	s := &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "default", UID: types.UID("uid-" + name)},
		Spec: corev1.ServiceSpec{
			Selector: map[string]string{"app": name}, ClusterIP: "10.96.0.20",
			IPFamilies: []corev1.IPFamily{corev1.IPv4Protocol},
			Ports:      []corev1.ServicePort{{Name: "http", Protocol: corev1.ProtocolTCP, Port: 80, TargetPort: intstr.FromInt32(8080)}},
		},
	}
	for _, m := range mut {
		m(s)
	}
	return s
}

func newPod(i int, app string, mut ...func(*corev1.Pod)) *corev1.Pod {
	name := fmt.Sprintf("%s-%04d", app, i)
	ip := fmt.Sprintf("10.244.%d.%d", i/250, i%250+1)
	p := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "default", UID: types.UID("uid-" + name), Labels: map[string]string{"app": app}},
		Spec: corev1.PodSpec{NodeName: "node-a", Containers: []corev1.Container{{Name: "c",
			Ports: []corev1.ContainerPort{{Name: "http", ContainerPort: 8080, Protocol: corev1.ProtocolTCP}}}}},
		Status: corev1.PodStatus{Phase: corev1.PodRunning, PodIP: ip, PodIPs: []corev1.PodIP{{IP: ip}},
			Conditions: []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionTrue, LastTransitionTime: metav1.NewTime(t0)}}},
	}
	for _, m := range mut {
		m(p)
	}
	return p
}

func notReady(p *corev1.Pod) { p.Status.Conditions[0].Status = corev1.ConditionFalse }

func terminating(p *corev1.Pod) {
	ts := metav1.NewTime(t0)
	p.DeletionTimestamp = &ts
}

func namedPort(name string, port int32) func(*corev1.Pod) {
	return func(p *corev1.Pod) {
		p.Spec.Containers[0].Ports = append(p.Spec.Containers[0].Ports, corev1.ContainerPort{Name: name, ContainerPort: port, Protocol: corev1.ProtocolTCP})
	}
}

// render prints subsets compactly: "[ready pods] [not-ready pods] ports".
func render(subsets []corev1.EndpointSubset) string {
	var parts []string
	for _, ss := range subsets {
		names := func(as []corev1.EndpointAddress) string {
			var n []string
			for _, a := range as {
				n = append(n, a.TargetRef.Name)
			}
			return strings.Join(n, ",")
		}
		var ports []string
		for _, p := range ss.Ports {
			ports = append(ports, fmt.Sprintf("%s:%d", p.Name, p.Port))
		}
		parts = append(parts, fmt.Sprintf("{ready=[%s] notready=[%s] ports=[%s]}", names(ss.Addresses), names(ss.NotReadyAddresses), strings.Join(ports, ",")))
	}
	return strings.Join(parts, " ")
}

func TestDesiredSubsets(t *testing.T) {
	multi := newService("m", func(s *corev1.Service) {
		s.Spec.Ports = []corev1.ServicePort{
			{Name: "http", Protocol: corev1.ProtocolTCP, Port: 80, TargetPort: intstr.FromString("http")},
			{Name: "admin", Protocol: corev1.ProtocolTCP, Port: 81, TargetPort: intstr.FromString("admin")},
		}
	})
	cases := []struct {
		name string
		svc  *corev1.Service
		pods []*corev1.Pod
		want string
	}{
		{"ready pods share a subset", newService("w"), []*corev1.Pod{newPod(1, "w"), newPod(0, "w")},
			"{ready=[w-0000,w-0001] notready=[] ports=[http:8080]}"},
		{"not ready pod", newService("w"), []*corev1.Pod{newPod(0, "w"), newPod(1, "w", notReady)},
			"{ready=[w-0000] notready=[w-0001] ports=[http:8080]}"},
		{"terminating pod left out", newService("w"), []*corev1.Pod{newPod(0, "w"), newPod(1, "w", terminating)},
			"{ready=[w-0000] notready=[] ports=[http:8080]}"},
		{"publishNotReadyAddresses", newService("w", func(s *corev1.Service) { s.Spec.PublishNotReadyAddresses = true }),
			[]*corev1.Pod{newPod(0, "w", notReady), newPod(1, "w", terminating)},
			"{ready=[w-0000,w-0001] notready=[] ports=[http:8080]}"},
		{"terminal and IP-less pods left out", newService("w"), []*corev1.Pod{
			newPod(0, "w", func(p *corev1.Pod) { p.Status.Phase = corev1.PodFailed }),
			newPod(1, "w", func(p *corev1.Pod) { p.Status.PodIP, p.Status.PodIPs = "", nil }),
		}, ""},
		{"repacked by port set", multi, []*corev1.Pod{
			newPod(0, "m", namedPort("admin", 9000)),
			newPod(1, "m", namedPort("admin", 9000), notReady),
			newPod(2, "m"),
			newPod(3, "m", namedPort("admin", 9001)),
		}, "{ready=[m-0000] notready=[m-0001] ports=[admin:9000,http:8080]} " +
			"{ready=[m-0003] notready=[] ports=[admin:9001,http:8080]} " +
			"{ready=[m-0002] notready=[] ports=[http:8080]}"},
		{"headless without ports", newService("h", func(s *corev1.Service) { s.Spec.ClusterIP, s.Spec.Ports = corev1.ClusterIPNone, nil }),
			[]*corev1.Pod{newPod(0, "h")}, "{ready=[h-0000] notready=[] ports=[]}"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := render(DesiredSubsets(tc.svc, tc.pods)); got != tc.want {
				t.Errorf("got  %s\nwant %s", got, tc.want)
			}
		})
	}
}

func TestDesiredAddressFields(t *testing.T) {
	svc := newService("db", func(s *corev1.Service) { s.Spec.ClusterIP = corev1.ClusterIPNone })
	pod := newPod(0, "db", func(p *corev1.Pod) { p.Spec.Hostname, p.Spec.Subdomain = "db-0", "db" })
	got := DesiredSubsets(svc, []*corev1.Pod{pod})[0].Addresses[0]
	node := "node-a"
	want := corev1.EndpointAddress{IP: "10.244.0.1", Hostname: "db-0", NodeName: &node,
		TargetRef: &corev1.ObjectReference{Kind: "Pod", Namespace: "default", Name: "db-0000", UID: "uid-db-0000"}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("address %+v, want %+v", got, want)
	}
}

func TestReconcile(t *testing.T) {
	svc := newService("w", func(s *corev1.Service) { s.Labels = map[string]string{"team": "a"} })
	pods := []*corev1.Pod{newPod(0, "w"), newPod(1, "w")}

	created, action := Reconcile(Input{Service: svc, Pods: pods, TriggerTime: t0})
	if action != ActionCreate {
		t.Fatalf("action %v, want create", action)
	}
	wantLabels := map[string]string{"team": "a", LabelManagedBy: ControllerName}
	if created.Name != "w" || created.Namespace != "default" || !reflect.DeepEqual(created.Labels, wantLabels) {
		t.Errorf("created %s/%s labels %v", created.Namespace, created.Name, created.Labels)
	}
	if got := created.Annotations[corev1.EndpointsLastChangeTriggerTime]; got != "2026-01-02T03:04:05Z" {
		t.Errorf("trigger time %q", got)
	}

	created.ResourceVersion = "5"
	if _, action := Reconcile(Input{Service: svc, Pods: pods, Current: created, TriggerTime: t0.Add(time.Minute)}); action != ActionNone {
		t.Errorf("unchanged: action %v, want none", action)
	}

	updated, action := Reconcile(Input{Service: svc, Pods: []*corev1.Pod{pods[0], newPod(1, "w", notReady)}, Current: created})
	if action != ActionUpdate || updated.ResourceVersion != "5" {
		t.Fatalf("readiness flip: action %v rv %q", action, updated.ResourceVersion)
	}
	if _, ok := updated.Annotations[corev1.EndpointsLastChangeTriggerTime]; ok {
		t.Error("a zero trigger time must remove the annotation")
	}
	if got := render(updated.Subsets); got != "{ready=[w-0000] notready=[w-0001] ports=[http:8080]}" {
		t.Errorf("subsets %s", got)
	}

	headless := svc.DeepCopy()
	headless.Spec.ClusterIP = corev1.ClusterIPNone
	relabelled, action := Reconcile(Input{Service: headless, Pods: pods, Current: created})
	if action != ActionUpdate {
		t.Fatalf("headless: action %v", action)
	}
	if _, ok := relabelled.Labels[corev1.IsHeadlessService]; !ok {
		t.Errorf("headless label missing: %v", relabelled.Labels)
	}
}

func TestReconcileNoPods(t *testing.T) {
	svc := newService("w")
	ep, action := Reconcile(Input{Service: svc})
	if action != ActionCreate || len(ep.Subsets) != 0 {
		t.Fatalf("no pods: action %v subsets %v", action, ep.Subsets)
	}
	ep.ResourceVersion = "1"
	if _, action := Reconcile(Input{Service: svc, Current: ep}); action != ActionNone {
		t.Errorf("no pods, existing empty Endpoints: action %v", action)
	}
}

func TestTruncate(t *testing.T) {
	many := func(n int, mut ...func(*corev1.Pod)) []*corev1.Pod {
		out := make([]*corev1.Pod, n)
		for i := range out {
			out[i] = newPod(i, "w", mut...)
		}
		return out
	}
	count := func(ep *corev1.Endpoints) (ready, notReady int) {
		for _, ss := range ep.Subsets {
			ready += len(ss.Addresses)
			notReady += len(ss.NotReadyAddresses)
		}
		return
	}
	svc := newService("w")
	cases := []struct {
		name               string
		pods               []*corev1.Pod
		wantReady, wantNot int
		wantTruncated      bool
	}{
		{"under capacity", many(1000), 1000, 0, false},
		{"ready cut", many(1200), 1000, 0, true},
		{"not ready cut first", append(many(900), func() []*corev1.Pod {
			var out []*corev1.Pod
			for i := 900; i < 1200; i++ {
				out = append(out, newPod(i, "w", notReady))
			}
			return out
		}()...), 900, 100, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ep, _ := Reconcile(Input{Service: svc, Pods: tc.pods})
			r, n := count(ep)
			if r != tc.wantReady || n != tc.wantNot {
				t.Errorf("ready %d notReady %d, want %d %d", r, n, tc.wantReady, tc.wantNot)
			}
			if got := ep.Annotations[corev1.EndpointsOverCapacity] == "truncated"; got != tc.wantTruncated {
				t.Errorf("over-capacity annotation %v, want %v", got, tc.wantTruncated)
			}
			// Syncing the written object again changes nothing.
			if _, action := Reconcile(Input{Service: svc, Pods: tc.pods, Current: ep}); action != ActionNone {
				t.Errorf("second reconcile: %v", action)
			}
		})
	}

	// Proportional shares across subsets, none left empty.
	subsets := []corev1.EndpointSubset{
		{Addresses: make([]corev1.EndpointAddress, 600)},
		{Addresses: make([]corev1.EndpointAddress, 300)},
		{Addresses: make([]corev1.EndpointAddress, 300), NotReadyAddresses: make([]corev1.EndpointAddress, 5)},
	}
	out, cut := Truncate(subsets, 1000)
	if !cut || len(out) != 3 || len(out[0].Addresses) != 500 || len(out[1].Addresses) != 250 || len(out[2].Addresses) != 250 || len(out[2].NotReadyAddresses) != 0 {
		t.Errorf("proportional truncation: %v", func() []int {
			var n []int
			for _, ss := range out {
				n = append(n, len(ss.Addresses), len(ss.NotReadyAddresses))
			}
			return n
		}())
	}
	// Back under capacity: the annotation goes.
	ep, _ := Reconcile(Input{Service: svc, Pods: many(1200)})
	ep2, action := Reconcile(Input{Service: svc, Pods: many(10), Current: ep})
	if action != ActionUpdate || ep2.Annotations[corev1.EndpointsOverCapacity] != "" {
		t.Errorf("back under capacity: action %v annotations %v", action, ep2.Annotations)
	}
}
