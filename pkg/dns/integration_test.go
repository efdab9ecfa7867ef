package dns

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/miekg/dns"
	"github.com/prometheus/client_golang/prometheus"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/client-go/kubernetes"
	"k8s.io/utils/ptr"

	"github.com/svcnet/svcnet/pkg/controllermanager"
	"github.com/svcnet/svcnet/pkg/dns/dnstest"
	"github.com/svcnet/svcnet/pkg/server/servertest"
)

// TestIntegration runs the DNS server against a real control plane: the
// EndpointSlice controller publishes the pods that the test makes ready,
// and queries go over UDP and TCP on loopback.
func TestIntegration(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a control plane")
	}
	ts := servertest.Start(t, servertest.WithControllers(controllermanager.New(controllermanager.Config{})))
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	up := dnstest.NewUpstream(t, upstreamZone...)
	s, err := New(Config{
		Client:     ts.Client,
		Listen:     []string{"127.0.0.1:0"},
		Upstreams:  []string{up.Addr},
		Registerer: prometheus.NewRegistry(),
	})
	mustNoErr(t, err)
	addr, _ := runServer(t, s)
	waitFor(t, 30*time.Second, "healthz", func() bool {
		rec := httptest.NewRecorder()
		s.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/healthz", nil))
		return rec.Code == http.StatusOK
	})

	c := ts.Client
	sel := map[string]string{"app": "pet"}
	whoami, err := c.CoreV1().Services("default").Create(ctx, &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Name: "whoami"},
		Spec: corev1.ServiceSpec{Selector: sel, Ports: []corev1.ServicePort{
			{Name: "http", Port: 80, TargetPort: intstr.FromInt32(8080)}}},
	}, metav1.CreateOptions{})
	mustNoErr(t, err)
	_, err = c.CoreV1().Services("default").Create(ctx, &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Name: "pets"},
		Spec: corev1.ServiceSpec{ClusterIP: corev1.ClusterIPNone, Selector: sel, Ports: []corev1.ServicePort{
			{Name: "http", Port: 8080}}},
	}, metav1.CreateOptions{})
	mustNoErr(t, err)
	createReadyPod(ctx, t, c, "pet-0", "10.244.0.11")

	udp := &dns.Client{Net: "udp", Timeout: time.Second}
	tcp := &dns.Client{Net: "tcp", Timeout: time.Second}
	ask := func(cl *dns.Client, name string, qtype uint16) *dns.Msg {
		t.Helper()
		q := new(dns.Msg)
		q.SetQuestion(name, qtype)
		m, _, err := cl.Exchange(q, addr)
		if err != nil {
			t.Fatalf("%s over %s: %v", name, cl.Net, err)
		}
		return m
	}
	const pets = "pets.default.svc.cluster.local."
	hasA := func(cl *dns.Client, name, ip string) func() bool {
		return func() bool {
			m := ask(cl, name, dns.TypeA)
			return len(m.Answer) == 1 && m.Answer[0].(*dns.A).A.String() == ip
		}
	}
	if !poll(10*time.Second, hasA(udp, pets, "10.244.0.11")) {
		sl, _ := c.DiscoveryV1().EndpointSlices("default").List(ctx, metav1.ListOptions{})
		for _, x := range sl.Items {
			t.Logf("slice %s: %+v", x.Name, x.Endpoints)
		}
		p, _ := c.CoreV1().Pods("default").Get(ctx, "pet-0", metav1.GetOptions{})
		t.Logf("pod %+v", p.Status)
		t.Logf("DNS: %v", ask(udp, pets, dns.TypeA))
		t.FailNow()
	}

	for _, cl := range []*dns.Client{udp, tcp} {
		for _, c := range []dnsCase{
			{qname: "whoami.default.svc.cluster.local.", qtype: dns.TypeA, answer: []string{"whoami.default.svc.cluster.local. 5 IN A " + whoami.Spec.ClusterIP}},
			{qname: "_http._tcp.whoami.default.svc.cluster.local.", qtype: dns.TypeSRV,
				answer: []string{"_http._tcp.whoami.default.svc.cluster.local. 5 IN SRV 0 100 80 whoami.default.svc.cluster.local."},
				extra:  []string{"whoami.default.svc.cluster.local. 5 IN A " + whoami.Spec.ClusterIP}},
			{qname: pets, qtype: dns.TypeA, answer: []string{pets + " 5 IN A 10.244.0.11"}},
			{qname: "pet-0." + pets, qtype: dns.TypeA, answer: []string{"pet-0." + pets + " 5 IN A 10.244.0.11"}},
			{qname: "10-244-0-11.default.pod.cluster.local.", qtype: dns.TypeA, answer: []string{"10-244-0-11.default.pod.cluster.local. 5 IN A 10.244.0.11"}},
			{qname: "kubernetes.default.svc.cluster.local.", qtype: dns.TypeA, answer: []string{"kubernetes.default.svc.cluster.local. 5 IN A 10.96.0.1"}},
			{qname: "example.test.default.svc.cluster.local.", qtype: dns.TypeA, rcode: dns.RcodeNameError, ns: []string{zoneSOA}},
			{qname: "www.example.test.", qtype: dns.TypeA, answer: []string{"www.example.test. 300 IN A 192.0.2.80"}},
		} {
			t.Run(cl.Net+"/"+c.String(), func(t *testing.T) { c.check(t, ask(cl, c.qname, c.qtype)) })
		}
	}

	// The pod is recreated with a new IP: DNS follows within a second.
	mustNoErr(t, c.CoreV1().Pods("default").Delete(ctx, "pet-0", metav1.DeleteOptions{GracePeriodSeconds: ptr.To[int64](0)}))
	waitFor(t, 10*time.Second, "pod gone from DNS", func() bool {
		return ask(udp, pets, dns.TypeA).Rcode == dns.RcodeNameError
	})
	createReadyPod(ctx, t, c, "pet-0", "10.244.0.12")
	start := time.Now()
	waitFor(t, time.Second, "new pod IP within 1s", hasA(udp, pets, "10.244.0.12"))
	t.Logf("new IP answered %s after the pod turned ready", time.Since(start).Round(time.Millisecond))
	waitFor(t, time.Second, "new pod record", hasA(tcp, "10-244-0-12.default.pod.cluster.local.", "10.244.0.12"))

	// With the API server gone, the last known state is still served.
	ts.Stop()
	for _, cl := range []*dns.Client{udp, tcp} {
		if !hasA(cl, pets, "10.244.0.12")() {
			t.Errorf("%s: last known state not served with the API server down", cl.Net)
		}
	}
}

func createReadyPod(ctx context.Context, t *testing.T, c kubernetes.Interface, name, ip string) {
	t.Helper()
	p, err := c.CoreV1().Pods("default").Create(ctx, &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{"app": "pet"}},
		Spec: corev1.PodSpec{
			// Bound to a node, so that the scheduler leaves it alone and
			// its status write below never races with the scheduler's.
			NodeName:  "node1",
			Hostname:  name,
			Subdomain: "pets",
			Containers: []corev1.Container{{Name: "c", Image: "whoami",
				Ports: []corev1.ContainerPort{{Name: "http", ContainerPort: 8080}}}},
		},
	}, metav1.CreateOptions{})
	mustNoErr(t, err)
	p.Status.Phase = corev1.PodRunning
	p.Status.PodIP = ip
	p.Status.PodIPs = []corev1.PodIP{{IP: ip}}
	p.Status.Conditions = []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionTrue, LastTransitionTime: metav1.Now()}}
	_, err = c.CoreV1().Pods("default").UpdateStatus(ctx, p, metav1.UpdateOptions{})
	mustNoErr(t, err)
}

func poll(d time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(10 * time.Millisecond)
	}
	return true
}

// waitFor polls cond every 10ms until it holds or d passes.
func waitFor(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %s", what, d)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
