package proxy

import (
	"context"
	"fmt"
	"net/netip"
	"testing"
	"time"

	v1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"sigs.k8s.io/knftables"

	"github.com/svcnet/svcnet/pkg/controllermanager"
	"github.com/svcnet/svcnet/pkg/proxy/conntrack"
	"github.com/svcnet/svcnet/pkg/server/servertest"
)

// TestIntegrationWithControlPlane runs the Proxier against a real API
// server with its controllers (pods' status is set directly, as the node
// agent would) and checks that the rules follow a Service and its pods.
func TestIntegrationWithControlPlane(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a control plane")
	}
	ts := servertest.Start(t, servertest.WithControllers(controllermanager.New(controllermanager.Config{})))
	ctx := context.Background()
	tp := &testProxy{nft: &flakyNFT{Fake: knftables.NewFake(knftables.IPv4Family, "svcnet")}, ct: &conntrack.Fake{}}
	p, err := New(Config{
		Client: ts.Client, NFT: tp.nft, Conntrack: tp.ct, NodeName: "node1", NodeIPs: []netip.Addr{nodeIP},
		ClusterCIDR:     []netip.Prefix{netip.MustParsePrefix("10.244.0.0/16")},
		ServiceCIDRs:    []netip.Prefix{netip.MustParsePrefix("10.96.0.0/12")},
		MinSyncInterval: 10 * time.Millisecond, MaxSyncInterval: time.Second,
	})
	if err != nil {
		t.Fatal(err)
	}
	tp.Proxier = p
	runCtx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- p.Run(runCtx) }()
	defer func() { cancel(); <-done }()

	svc, err := ts.Client.CoreV1().Services("default").Create(ctx, &v1.Service{
		ObjectMeta: metav1.ObjectMeta{Name: "web"},
		Spec: v1.ServiceSpec{Selector: map[string]string{"app": "web"}, Type: v1.ServiceTypeNodePort,
			Ports: []v1.ServicePort{{Name: "http", Port: 80, TargetPort: intstr.FromInt32(8080)}}},
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	cip, np := svc.Spec.ClusterIP, uint16(svc.Spec.Ports[0].NodePort)
	tp.waitTrace(t, "10.244.1.5", cip, 80, "tcp", "REJECT")

	for i, ip := range []string{"10.244.0.10", "10.244.1.10"} {
		node := []string{"node1", "node2"}[i]
		pod, err := ts.Client.CoreV1().Pods("default").Create(ctx, &v1.Pod{
			ObjectMeta: metav1.ObjectMeta{Name: "web-" + node, Labels: map[string]string{"app": "web"}},
			Spec: v1.PodSpec{NodeName: node, Containers: []v1.Container{{Name: "c", Image: "whoami",
				Ports: []v1.ContainerPort{{ContainerPort: 8080}}}}},
		}, metav1.CreateOptions{})
		if err != nil {
			t.Fatal(err)
		}
		setPodStatus(t, ts, pod, ip, true)
	}
	waitSlices(t, ts, func(eps int) bool { return eps == 2 })
	tp.waitTrace(t, "10.244.1.5", cip, 80, "tcp", "10.244.0.10:8080, 10.244.1.10:8080")
	tp.waitTrace(t, "198.51.100.7", nodeIP.String(), np, "tcp", "10.244.0.10:8080 masq, 10.244.1.10:8080 masq")

	// A pod turning unready leaves the rules.
	pod, err := ts.Client.CoreV1().Pods("default").Get(ctx, "web-node2", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	setPodStatus(t, ts, pod, "10.244.1.10", false)
	tp.waitTrace(t, "10.244.1.5", cip, 80, "tcp", "10.244.0.10:8080")

	// The Service going away removes its rules; its IP is unallocated.
	if err := ts.Client.CoreV1().Services("default").Delete(ctx, "web", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	tp.waitTrace(t, "10.244.1.5", cip, 80, "tcp", "DROP")
}

func setPodStatus(t *testing.T, ts *servertest.TestServer, pod *v1.Pod, ip string, ready bool) {
	t.Helper()
	status := v1.ConditionFalse
	if ready {
		status = v1.ConditionTrue
	}
	for attempt := 0; ; attempt++ {
		cur, err := ts.Client.CoreV1().Pods(pod.Namespace).Get(context.Background(), pod.Name, metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		cur.Status.Phase = v1.PodRunning
		cur.Status.PodIP, cur.Status.PodIPs = ip, []v1.PodIP{{IP: ip}}
		cur.Status.Conditions = []v1.PodCondition{{Type: v1.PodReady, Status: status, LastTransitionTime: metav1.Now()}}
		if _, err = ts.Client.CoreV1().Pods(pod.Namespace).UpdateStatus(context.Background(), cur, metav1.UpdateOptions{}); err == nil {
			return
		}
		if attempt > 5 {
			t.Fatalf("setting pod status: %v", err)
		}
	}
}

// waitSlices waits until the Service's slices hold a number of ready
// endpoints that ok accepts, so a slow controller is told apart from a
// slow proxy.
func waitSlices(t *testing.T, ts *servertest.TestServer, ok func(ready int) bool) {
	t.Helper()
	eventually(t, "EndpointSlices of default/web", func() (bool, string) {
		list, err := ts.Client.DiscoveryV1().EndpointSlices("default").List(context.Background(),
			metav1.ListOptions{LabelSelector: "kubernetes.io/service-name=web"})
		if err != nil {
			return false, err.Error()
		}
		ready := 0
		for _, es := range list.Items {
			for _, ep := range es.Endpoints {
				if ep.Conditions.Ready == nil || *ep.Conditions.Ready {
					ready++
				}
			}
		}
		return ok(ready), fmt.Sprintf("%d slices, %d ready endpoints", len(list.Items), ready)
	})
}
