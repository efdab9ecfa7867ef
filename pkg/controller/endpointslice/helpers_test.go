package endpointslice

import (
	"fmt"
	"sort"
	"strconv"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/intstr"
)

var t0 = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

// svcOpt and podOpt tweak the test objects.
type (
	svcOpt func(*corev1.Service)
	podOpt func(*corev1.Pod)
)

func newService(name string, opts ...svcOpt) *corev1.Service {
	s := &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "default", UID: types.UID("uid-" + name),
			CreationTimestamp: metav1.NewTime(t0)},
		Spec: corev1.ServiceSpec{
			Selector:   map[string]string{"app": name},
			ClusterIP:  "10.96.0.20",
			IPFamilies: []corev1.IPFamily{corev1.IPv4Protocol},
			Ports: []corev1.ServicePort{{Name: "http", Protocol: corev1.ProtocolTCP, Port: 80,
				TargetPort: intstr.FromInt32(8080)}},
		},
	}
	for _, o := range opts {
		o(s)
	}
	return s
}

func headless(s *corev1.Service) { s.Spec.ClusterIP = corev1.ClusterIPNone }

func withPorts(ports ...corev1.ServicePort) svcOpt {
	return func(s *corev1.Service) { s.Spec.Ports = ports }
}

func newPod(i int, app string, opts ...podOpt) *corev1.Pod {
	name := fmt.Sprintf("%s-%04d", app, i)
	p := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "default", UID: types.UID("uid-" + name),
			Labels: map[string]string{"app": app}, CreationTimestamp: metav1.NewTime(t0)},
		Spec: corev1.PodSpec{NodeName: "node-a", Containers: []corev1.Container{{Name: "c",
			Ports: []corev1.ContainerPort{{Name: "http", ContainerPort: 8080, Protocol: corev1.ProtocolTCP}}}}},
		Status: corev1.PodStatus{
			Phase:  corev1.PodRunning,
			PodIP:  fmt.Sprintf("10.244.%d.%d", i/250, i%250+1),
			PodIPs: []corev1.PodIP{{IP: fmt.Sprintf("10.244.%d.%d", i/250, i%250+1)}},
			Conditions: []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionTrue,
				LastTransitionTime: metav1.NewTime(t0.Add(time.Duration(i) * time.Second))}},
		},
	}
	for _, o := range opts {
		o(p)
	}
	return p
}

func notReady(p *corev1.Pod) {
	p.Status.Conditions[0].Status = corev1.ConditionFalse
	p.Status.Conditions[0].LastTransitionTime = metav1.NewTime(t0.Add(time.Hour))
}

func terminating(p *corev1.Pod) {
	ts := metav1.NewTime(t0.Add(2 * time.Hour))
	p.DeletionTimestamp = &ts
}

func pods(n int, app string, opts ...podOpt) []*corev1.Pod {
	out := make([]*corev1.Pod, n)
	for i := range out {
		out[i] = newPod(i, app, opts...)
	}
	return out
}

// server applies plans the way the API server would, so that tests can
// run several syncs in a row.
type server struct {
	slices map[string]*discoveryv1.EndpointSlice
	next   int
	rv     int
}

func newServer() *server { return &server{slices: map[string]*discoveryv1.EndpointSlice{}} }

func (s *server) list() []*discoveryv1.EndpointSlice {
	out := make([]*discoveryv1.EndpointSlice, 0, len(s.slices))
	for _, sl := range s.slices {
		out = append(out, sl.DeepCopy())
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

func (s *server) apply(t *testing.T, p Plan) {
	t.Helper()
	for _, c := range p.Create {
		if c.Name != "" || c.GenerateName == "" {
			t.Fatalf("create of a slice with name %q generateName %q", c.Name, c.GenerateName)
		}
		c = c.DeepCopy()
		s.next++
		s.rv++
		c.Name = fmt.Sprintf("%s%05d", c.GenerateName, s.next)
		c.UID = types.UID("slice-uid-" + c.Name)
		c.ResourceVersion = strconv.Itoa(s.rv)
		s.slices[c.Name] = c
	}
	for _, u := range p.Update {
		cur, ok := s.slices[u.Name]
		if !ok {
			t.Fatalf("update of missing slice %s", u.Name)
		}
		if u.ResourceVersion != "" && u.ResourceVersion != cur.ResourceVersion {
			t.Fatalf("update of slice %s from resourceVersion %s, current %s", u.Name, u.ResourceVersion, cur.ResourceVersion)
		}
		if u.AddressType != cur.AddressType {
			t.Fatalf("update changes the immutable addressType of %s", u.Name)
		}
		u = u.DeepCopy()
		s.rv++
		u.ResourceVersion = strconv.Itoa(s.rv)
		s.slices[u.Name] = u
	}
	for _, d := range p.Delete {
		if _, ok := s.slices[d.Name]; !ok {
			t.Fatalf("delete of missing slice %s", d.Name)
		}
		delete(s.slices, d.Name)
	}
}

// endpointsByPod maps pod name to its endpoints across slices, failing on
// duplicates within an address type.
func endpointsByPod(t *testing.T, slices []*discoveryv1.EndpointSlice) map[string]discoveryv1.Endpoint {
	t.Helper()
	out := map[string]discoveryv1.Endpoint{}
	for _, s := range slices {
		for _, ep := range s.Endpoints {
			key := string(s.AddressType) + "/" + ep.TargetRef.Name
			if _, dup := out[key]; dup {
				t.Fatalf("endpoint %s appears twice", key)
			}
			out[key] = ep
		}
	}
	return out
}

func sizes(slices []*discoveryv1.EndpointSlice) []int {
	var out []int
	for _, s := range slices {
		out = append(out, len(s.Endpoints))
	}
	sort.Sort(sort.Reverse(sort.IntSlice(out)))
	return out
}
