package endpointslice

import (
	"fmt"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// TestIntegrationPodLifecycle follows one Service's slices through the
// seed flows: a pod appears, flips readiness, changes labels, is replaced,
// and terminates.
func TestIntegrationPodLifecycle(t *testing.T) {
	h := startHarness(t, nil)
	svc := h.createService("web")

	h.eventually("placeholder slice", func() string {
		s := h.slicesOf("web")
		if len(s) != 1 || len(s[0].Endpoints) != 0 {
			return fmt.Sprintf("%d slices", len(s))
		}
		if s[0].OwnerReferences[0].UID != svc.UID || s[0].GenerateName != "web-" {
			return fmt.Sprintf("owner %+v generateName %q", s[0].OwnerReferences, s[0].GenerateName)
		}
		return ""
	})

	h.createPod(podSpec{name: "web-1", app: "web", ip: "10.244.0.11", node: "node-1", ready: true})
	h.createPod(podSpec{name: "web-2", app: "web", ip: "10.244.0.12", ready: true})
	h.eventually("created pods appear ready", func() string {
		eps := h.endpointsOf("web")
		for _, n := range []string{"web-1", "web-2"} {
			ep, ok := eps[n]
			if !ok || !*ep.Conditions.Ready {
				return fmt.Sprintf("%s: %v", n, describeEndpoint(ep))
			}
		}
		if ep := eps["web-1"]; ep.NodeName == nil || *ep.NodeName != "node-1" || ep.Addresses[0] != "10.244.0.11" {
			return fmt.Sprintf("web-1 endpoint %+v", ep)
		}
		s := h.slicesOf("web")
		if len(s) != 1 {
			return fmt.Sprintf("%d slices, want 1", len(s))
		}
		if s[0].Annotations[corev1.EndpointsLastChangeTriggerTime] == "" {
			return "no last-change-trigger-time annotation"
		}
		if p := s[0].Ports; len(p) != 1 || *p[0].Port != 8080 || *p[0].Name != "http" {
			return fmt.Sprintf("ports %+v", p)
		}
		return ""
	})

	// Readiness flips to false.
	h.setStatus(&corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "web-2"}}, "10.244.0.12", false)
	h.eventually("not-ready pod", func() string {
		ep, ok := h.endpointsOf("web")["web-2"]
		if !ok || *ep.Conditions.Ready || *ep.Conditions.Serving || *ep.Conditions.Terminating {
			return describeEndpoint(ep)
		}
		return ""
	})

	// A label change takes the pod out.
	patch := []byte(`{"metadata":{"labels":{"app":"other"}}}`)
	if _, err := h.client.CoreV1().Pods(h.ns).Patch(h.ctx, "web-2", types.MergePatchType, patch, metav1.PatchOptions{}); err != nil {
		t.Fatalf("patching labels: %v", err)
	}
	h.eventually("relabelled pod removed", func() string {
		if _, ok := h.endpointsOf("web")["web-2"]; ok {
			return "web-2 still present"
		}
		return ""
	})

	// Delete an unscheduled pod: gone at once; its replacement comes in.
	h.createPod(podSpec{name: "web-3", app: "web", ip: "10.244.0.13", ready: true})
	h.eventually("web-3 added", func() string {
		if _, ok := h.endpointsOf("web")["web-3"]; !ok {
			return "web-3 missing"
		}
		return ""
	})
	if err := h.client.CoreV1().Pods(h.ns).Delete(h.ctx, "web-3", metav1.DeleteOptions{}); err != nil {
		t.Fatalf("deleting web-3: %v", err)
	}
	h.createPod(podSpec{name: "web-4", app: "web", ip: "10.244.0.14", ready: true})
	h.eventually("deleted pod replaced", func() string {
		eps := h.endpointsOf("web")
		if _, ok := eps["web-3"]; ok {
			return "web-3 still present"
		}
		if _, ok := eps["web-4"]; !ok {
			return "web-4 missing"
		}
		return ""
	})

	// A scheduled pod terminates gracefully: it stays, terminating.
	if err := h.client.CoreV1().Pods(h.ns).Delete(h.ctx, "web-1", metav1.DeleteOptions{}); err != nil {
		t.Fatalf("deleting web-1: %v", err)
	}
	h.eventually("terminating endpoint", func() string {
		ep, ok := h.endpointsOf("web")["web-1"]
		if !ok || *ep.Conditions.Ready || !*ep.Conditions.Serving || !*ep.Conditions.Terminating {
			return describeEndpoint(ep)
		}
		return ""
	})
	if err := h.client.CoreV1().Pods(h.ns).Delete(h.ctx, "web-1", *metav1.NewDeleteOptions(0)); err != nil {
		t.Fatalf("force-deleting web-1: %v", err)
	}
	h.eventually("terminated pod removed", func() string {
		if _, ok := h.endpointsOf("web")["web-1"]; ok {
			return "web-1 still present"
		}
		if n := len(h.slicesOf("web")); n != 1 {
			return fmt.Sprintf("%d slices, want 1", n)
		}
		return ""
	})
}

func TestIntegrationServiceKinds(t *testing.T) {
	h := startHarness(t, nil)

	t.Run("publishNotReadyAddresses", func(t *testing.T) {
		h.createService("pnr", func(s *corev1.Service) { s.Spec.PublishNotReadyAddresses = true })
		h.createPod(podSpec{name: "pnr-1", app: "pnr", ip: "10.244.1.1", ready: false})
		h.eventually("not-ready pod published ready", func() string {
			ep, ok := h.endpointsOf("pnr")["pnr-1"]
			if !ok || !*ep.Conditions.Ready || *ep.Conditions.Serving {
				return describeEndpoint(ep)
			}
			return ""
		})
	})

	t.Run("headless hostname", func(t *testing.T) {
		h.createService("db", func(s *corev1.Service) { s.Spec.ClusterIP = corev1.ClusterIPNone })
		h.createPod(podSpec{name: "db-0", app: "db", ip: "10.244.1.2", ready: true, mut: func(p *corev1.Pod) {
			p.Spec.Hostname, p.Spec.Subdomain = "db-0", "db"
		}})
		h.eventually("hostname and headless label", func() string {
			s := h.slicesOf("db")
			if len(s) != 1 || len(s[0].Endpoints) != 1 {
				return fmt.Sprintf("%d slices", len(s))
			}
			if _, ok := s[0].Labels[corev1.IsHeadlessService]; !ok {
				return fmt.Sprintf("labels %v", s[0].Labels)
			}
			if h := s[0].Endpoints[0].Hostname; h == nil || *h != "db-0" {
				return fmt.Sprintf("hostname %v", h)
			}
			return ""
		})
	})

	t.Run("named ports", func(t *testing.T) {
		h.createService("np", func(s *corev1.Service) {
			s.Spec.Ports = []corev1.ServicePort{{Name: "web", Port: 80, TargetPort: intstr.FromString("http")}}
		})
		h.createPod(podSpec{name: "np-1", app: "np", ip: "10.244.1.3", ready: true}) // http=8080
		h.createPod(podSpec{name: "np-2", app: "np", ip: "10.244.1.4", ready: true, mut: func(p *corev1.Pod) {
			p.Spec.Containers[0].Ports[0].ContainerPort = 9090
		}})
		h.createPod(podSpec{name: "np-3", app: "np", ip: "10.244.1.5", ready: true, mut: func(p *corev1.Pod) {
			p.Spec.Containers[0].Ports[0].Name = "other"
		}})
		h.eventually("one slice per resolved port list", func() string {
			got := map[string]string{}
			for _, s := range h.slicesOf("np") {
				ports := "none"
				if len(s.Ports) == 1 {
					ports = fmt.Sprintf("%s=%d", *s.Ports[0].Name, *s.Ports[0].Port)
				}
				for _, ep := range s.Endpoints {
					got[ep.TargetRef.Name] = ports
				}
			}
			want := map[string]string{"np-1": "web=8080", "np-2": "web=9090", "np-3": "none"}
			if fmt.Sprint(got) != fmt.Sprint(want) {
				return fmt.Sprintf("ports by pod %v, want %v", got, want)
			}
			return ""
		})
	})

	t.Run("zone from the node", func(t *testing.T) {
		node := &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "zoned", Labels: map[string]string{corev1.LabelTopologyZone: "zone-a"}}}
		if _, err := h.client.CoreV1().Nodes().Create(h.ctx, node, metav1.CreateOptions{}); err != nil {
			t.Fatalf("creating node: %v", err)
		}
		h.createService("zn")
		h.createPod(podSpec{name: "zn-1", app: "zn", ip: "10.244.1.9", node: "zoned", ready: true})
		zoneIs := func(want string) func() string {
			return func() string {
				ep, ok := h.endpointsOf("zn")["zn-1"]
				if !ok || ep.Zone == nil || *ep.Zone != want {
					return fmt.Sprintf("endpoint %+v", ep)
				}
				return ""
			}
		}
		h.eventually("zone-a", zoneIs("zone-a"))
		patch := []byte(`{"metadata":{"labels":{"topology.kubernetes.io/zone":"zone-b"}}}`)
		if _, err := h.client.CoreV1().Nodes().Patch(h.ctx, "zoned", types.MergePatchType, patch, metav1.PatchOptions{}); err != nil {
			t.Fatalf("relabelling node: %v", err)
		}
		h.eventually("zone follows the node", zoneIs("zone-b"))
	})

	t.Run("labels copied", func(t *testing.T) {
		h.createService("lab", func(s *corev1.Service) { s.Labels = map[string]string{"team": "a"} })
		h.eventually("service labels on the slice", func() string {
			s := h.slicesOf("lab")
			if len(s) != 1 || s[0].Labels["team"] != "a" {
				return fmt.Sprintf("slices %d", len(s))
			}
			return ""
		})
	})

	t.Run("ExternalName", func(t *testing.T) {
		h.createService("ext", func(s *corev1.Service) {
			s.Spec.Type, s.Spec.ExternalName, s.Spec.Ports = corev1.ServiceTypeExternalName, "example.com", nil
		})
		h.createPod(podSpec{name: "ext-1", app: "ext", ip: "10.244.1.6", ready: true})
		h.consistently("no slices for ExternalName", time.Second, func() string {
			if n := len(h.slicesOf("ext")); n != 0 {
				return fmt.Sprintf("%d slices", n)
			}
			return ""
		})
	})

	t.Run("selector removed and service deleted", func(t *testing.T) {
		h.createService("gone")
		h.createService("nosel")
		h.createPod(podSpec{name: "gone-1", app: "gone", ip: "10.244.1.7", ready: true})
		h.eventually("slices exist", func() string {
			if len(h.slicesOf("gone")) != 1 || len(h.slicesOf("nosel")) != 1 {
				return "missing"
			}
			return ""
		})
		patch := []byte(`{"spec":{"selector":null}}`)
		if _, err := h.client.CoreV1().Services(h.ns).Patch(h.ctx, "nosel", types.MergePatchType, patch, metav1.PatchOptions{}); err != nil {
			t.Fatalf("removing selector: %v", err)
		}
		if err := h.client.CoreV1().Services(h.ns).Delete(h.ctx, "gone", metav1.DeleteOptions{}); err != nil {
			t.Fatalf("deleting service: %v", err)
		}
		h.eventually("slices removed", func() string {
			if n, m := len(h.slicesOf("gone")), len(h.slicesOf("nosel")); n+m != 0 {
				return fmt.Sprintf("%d + %d slices left", n, m)
			}
			return ""
		})
	})

	t.Run("user slices of selectorless services are left alone", func(t *testing.T) {
		h.createService("manual", func(s *corev1.Service) { s.Spec.Selector = nil })
		port, proto, name := int32(80), corev1.ProtocolTCP, "http"
		user := &discoveryv1.EndpointSlice{
			ObjectMeta:  metav1.ObjectMeta{Name: "manual-1", Namespace: h.ns, Labels: map[string]string{discoveryv1.LabelServiceName: "manual"}},
			AddressType: discoveryv1.AddressTypeIPv4,
			Endpoints:   []discoveryv1.Endpoint{{Addresses: []string{"192.0.2.10"}}},
			Ports:       []discoveryv1.EndpointPort{{Name: &name, Port: &port, Protocol: &proto}},
		}
		if _, err := h.client.DiscoveryV1().EndpointSlices(h.ns).Create(h.ctx, user, metav1.CreateOptions{}); err != nil {
			t.Fatalf("creating user slice: %v", err)
		}
		h.consistently("user slice untouched", time.Second, func() string {
			s, err := h.client.DiscoveryV1().EndpointSlices(h.ns).Get(h.ctx, "manual-1", metav1.GetOptions{})
			if err != nil || len(s.Endpoints) != 1 {
				return fmt.Sprintf("user slice changed: %v", err)
			}
			return ""
		})
	})
}
