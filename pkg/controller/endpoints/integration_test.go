package endpoints

import (
	"fmt"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// want returns a condition that the Service's addresses are exactly m.
func (h *harness) want(svc string, m map[string]string) func() string {
	return func() string {
		got := h.addresses(svc)
		if fmt.Sprint(got) != fmt.Sprint(m) {
			return fmt.Sprintf("addresses %v, want %v", got, m)
		}
		return ""
	}
}

func TestIntegrationPodLifecycle(t *testing.T) {
	h := startHarness(t, nil)
	h.createService("web", func(s *corev1.Service) { s.Labels = map[string]string{"team": "a"} })
	h.createPod(podSpec{name: "web-1", app: "web", ip: "10.244.0.11", node: "node-1", ready: true})
	h.createPod(podSpec{name: "web-2", app: "web", ip: "10.244.0.12", ready: true})
	h.eventually("created pods in addresses", h.want("web", map[string]string{
		"web-1": "ready 10.244.0.11 [http:8080]", "web-2": "ready 10.244.0.12 [http:8080]"}))
	ep := h.endpoints("web")
	if ep.Labels["team"] != "a" || ep.Labels[LabelManagedBy] != ControllerName {
		t.Errorf("labels %v", ep.Labels)
	}
	if ep.Annotations[corev1.EndpointsLastChangeTriggerTime] == "" {
		t.Error("no last-change-trigger-time annotation")
	}
	if a := ep.Subsets[0].Addresses[0]; a.NodeName == nil || *a.NodeName != "node-1" || a.TargetRef.Kind != "Pod" {
		t.Errorf("address %+v", a)
	}

	h.setStatus(&corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "web-2"}}, "10.244.0.12", false)
	h.eventually("not-ready pod moves to notReadyAddresses", h.want("web", map[string]string{
		"web-1": "ready 10.244.0.11 [http:8080]", "web-2": "notready 10.244.0.12 [http:8080]"}))

	patch := []byte(`{"metadata":{"labels":{"app":"other"}}}`)
	if _, err := h.client.CoreV1().Pods(h.ns).Patch(h.ctx, "web-2", types.MergePatchType, patch, metav1.PatchOptions{}); err != nil {
		t.Fatalf("patching labels: %v", err)
	}
	h.eventually("relabelled pod removed", h.want("web", map[string]string{"web-1": "ready 10.244.0.11 [http:8080]"}))

	h.createPod(podSpec{name: "web-3", app: "web", ip: "10.244.0.13", ready: true})
	h.eventually("web-3 added", func() string {
		if _, ok := h.addresses("web")["web-3"]; !ok {
			return "missing"
		}
		return ""
	})
	if err := h.client.CoreV1().Pods(h.ns).Delete(h.ctx, "web-3", metav1.DeleteOptions{}); err != nil {
		t.Fatalf("deleting web-3: %v", err)
	}
	h.createPod(podSpec{name: "web-4", app: "web", ip: "10.244.0.14", ready: true})
	h.eventually("deleted pod replaced", h.want("web", map[string]string{
		"web-1": "ready 10.244.0.11 [http:8080]", "web-4": "ready 10.244.0.14 [http:8080]"}))

	// A terminating pod leaves the Endpoints at once (the Service does not
	// publish not-ready addresses).
	if err := h.client.CoreV1().Pods(h.ns).Delete(h.ctx, "web-1", metav1.DeleteOptions{}); err != nil {
		t.Fatalf("deleting web-1: %v", err)
	}
	h.eventually("terminating pod removed", h.want("web", map[string]string{"web-4": "ready 10.244.0.14 [http:8080]"}))
	if pod, err := h.client.CoreV1().Pods(h.ns).Get(h.ctx, "web-1", metav1.GetOptions{}); err != nil || pod.DeletionTimestamp == nil {
		t.Fatalf("web-1 should still exist, terminating: %v", err)
	}

	// Deleting the Service deletes its Endpoints.
	if err := h.client.CoreV1().Services(h.ns).Delete(h.ctx, "web", metav1.DeleteOptions{}); err != nil {
		t.Fatalf("deleting service: %v", err)
	}
	h.eventually("endpoints deleted with the service", func() string {
		if h.endpoints("web") != nil {
			return "still there"
		}
		return ""
	})
}

func TestIntegrationServiceKinds(t *testing.T) {
	h := startHarness(t, nil)

	t.Run("publishNotReadyAddresses", func(t *testing.T) {
		h.createService("pnr", func(s *corev1.Service) { s.Spec.PublishNotReadyAddresses = true })
		h.createPod(podSpec{name: "pnr-1", app: "pnr", ip: "10.244.1.1", ready: false})
		h.createPod(podSpec{name: "pnr-2", app: "pnr", ip: "10.244.1.2", node: "n1", ready: true})
		if err := h.client.CoreV1().Pods(h.ns).Delete(h.ctx, "pnr-2", metav1.DeleteOptions{}); err != nil {
			t.Fatalf("deleting pnr-2: %v", err)
		}
		h.eventually("not-ready and terminating pods published", h.want("pnr", map[string]string{
			"pnr-1": "ready 10.244.1.1 [http:8080]", "pnr-2": "ready 10.244.1.2 [http:8080]"}))
	})

	t.Run("headless hostname", func(t *testing.T) {
		h.createService("db", func(s *corev1.Service) { s.Spec.ClusterIP = corev1.ClusterIPNone })
		h.createPod(podSpec{name: "db-0", app: "db", ip: "10.244.1.3", ready: true, mut: func(p *corev1.Pod) {
			p.Spec.Hostname, p.Spec.Subdomain = "db-0", "db"
		}})
		h.eventually("hostname and headless label", func() string {
			ep := h.endpoints("db")
			if ep == nil || len(ep.Subsets) != 1 || len(ep.Subsets[0].Addresses) != 1 {
				return fmt.Sprintf("endpoints %+v", ep)
			}
			if _, ok := ep.Labels[corev1.IsHeadlessService]; !ok {
				return fmt.Sprintf("labels %v", ep.Labels)
			}
			if hn := ep.Subsets[0].Addresses[0].Hostname; hn != "db-0" {
				return fmt.Sprintf("hostname %q", hn)
			}
			return ""
		})
	})

	t.Run("named ports repacked", func(t *testing.T) {
		h.createService("np", func(s *corev1.Service) {
			s.Spec.Ports = []corev1.ServicePort{{Name: "web", Port: 80, TargetPort: intstr.FromString("http")}}
		})
		h.createPod(podSpec{name: "np-1", app: "np", ip: "10.244.1.4", ready: true})
		h.createPod(podSpec{name: "np-2", app: "np", ip: "10.244.1.5", ready: true, mut: func(p *corev1.Pod) {
			p.Spec.Containers[0].Ports[0].ContainerPort = 9090
		}})
		h.createPod(podSpec{name: "np-3", app: "np", ip: "10.244.1.6", ready: true, mut: func(p *corev1.Pod) {
			p.Spec.Containers[0].Ports[0].Name = "other"
		}})
		h.eventually("a subset per port, the portless pod left out", h.want("np", map[string]string{
			"np-1": "ready 10.244.1.4 [web:8080]", "np-2": "ready 10.244.1.5 [web:9090]"}))
		if n := len(h.endpoints("np").Subsets); n != 2 {
			t.Errorf("%d subsets, want 2", n)
		}
	})

	t.Run("selectorless endpoints untouched", func(t *testing.T) {
		h.createService("manual", func(s *corev1.Service) { s.Spec.Selector = nil })
		user := &corev1.Endpoints{
			ObjectMeta: metav1.ObjectMeta{Name: "manual", Namespace: h.ns},
			Subsets: []corev1.EndpointSubset{{Addresses: []corev1.EndpointAddress{{IP: "192.0.2.10"}},
				Ports: []corev1.EndpointPort{{Name: "http", Port: 80}}}},
		}
		if _, err := h.client.CoreV1().Endpoints(h.ns).Create(h.ctx, user, metav1.CreateOptions{}); err != nil {
			t.Fatalf("creating user endpoints: %v", err)
		}
		h.consistently("user endpoints untouched", time.Second, func() string {
			ep := h.endpoints("manual")
			if ep == nil || len(ep.Subsets) != 1 || ep.Subsets[0].Addresses[0].IP != "192.0.2.10" || ep.Labels[LabelManagedBy] != "" {
				return fmt.Sprintf("changed: %+v", ep)
			}
			return ""
		})
		if kube := h.endpoints("kubernetes"); kube == nil || kube.Labels[LabelManagedBy] != "" {
			t.Errorf("default/kubernetes endpoints touched: %+v", kube)
		}
	})

	t.Run("ExternalName", func(t *testing.T) {
		h.createService("ext", func(s *corev1.Service) {
			s.Spec.Type, s.Spec.ExternalName, s.Spec.Ports = corev1.ServiceTypeExternalName, "example.com", nil
		})
		h.createPod(podSpec{name: "ext-1", app: "ext", ip: "10.244.1.7", ready: true})
		h.consistently("no endpoints for ExternalName", time.Second, func() string {
			if h.endpoints("ext") != nil {
				return "endpoints created"
			}
			return ""
		})
	})

	t.Run("repair", func(t *testing.T) {
		h.createService("rep")
		h.createPod(podSpec{name: "rep-1", app: "rep", ip: "10.244.1.8", ready: true})
		want := h.want("rep", map[string]string{"rep-1": "ready 10.244.1.8 [http:8080]"})
		h.eventually("endpoints written", want)
		if err := h.client.CoreV1().Endpoints(h.ns).Delete(h.ctx, "rep", metav1.DeleteOptions{}); err != nil {
			t.Fatalf("deleting endpoints: %v", err)
		}
		h.eventually("deleted endpoints recreated", want)
		ep := h.endpoints("rep")
		ep.Subsets = nil
		if _, err := h.client.CoreV1().Endpoints(h.ns).Update(h.ctx, ep, metav1.UpdateOptions{}); err != nil {
			t.Fatalf("clearing endpoints: %v", err)
		}
		h.eventually("overwritten endpoints repaired", want)
	})
}

func TestIntegrationOverCapacity(t *testing.T) {
	h := startHarness(t, nil)
	h.createService("big")
	h.createPods("big", 1010)
	h.eventually("truncated at 1000 addresses", func() string {
		ep := h.endpoints("big")
		if ep == nil {
			return "no endpoints"
		}
		n := 0
		for _, ss := range ep.Subsets {
			n += len(ss.Addresses) + len(ss.NotReadyAddresses)
		}
		if n != MaxAddresses || ep.Annotations[corev1.EndpointsOverCapacity] != "truncated" {
			return fmt.Sprintf("%d addresses, annotations %v", n, ep.Annotations)
		}
		return ""
	})
	// Back under capacity, the annotation goes.
	for i := range 20 {
		if err := h.client.CoreV1().Pods(h.ns).Delete(h.ctx, fmt.Sprintf("big-%d", i), metav1.DeleteOptions{}); err != nil {
			t.Fatalf("deleting pod: %v", err)
		}
	}
	h.eventually("990 addresses, not truncated", func() string {
		ep := h.endpoints("big")
		n := 0
		for _, ss := range ep.Subsets {
			n += len(ss.Addresses)
		}
		if _, ok := ep.Annotations[corev1.EndpointsOverCapacity]; n != 990 || ok {
			return fmt.Sprintf("%d addresses, annotations %v", n, ep.Annotations)
		}
		return ""
	})
}
