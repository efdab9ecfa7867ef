package endpointslice

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"

	"github.com/svcnet/svcnet/pkg/server/servertest"
)

// harness is a control plane with the controller under test running.
type harness struct {
	t      testing.TB
	ctx    context.Context
	client kubernetes.Interface
	ns     string
	// poll is how often eventually checks; benchmarks shorten it so that
	// it does not dominate what they measure.
	poll time.Duration
}

func startHarness(t testing.TB, mut func(*Config)) *harness {
	t.Helper()
	ts := servertest.Start(t, servertest.WithoutControllers())
	ctx, cancel := context.WithCancel(context.Background())
	factory := informers.NewSharedInformerFactory(ts.Client, 0)
	cfg := Config{Client: ts.Client, Informers: factory, Logger: testLogger()}
	if mut != nil {
		mut(&cfg)
	}
	ctl, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	factory.Start(ctx.Done())
	done := make(chan struct{})
	go func() { defer close(done); ctl.Run(ctx, 2) }()
	t.Cleanup(func() {
		cancel()
		<-done
		factory.Shutdown()
	})
	return &harness{t: t, ctx: ctx, client: ts.Client, ns: "default", poll: 50 * time.Millisecond}
}

func testLogger() *slog.Logger {
	if os.Getenv("SVCNET_TEST_LOG") == "" {
		return nil
	}
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

func (h *harness) createService(name string, mut ...func(*corev1.Service)) *corev1.Service {
	h.t.Helper()
	svc := &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: h.ns},
		Spec: corev1.ServiceSpec{
			Selector: map[string]string{"app": name},
			Ports:    []corev1.ServicePort{{Name: "http", Port: 80, TargetPort: intstr.FromInt32(8080)}},
		},
	}
	for _, m := range mut {
		m(svc)
	}
	out, err := h.client.CoreV1().Services(h.ns).Create(h.ctx, svc, metav1.CreateOptions{})
	if err != nil {
		h.t.Fatalf("creating service %s: %v", name, err)
	}
	return out
}

// podSpec is what a test pod looks like; ip "" leaves it without status.
type podSpec struct {
	name, app, ip, node string
	ready               bool
	mut                 func(*corev1.Pod)
}

// createPod creates a pod and, as the node agent would, sets its status:
// Running with the IP and the Ready condition.
func (h *harness) createPod(ps podSpec) *corev1.Pod {
	h.t.Helper()
	out, err := h.tryCreatePod(ps)
	if err != nil {
		h.t.Fatal(err)
	}
	return out
}

func (h *harness) tryCreatePod(ps podSpec) (*corev1.Pod, error) {
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: ps.name, Namespace: h.ns, Labels: map[string]string{"app": ps.app}},
		Spec: corev1.PodSpec{
			NodeName: ps.node,
			Containers: []corev1.Container{{Name: "c", Image: "whoami",
				Ports: []corev1.ContainerPort{{Name: "http", ContainerPort: 8080, Protocol: corev1.ProtocolTCP}}}},
		},
	}
	if ps.mut != nil {
		ps.mut(pod)
	}
	out, err := h.client.CoreV1().Pods(h.ns).Create(h.ctx, pod, metav1.CreateOptions{})
	if err != nil {
		return nil, fmt.Errorf("creating pod %s: %w", ps.name, err)
	}
	if ps.ip == "" {
		return out, nil
	}
	return h.trySetStatus(out.Name, ps.ip, ps.ready)
}

// setStatus sets a pod's status as the node agent would.
func (h *harness) setStatus(pod *corev1.Pod, ip string, ready bool) *corev1.Pod {
	h.t.Helper()
	out, err := h.trySetStatus(pod.Name, ip, ready)
	if err != nil {
		h.t.Fatal(err)
	}
	return out
}

func (h *harness) trySetStatus(name, ip string, ready bool) (*corev1.Pod, error) {
	for attempt := 0; ; attempt++ {
		cur, err := h.client.CoreV1().Pods(h.ns).Get(h.ctx, name, metav1.GetOptions{})
		if err != nil {
			return nil, fmt.Errorf("reading pod %s: %w", name, err)
		}
		status := corev1.ConditionFalse
		if ready {
			status = corev1.ConditionTrue
		}
		cur.Status.Phase = corev1.PodRunning
		cur.Status.PodIP = ip
		cur.Status.PodIPs = []corev1.PodIP{{IP: ip}}
		cur.Status.Conditions = []corev1.PodCondition{{Type: corev1.PodReady, Status: status,
			LastTransitionTime: metav1.NewTime(time.Now())}}
		out, err := h.client.CoreV1().Pods(h.ns).UpdateStatus(h.ctx, cur, metav1.UpdateOptions{})
		if err == nil {
			return out, nil
		}
		if attempt > 5 {
			return nil, fmt.Errorf("setting status of pod %s: %w", name, err)
		}
	}
}

// createPods creates n ready pods app-0..app-(n-1), eight at a time.
func (h *harness) createPods(app string, n int) {
	h.t.Helper()
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		first error
	)
	work := make(chan int)
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range work {
				_, err := h.tryCreatePod(podSpec{name: fmt.Sprintf("%s-%d", app, i), app: app,
					ip: fmt.Sprintf("10.244.%d.%d", i/250, i%250+1), ready: true})
				mu.Lock()
				if err != nil && first == nil {
					first = err
				}
				mu.Unlock()
			}
		}()
	}
	for i := range n {
		work <- i
	}
	close(work)
	wg.Wait()
	if first != nil {
		h.t.Fatal(first)
	}
}

// slicesOf lists the controller's slices for a Service.
func (h *harness) slicesOf(svc string) []discoveryv1.EndpointSlice {
	h.t.Helper()
	list, err := h.client.DiscoveryV1().EndpointSlices(h.ns).List(h.ctx, metav1.ListOptions{
		LabelSelector: discoveryv1.LabelServiceName + "=" + svc + "," + discoveryv1.LabelManagedBy + "=" + ControllerName})
	if err != nil {
		h.t.Fatalf("listing slices: %v", err)
	}
	return list.Items
}

// endpointsOf maps pod name to endpoint across the Service's slices.
func (h *harness) endpointsOf(svc string) map[string]discoveryv1.Endpoint {
	out := map[string]discoveryv1.Endpoint{}
	for _, s := range h.slicesOf(svc) {
		for _, ep := range s.Endpoints {
			if ep.TargetRef != nil {
				out[ep.TargetRef.Name] = ep
			}
		}
	}
	return out
}

// eventually polls cond until it returns "" or the deadline passes.
func (h *harness) eventually(what string, cond func() string) {
	h.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	var last string
	for time.Now().Before(deadline) {
		if last = cond(); last == "" {
			return
		}
		time.Sleep(h.poll)
	}
	h.t.Fatalf("%s: not reached within 30s: %s", what, last)
}

// settle waits until cond has held for the given quiet period, to check
// that something does NOT happen afterwards.
func (h *harness) consistently(what string, d time.Duration, cond func() string) {
	h.t.Helper()
	end := time.Now().Add(d)
	for time.Now().Before(end) {
		if msg := cond(); msg != "" {
			h.t.Fatalf("%s: %s", what, msg)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func describeEndpoint(ep discoveryv1.Endpoint) string {
	b := func(p *bool) string {
		if p == nil {
			return "nil"
		}
		return fmt.Sprint(*p)
	}
	return fmt.Sprintf("%v ready=%s serving=%s terminating=%s", ep.Addresses, b(ep.Conditions.Ready),
		b(ep.Conditions.Serving), b(ep.Conditions.Terminating))
}
