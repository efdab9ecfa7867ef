package integration

import (
	"context"
	"net/netip"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"

	"github.com/svcnet/svcnet/pkg/registry/service"
	"github.com/svcnet/svcnet/pkg/server/servertest"
)

func TestServiceDefaulting(t *testing.T) {
	ts := servertest.Start(t, servertest.WithoutControllers())
	ctx := testCtx(t, time.Minute)
	s := svc("web", "", 80)
	s.Spec.Ports[0].TargetPort = intstr.IntOrString{}
	s.Spec.Ports[0].Protocol = ""
	got, err := ts.Client.CoreV1().Services("default").Create(ctx, s, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	sp := got.Spec
	checks := []struct {
		name      string
		got, want any
	}{
		{"type", sp.Type, corev1.ServiceTypeClusterIP},
		{"protocol", sp.Ports[0].Protocol, corev1.ProtocolTCP},
		{"targetPort", sp.Ports[0].TargetPort, intstr.FromInt32(80)},
		{"sessionAffinity", sp.SessionAffinity, corev1.ServiceAffinityNone},
		{"ipFamilyPolicy", *sp.IPFamilyPolicy, corev1.IPFamilyPolicySingleStack},
		{"ipFamilies", sp.IPFamilies, []corev1.IPFamily{corev1.IPv4Protocol}},
		{"internalTrafficPolicy", *sp.InternalTrafficPolicy, corev1.ServiceInternalTrafficPolicyCluster},
		{"clusterIPs", len(sp.ClusterIPs), 1},
	}
	for _, c := range checks {
		if !equalAny(c.got, c.want) {
			t.Errorf("%s = %v, want %v", c.name, c.got, c.want)
		}
	}
	if !netip.MustParsePrefix("10.96.0.0/12").Contains(netip.MustParseAddr(sp.ClusterIP)) {
		t.Errorf("clusterIP %s outside 10.96.0.0/12", sp.ClusterIP)
	}
	aff := svc("sticky", "", 80)
	aff.Spec.SessionAffinity = corev1.ServiceAffinityClientIP
	got, err = ts.Client.CoreV1().Services("default").Create(ctx, aff, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if c := got.Spec.SessionAffinityConfig; c == nil || c.ClientIP == nil || *c.ClientIP.TimeoutSeconds != 10800 {
		t.Errorf("ClientIP affinity timeout not defaulted to 10800: %+v", c)
	}
	np, err := ts.Client.CoreV1().Services("default").Create(ctx, svc("np", corev1.ServiceTypeNodePort, 80), metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if np.Spec.ExternalTrafficPolicy != corev1.ServiceExternalTrafficPolicyCluster {
		t.Errorf("externalTrafficPolicy = %q, want Cluster", np.Spec.ExternalTrafficPolicy)
	}
	if p := np.Spec.Ports[0].NodePort; p < 30000 || p > 32767 {
		t.Errorf("nodePort %d outside 30000-32767", p)
	}
}

func equalAny(a, b any) bool {
	switch av := a.(type) {
	case []corev1.IPFamily:
		bv := b.([]corev1.IPFamily)
		if len(av) != len(bv) {
			return false
		}
		for i := range av {
			if av[i] != bv[i] {
				return false
			}
		}
		return true
	}
	return a == b
}

func TestServiceValidation(t *testing.T) {
	ts := servertest.Start(t, servertest.WithoutControllers())
	ctx := testCtx(t, time.Minute)
	cases := []struct {
		name      string
		mutate    func(*corev1.Service)
		fragments []string
	}{
		{"port out of range", func(s *corev1.Service) { s.Spec.Ports[0].Port = 70000 },
			[]string{"spec.ports[0].port", "must be between 1 and 65535, inclusive"}},
		{"duplicate port", func(s *corev1.Service) {
			s.Spec.Ports = append(s.Spec.Ports, corev1.ServicePort{Name: "b", Port: 80, TargetPort: intstr.FromInt32(80)})
			s.Spec.Ports[0].Name = "a"
		}, []string{"spec.ports[1]", "Duplicate value"}},
		{"multi-port without names", func(s *corev1.Service) {
			s.Spec.Ports = append(s.Spec.Ports, corev1.ServicePort{Port: 81})
		}, []string{"spec.ports[0].name", "Required value"}},
		{"nodePort on ClusterIP", func(s *corev1.Service) { s.Spec.Ports[0].NodePort = 30080 },
			[]string{"spec.ports[0].nodePort", "Forbidden"}},
		{"headless NodePort", func(s *corev1.Service) {
			s.Spec.Type = corev1.ServiceTypeNodePort
			s.Spec.ClusterIP = corev1.ClusterIPNone
		}, []string{"spec.clusterIPs[0]", "may not be set to 'None' for NodePort services"}},
		{"ExternalName without name", func(s *corev1.Service) { s.Spec.Type = corev1.ServiceTypeExternalName },
			[]string{"spec.externalName", "Required value"}},
		{"affinity timeout", func(s *corev1.Service) {
			s.Spec.SessionAffinity = corev1.ServiceAffinityClientIP
			s.Spec.SessionAffinityConfig = &corev1.SessionAffinityConfig{ClientIP: &corev1.ClientIPConfig{TimeoutSeconds: ptr.To[int32](90000)}}
		}, []string{"spec.sessionAffinityConfig.clientIP.timeoutSeconds"}},
		{"source ranges on ClusterIP", func(s *corev1.Service) { s.Spec.LoadBalancerSourceRanges = []string{"10.0.0.0/8"} },
			[]string{"spec.LoadBalancerSourceRanges", "may only be used when `type` is 'LoadBalancer'"}},
		{"bad source range", func(s *corev1.Service) {
			s.Spec.Type = corev1.ServiceTypeLoadBalancer
			s.Spec.LoadBalancerSourceRanges = []string{"nonsense"}
		}, []string{"spec.LoadBalancerSourceRanges[0]", "must be a valid CIDR"}},
		{"externalTrafficPolicy on ClusterIP", func(s *corev1.Service) { s.Spec.ExternalTrafficPolicy = corev1.ServiceExternalTrafficPolicyLocal },
			[]string{"spec.externalTrafficPolicy"}},
		{"bad internalTrafficPolicy", func(s *corev1.Service) {
			p := corev1.ServiceInternalTrafficPolicy("Sometimes")
			s.Spec.InternalTrafficPolicy = &p
		}, []string{"spec.internalTrafficPolicy", "Unsupported value"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := svc("bad", "", 80)
			c.mutate(s)
			_, err := ts.Client.CoreV1().Services("default").Create(ctx, s, metav1.CreateOptions{})
			wantStatus(t, err, 422, c.fragments...)
			if !apierrors.IsInvalid(err) {
				t.Errorf("want reason Invalid, got %v", apierrors.ReasonForError(err))
			}
		})
	}
	if _, err := ts.Client.CoreV1().Services("default").Get(ctx, "bad", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Fatalf("an invalid service was stored: %v", err)
	}
}

func TestClusterIPAllocation(t *testing.T) {
	ts := servertest.Start(t, servertest.WithoutControllers())
	ctx := testCtx(t, time.Minute)
	svcs := ts.Client.CoreV1().Services("default")
	a := svc("a", "", 80)
	a.Spec.ClusterIP = "10.96.100.100"
	got, err := svcs.Create(ctx, a, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got.Spec.ClusterIP != "10.96.100.100" {
		t.Fatalf("requested IP not honoured: %s", got.Spec.ClusterIP)
	}
	b := svc("b", "", 80)
	b.Spec.ClusterIP = "10.96.100.100"
	_, err = svcs.Create(ctx, b, metav1.CreateOptions{})
	wantStatus(t, err, 422, "spec.clusterIPs[0]", "provided IP is already allocated")
	b.Spec.ClusterIP = "10.200.0.1"
	_, err = svcs.Create(ctx, b, metav1.CreateOptions{})
	wantStatus(t, err, 422, "provided IP is not in the valid range. The range of valid IPs is 10.96.0.0/12")

	ipa, err := ts.Client.NetworkingV1().IPAddresses().Get(ctx, "10.96.100.100", metav1.GetOptions{})
	if err != nil {
		t.Fatalf("no IPAddress for the allocation: %v", err)
	}
	if ref := ipa.Spec.ParentRef; ref == nil || ref.Resource != "services" || ref.Name != "a" || ref.Namespace != "default" {
		t.Fatalf("IPAddress parentRef = %+v", ipa.Spec.ParentRef)
	}
	// A changed clusterIP is refused.
	got.Spec.ClusterIP = "10.96.100.101"
	got.Spec.ClusterIPs = []string{"10.96.100.101"}
	_, err = svcs.Update(ctx, got, metav1.UpdateOptions{})
	wantStatus(t, err, 422, "may not change once set")
	// Headless services get no IP.
	h := svc("headless", "", 80)
	h.Spec.ClusterIP = corev1.ClusterIPNone
	if got, err := svcs.Create(ctx, h, metav1.CreateOptions{}); err != nil || got.Spec.ClusterIP != "None" {
		t.Fatalf("headless: %v %v", err, got)
	}
	// Delete releases the IP: it can be requested again.
	if err := svcs.Delete(ctx, "a", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := ts.Client.NetworkingV1().IPAddresses().Get(ctx, "10.96.100.100", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Fatalf("IPAddress not released: %v", err)
	}
	b.Spec.ClusterIP = "10.96.100.100"
	if _, err := svcs.Create(ctx, b, metav1.CreateOptions{}); err != nil {
		t.Fatalf("released IP not reusable: %v", err)
	}
}

func TestNodePortAllocation(t *testing.T) {
	ts := servertest.Start(t, servertest.WithoutControllers())
	ctx := testCtx(t, time.Minute)
	svcs := ts.Client.CoreV1().Services("default")
	a := svc("a", corev1.ServiceTypeNodePort, 80)
	a.Spec.Ports[0].NodePort = 30163
	got, err := svcs.Create(ctx, a, metav1.CreateOptions{})
	if err != nil || got.Spec.Ports[0].NodePort != 30163 {
		t.Fatalf("requested nodePort: %v %+v", err, got)
	}
	b := svc("b", corev1.ServiceTypeNodePort, 80)
	b.Spec.Ports[0].NodePort = 30163
	_, err = svcs.Create(ctx, b, metav1.CreateOptions{})
	wantStatus(t, err, 422, "spec.ports[0].nodePort", "provided port is already allocated")
	b.Spec.Ports[0].NodePort = 80
	_, err = svcs.Create(ctx, b, metav1.CreateOptions{})
	wantStatus(t, err, 422, "provided port is not in the valid range. The range of valid ports is 30000-32767")

	// TCP and UDP on the same port share one nodePort.
	dns := svc("dns", corev1.ServiceTypeNodePort)
	dns.Spec.Ports = []corev1.ServicePort{
		{Name: "dns-udp", Port: 53, Protocol: corev1.ProtocolUDP},
		{Name: "dns-tcp", Port: 53, Protocol: corev1.ProtocolTCP},
	}
	got, err = svcs.Create(ctx, dns, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got.Spec.Ports[0].NodePort == 0 || got.Spec.Ports[0].NodePort != got.Spec.Ports[1].NodePort {
		t.Fatalf("TCP/UDP nodePorts %d/%d, want one shared port", got.Spec.Ports[0].NodePort, got.Spec.Ports[1].NodePort)
	}

	// LoadBalancer with externalTrafficPolicy Local gets a health check port.
	lb := svc("lb", corev1.ServiceTypeLoadBalancer, 80)
	lb.Spec.ExternalTrafficPolicy = corev1.ServiceExternalTrafficPolicyLocal
	got, err = svcs.Create(ctx, lb, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got.Spec.HealthCheckNodePort == 0 || got.Spec.Ports[0].NodePort == 0 {
		t.Fatalf("LB Local: healthCheckNodePort=%d nodePort=%d", got.Spec.HealthCheckNodePort, got.Spec.Ports[0].NodePort)
	}
	// allocateLoadBalancerNodePorts=false is honoured.
	nolb := svc("nolb", corev1.ServiceTypeLoadBalancer, 80)
	nolb.Spec.AllocateLoadBalancerNodePorts = ptr.To(false)
	got, err = svcs.Create(ctx, nolb, metav1.CreateOptions{})
	if err != nil || got.Spec.Ports[0].NodePort != 0 {
		t.Fatalf("allocateLoadBalancerNodePorts=false: %v nodePort=%d", err, got.Spec.Ports[0].NodePort)
	}
	// Deleting releases the node port for reuse.
	if err := svcs.Delete(ctx, "a", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	b.Spec.Ports[0].NodePort = 30163
	if _, err := svcs.Create(ctx, b, metav1.CreateOptions{}); err != nil {
		t.Fatalf("released nodePort not reusable: %v", err)
	}
}

func TestServiceTypeChanges(t *testing.T) {
	ts := servertest.Start(t, servertest.WithoutControllers())
	ctx := testCtx(t, time.Minute)
	svcs := ts.Client.CoreV1().Services("default")
	got, err := svcs.Create(ctx, svc("web", "", 80), metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	ip := got.Spec.ClusterIP
	// ClusterIP -> NodePort allocates a node port and keeps the IP.
	got.Spec.Type = corev1.ServiceTypeNodePort
	if got, err = svcs.Update(ctx, got, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	port := got.Spec.Ports[0].NodePort
	if port == 0 || got.Spec.ClusterIP != ip {
		t.Fatalf("to NodePort: nodePort=%d clusterIP=%s (was %s)", port, got.Spec.ClusterIP, ip)
	}
	assertPortKey(t, ts, int(port), true)
	// NodePort -> ClusterIP releases it.
	got.Spec.Type = corev1.ServiceTypeClusterIP
	if got, err = svcs.Update(ctx, got, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	if got.Spec.Ports[0].NodePort != 0 {
		t.Fatalf("nodePort kept after moving to ClusterIP: %d", got.Spec.Ports[0].NodePort)
	}
	assertPortKey(t, ts, int(port), false)
	// ClusterIP -> ExternalName clears the clusterIP and releases it.
	got.Spec.Type = corev1.ServiceTypeExternalName
	got.Spec.ExternalName = "example.invalid"
	if got, err = svcs.Update(ctx, got, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	if got.Spec.ClusterIP != "" || len(got.Spec.ClusterIPs) != 0 {
		t.Fatalf("ExternalName kept clusterIP %q %v", got.Spec.ClusterIP, got.Spec.ClusterIPs)
	}
	if _, err := ts.Client.NetworkingV1().IPAddresses().Get(ctx, ip, metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Fatalf("IP %s not released after moving to ExternalName: %v", ip, err)
	}
	// And back: a new IP is allocated.
	got.Spec.Type = corev1.ServiceTypeClusterIP
	got.Spec.ExternalName = ""
	if got, err = svcs.Update(ctx, got, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	if got.Spec.ClusterIP == "" {
		t.Fatal("no clusterIP after moving back from ExternalName")
	}
	if _, err := ts.Client.NetworkingV1().IPAddresses().Get(ctx, got.Spec.ClusterIP, metav1.GetOptions{}); err != nil {
		t.Fatalf("no IPAddress for the new clusterIP: %v", err)
	}
}

func assertPortKey(t *testing.T, ts *servertest.TestServer, port int, want bool) {
	t.Helper()
	_, err := ts.Store().GetRaw(context.Background(), service.PortKey(port))
	if (err == nil) != want {
		t.Fatalf("node port key %d present=%v, want %v (err %v)", port, err == nil, want, err)
	}
}

func TestServiceFinalizersHoldAllocations(t *testing.T) {
	ts := servertest.Start(t, servertest.WithoutControllers())
	ctx := testCtx(t, time.Minute)
	svcs := ts.Client.CoreV1().Services("default")
	s := svc("held", corev1.ServiceTypeNodePort, 80)
	s.Finalizers = []string{"example.com/hold"}
	got, err := svcs.Create(ctx, s, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if err := svcs.Delete(ctx, "held", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	cur, err := svcs.Get(ctx, "held", metav1.GetOptions{})
	if err != nil || cur.DeletionTimestamp == nil {
		t.Fatalf("service with a finalizer should remain with a deletionTimestamp: %v", err)
	}
	assertPortKey(t, ts, int(got.Spec.Ports[0].NodePort), true)
	if _, err := ts.Client.NetworkingV1().IPAddresses().Get(ctx, got.Spec.ClusterIP, metav1.GetOptions{}); err != nil {
		t.Fatalf("IP released while a finalizer holds the service: %v", err)
	}
	patch := []byte(`{"metadata":{"finalizers":null}}`)
	if _, err := svcs.Patch(ctx, "held", types.MergePatchType, patch, metav1.PatchOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := svcs.Get(ctx, "held", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Fatalf("service still present after its last finalizer was removed: %v", err)
	}
	assertPortKey(t, ts, int(got.Spec.Ports[0].NodePort), false)
	if _, err := ts.Client.NetworkingV1().IPAddresses().Get(ctx, got.Spec.ClusterIP, metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Fatalf("IP not released with the service: %v", err)
	}
}
