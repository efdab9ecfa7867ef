package endpointslicemirroring

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"sort"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"

	"github.com/svcnet/svcnet/pkg/controller/endpoints"
	"github.com/svcnet/svcnet/pkg/controller/endpointslice"
	"github.com/svcnet/svcnet/pkg/server/servertest"
)

type harness struct {
	t      *testing.T
	ctx    context.Context
	client kubernetes.Interface
	ns     string
}

// startHarness runs the mirroring controller and, with all, the
// EndpointSlice and Endpoints controllers too, as the server does.
func startHarness(t *testing.T, all bool) *harness {
	t.Helper()
	ts := servertest.Start(t, servertest.WithoutControllers())
	ctx, cancel := context.WithCancel(context.Background())
	factory := informers.NewSharedInformerFactory(ts.Client, 0)
	var log *slog.Logger
	if os.Getenv("SVCNET_TEST_LOG") != "" {
		log = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	var runs []func(context.Context, int)
	m, err := New(Config{Client: ts.Client, Informers: factory, Logger: log})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	runs = append(runs, m.Run)
	if all {
		es, err := endpointslice.New(endpointslice.Config{Client: ts.Client, Informers: factory, Logger: log})
		if err != nil {
			t.Fatalf("endpointslice.New: %v", err)
		}
		ep, err := endpoints.New(endpoints.Config{Client: ts.Client, Informers: factory, Logger: log})
		if err != nil {
			t.Fatalf("endpoints.New: %v", err)
		}
		runs = append(runs, es.Run, ep.Run)
	}
	factory.Start(ctx.Done())
	done := make(chan struct{}, len(runs))
	for _, run := range runs {
		go func() { run(ctx, 1); done <- struct{}{} }()
	}
	t.Cleanup(func() {
		cancel()
		for range runs {
			<-done
		}
		factory.Shutdown()
	})
	return &harness{t: t, ctx: ctx, client: ts.Client, ns: "default"}
}

func (h *harness) createService(name string, selector map[string]string) {
	h.t.Helper()
	svc := &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: h.ns},
		Spec: corev1.ServiceSpec{Selector: selector,
			Ports: []corev1.ServicePort{{Name: "http", Port: 80, TargetPort: intstr.FromInt32(8080)}}},
	}
	if _, err := h.client.CoreV1().Services(h.ns).Create(h.ctx, svc, metav1.CreateOptions{}); err != nil {
		h.t.Fatalf("creating service %s: %v", name, err)
	}
}

func (h *harness) writeEndpoints(name string, labels map[string]string, ready []string, notReady ...string) {
	h.t.Helper()
	ss := corev1.EndpointSubset{Ports: []corev1.EndpointPort{{Name: "http", Port: 8080, Protocol: corev1.ProtocolTCP}}}
	for _, ip := range ready {
		ss.Addresses = append(ss.Addresses, corev1.EndpointAddress{IP: ip})
	}
	for _, ip := range notReady {
		ss.NotReadyAddresses = append(ss.NotReadyAddresses, corev1.EndpointAddress{IP: ip})
	}
	ep := &corev1.Endpoints{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: h.ns, Labels: labels},
		Subsets: []corev1.EndpointSubset{ss}}
	cur, err := h.client.CoreV1().Endpoints(h.ns).Get(h.ctx, name, metav1.GetOptions{})
	switch {
	case apierrors.IsNotFound(err):
		_, err = h.client.CoreV1().Endpoints(h.ns).Create(h.ctx, ep, metav1.CreateOptions{})
	case err == nil:
		ep.ResourceVersion = cur.ResourceVersion
		_, err = h.client.CoreV1().Endpoints(h.ns).Update(h.ctx, ep, metav1.UpdateOptions{})
	}
	if err != nil {
		h.t.Fatalf("writing endpoints %s: %v", name, err)
	}
}

// slices renders the slices of a Service by manager:
// "<manager> <addresses>", addresses sorted, not-ready ones marked.
func (h *harness) slices(svc string) []string {
	h.t.Helper()
	list, err := h.client.DiscoveryV1().EndpointSlices(h.ns).List(h.ctx, metav1.ListOptions{
		LabelSelector: discoveryv1.LabelServiceName + "=" + svc})
	if err != nil {
		h.t.Fatalf("listing slices: %v", err)
	}
	var out []string
	for _, s := range list.Items {
		var addrs []string
		for _, ep := range s.Endpoints {
			a := ep.Addresses[0]
			if ep.Conditions.Ready != nil && !*ep.Conditions.Ready {
				a += "(notready)"
			}
			addrs = append(addrs, a)
		}
		sort.Strings(addrs)
		out = append(out, s.Labels[discoveryv1.LabelManagedBy]+" "+strings.Join(addrs, ","))
	}
	sort.Strings(out)
	return out
}

func (h *harness) eventually(what string, svc string, want ...string) {
	h.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	var got []string
	for time.Now().Before(deadline) {
		if got = h.slices(svc); fmt.Sprint(got) == fmt.Sprint(want) {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	h.t.Fatalf("%s: slices of %s are %q, want %q", what, svc, got, want)
}

func (h *harness) consistently(what string, svc string, want ...string) {
	h.t.Helper()
	end := time.Now().Add(time.Second)
	for time.Now().Before(end) {
		if got := h.slices(svc); fmt.Sprint(got) != fmt.Sprint(want) {
			h.t.Fatalf("%s: slices of %s are %q, want %q", what, svc, got, want)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestIntegrationMirroring(t *testing.T) {
	h := startHarness(t, false)
	const m = ControllerName

	h.createService("ext", nil)
	h.writeEndpoints("ext", map[string]string{"team": "a"}, []string{"192.0.2.10", "192.0.2.11"}, "192.0.2.12")
	h.eventually("mirrored", "ext", m+" 192.0.2.10,192.0.2.11,192.0.2.12(notready)")
	list, _ := h.client.DiscoveryV1().EndpointSlices(h.ns).List(h.ctx, metav1.ListOptions{LabelSelector: discoveryv1.LabelServiceName + "=ext"})
	if s := list.Items[0]; s.Labels["team"] != "a" || *s.Ports[0].Port != 8080 || s.OwnerReferences[0].Kind != "Endpoints" {
		t.Errorf("mirrored slice %+v", s)
	}

	h.writeEndpoints("ext", nil, []string{"192.0.2.10"})
	h.eventually("update mirrored", "ext", m+" 192.0.2.10")

	if err := h.client.CoreV1().Endpoints(h.ns).Delete(h.ctx, "ext", metav1.DeleteOptions{}); err != nil {
		t.Fatalf("deleting endpoints: %v", err)
	}
	h.eventually("endpoints deleted", "ext")

	h.writeEndpoints("ext", nil, []string{"192.0.2.20"})
	h.eventually("mirrored again", "ext", m+" 192.0.2.20")
	if err := h.client.CoreV1().Services(h.ns).Delete(h.ctx, "ext", metav1.DeleteOptions{}); err != nil {
		t.Fatalf("deleting service: %v", err)
	}
	h.eventually("service deleted", "ext")

	// Endpoints before their Service: mirrored once the Service exists.
	h.writeEndpoints("late", nil, []string{"192.0.2.30"})
	h.consistently("no service yet", "late")
	h.createService("late", nil)
	h.eventually("service created", "late", m+" 192.0.2.30")

	// skip-mirror, and the API server's own Endpoints.
	h.createService("skip", nil)
	h.writeEndpoints("skip", map[string]string{discoveryv1.LabelSkipMirror: "true"}, []string{"192.0.2.40"})
	h.consistently("skip-mirror", "skip")
	for _, s := range h.slices("kubernetes") {
		if strings.HasPrefix(s, m) {
			t.Errorf("default/kubernetes mirrored: %s", s)
		}
	}

	// A selector takes the Service away from mirroring.
	patch := []byte(`{"spec":{"selector":{"app":"late"}}}`)
	if _, err := h.client.CoreV1().Services(h.ns).Patch(h.ctx, "late", types.MergePatchType, patch, metav1.PatchOptions{}); err != nil {
		t.Fatalf("adding selector: %v", err)
	}
	h.eventually("selector added", "late")
}

// TestIntegrationControllersTogether runs the three controllers as the
// server does and follows a Service from selector to no selector.
func TestIntegrationControllersTogether(t *testing.T) {
	h := startHarness(t, true)
	h.createService("app", map[string]string{"app": "app"})
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "app-1", Namespace: h.ns, Labels: map[string]string{"app": "app"}},
		Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "whoami"}}},
	}
	pod, err := h.client.CoreV1().Pods(h.ns).Create(h.ctx, pod, metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("creating pod: %v", err)
	}
	pod.Status.Phase, pod.Status.PodIP = corev1.PodRunning, "10.244.0.7"
	pod.Status.PodIPs = []corev1.PodIP{{IP: "10.244.0.7"}}
	pod.Status.Conditions = []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionTrue, LastTransitionTime: metav1.Now()}}
	if _, err := h.client.CoreV1().Pods(h.ns).UpdateStatus(h.ctx, pod, metav1.UpdateOptions{}); err != nil {
		t.Fatalf("pod status: %v", err)
	}
	// The EndpointSlice controller's slice only: the Endpoints controller's
	// Endpoints object is not mirrored while the Service has a selector.
	h.eventually("selector service", "app", endpointslice.ControllerName+" 10.244.0.7")
	h.consistently("no mirroring of controller-written endpoints", "app", endpointslice.ControllerName+" 10.244.0.7")
	ep, err := h.client.CoreV1().Endpoints(h.ns).Get(h.ctx, "app", metav1.GetOptions{})
	if err != nil || len(ep.Subsets) != 1 || ep.Subsets[0].Addresses[0].IP != "10.244.0.7" {
		t.Fatalf("endpoints %+v: %v", ep, err)
	}

	// Without a selector, the Service keeps the Endpoints as they were
	// (now the user's) and the mirroring controller takes over.
	patch := []byte(`{"spec":{"selector":null}}`)
	if _, err := h.client.CoreV1().Services(h.ns).Patch(h.ctx, "app", types.MergePatchType, patch, metav1.PatchOptions{}); err != nil {
		t.Fatalf("removing selector: %v", err)
	}
	h.eventually("selector removed", "app", ControllerName+" 10.244.0.7")
}
