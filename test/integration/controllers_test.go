package integration

import (
	"context"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/util/retry"

	"github.com/svcnet/svcnet/pkg/controllermanager"
	"github.com/svcnet/svcnet/pkg/server/servertest"
	etcdstore "github.com/svcnet/svcnet/pkg/storage/etcd"
)

// markRunning sets a pod Running and Ready with an IP, as its node would.
// The scheduler may write the pod's status at the same time, so the write
// retries on conflict, as a kubelet does.
func markRunning(ctx context.Context, t *testing.T, ts *servertest.TestServer, name, ip string) {
	t.Helper()
	err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
		p, err := ts.Client.CoreV1().Pods("default").Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return err
		}
		p.Status.Phase = corev1.PodRunning
		p.Status.PodIP = ip
		p.Status.PodIPs = []corev1.PodIP{{IP: ip}}
		p.Status.Conditions = []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionTrue, LastTransitionTime: metav1.Now()}}
		_, err = ts.Client.CoreV1().Pods("default").UpdateStatus(ctx, p, metav1.UpdateOptions{})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

// sliceAddresses returns the ready addresses in a service's slices.
func sliceAddresses(ctx context.Context, ts *servertest.TestServer, svc string) ([]string, error) {
	list, err := ts.Client.DiscoveryV1().EndpointSlices("default").List(ctx, metav1.ListOptions{LabelSelector: discoveryv1.LabelServiceName + "=" + svc})
	if err != nil {
		return nil, err
	}
	var out []string
	for _, s := range list.Items {
		for _, e := range s.Endpoints {
			if e.Conditions.Ready != nil && *e.Conditions.Ready {
				out = append(out, e.Addresses...)
			}
		}
	}
	return out, nil
}

func waitAddresses(ctx context.Context, t *testing.T, ts *servertest.TestServer, svc string, want ...string) {
	t.Helper()
	err := wait.PollUntilContextTimeout(ctx, 50*time.Millisecond, 20*time.Second, true, func(ctx context.Context) (bool, error) {
		got, err := sliceAddresses(ctx, ts, svc)
		if err != nil || len(got) != len(want) {
			return false, nil
		}
		seen := map[string]bool{}
		for _, a := range got {
			seen[a] = true
		}
		for _, w := range want {
			if !seen[w] {
				return false, nil
			}
		}
		ep, err := ts.Client.CoreV1().Endpoints("default").Get(ctx, svc, metav1.GetOptions{})
		if err != nil {
			return false, nil
		}
		n := 0
		for _, ss := range ep.Subsets {
			n += len(ss.Addresses)
		}
		return n == len(want), nil
	})
	if err != nil {
		got, _ := sliceAddresses(ctx, ts, svc)
		t.Fatalf("service %s: slices hold %v, want %v", svc, got, want)
	}
}

// TestServerRunsEndpointControllers replays seed 000's promise on the
// complete server: a service's endpoints follow its pods.
func TestServerRunsEndpointControllers(t *testing.T) {
	ts := servertest.Start(t, withControllers())
	ctx := testCtx(t, 2*time.Minute)
	if _, err := ts.Client.CoreV1().Services("default").Create(ctx, svc("nginx", "", 80), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := ts.Client.CoreV1().Pods("default").Create(ctx, pod("nginx-pod", map[string]string{"app": "nginx"}), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	markRunning(ctx, t, ts, "nginx-pod", "10.244.1.4")
	waitAddresses(ctx, t, ts, "nginx", "10.244.1.4")
	// Relabel the pod: it leaves the service.
	p, _ := ts.Client.CoreV1().Pods("default").Get(ctx, "nginx-pod", metav1.GetOptions{})
	p.Labels["app"] = "other"
	if _, err := ts.Client.CoreV1().Pods("default").Update(ctx, p, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	waitAddresses(ctx, t, ts, "nginx")
}

// TestLeaderElectionOneActor runs two servers on one etcd and checks that
// exactly one runs controllers at any time, and that the other takes over
// when the leader stops.
func TestLeaderElectionOneActor(t *testing.T) {
	fast := func() servertest.Option {
		return servertest.WithControllers(controllermanager.New(controllermanager.Config{
			LeaseDuration: 3 * time.Second, RenewDeadline: 2 * time.Second, RetryPeriod: 500 * time.Millisecond}))
	}
	etcd, err := etcdstore.StartEmbedded(context.Background(), etcdstore.EmbeddedConfig{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(etcd.Close)
	a := servertest.Start(t, fast(), servertest.WithEtcdServers(etcd.Endpoint))
	b := servertest.Start(t, fast(), servertest.WithEtcdServers(etcd.Endpoint))
	ctx := testCtx(t, 2*time.Minute)
	var leader, follower *servertest.TestServer
	err = wait.PollUntilContextTimeout(ctx, 100*time.Millisecond, 30*time.Second, true, func(context.Context) (bool, error) {
		switch {
		case a.Leading() && b.Leading():
			t.Fatal("both servers lead at once")
		case a.Leading():
			leader, follower = a, b
		case b.Leading():
			leader, follower = b, a
		}
		return leader != nil, nil
	})
	if err != nil {
		t.Fatal("no server became leader")
	}
	// Over a few seconds, never both.
	for i := 0; i < 30; i++ {
		if a.Leading() && b.Leading() {
			t.Fatal("both servers lead at once")
		}
		time.Sleep(100 * time.Millisecond)
	}
	if follower.Leading() {
		t.Fatal("the follower leads while the leader runs")
	}
	leader.Stop()
	err = wait.PollUntilContextTimeout(ctx, 100*time.Millisecond, 30*time.Second, true, func(context.Context) (bool, error) {
		return follower.Leading(), nil
	})
	if err != nil {
		t.Fatal("the follower did not take over after the leader stopped")
	}
}

// TestNamespaceDeletionRemovesContent deletes a namespace holding objects
// and checks that the objects go, then the namespace itself.
func TestNamespaceDeletionRemovesContent(t *testing.T) {
	ts := servertest.Start(t, withControllers())
	ctx := testCtx(t, 2*time.Minute)
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "lab"}}
	if _, err := ts.Client.CoreV1().Namespaces().Create(ctx, ns, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := ts.Client.CoreV1().Services("lab").Create(ctx, svc("web", corev1.ServiceTypeNodePort, 80), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := ts.Client.CoreV1().ConfigMaps("lab").Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "cfg"}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := ts.Client.CoreV1().Namespaces().Delete(ctx, "lab", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	_, err := ts.Client.CoreV1().ConfigMaps("lab").Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "late"}}, metav1.CreateOptions{})
	if err != nil {
		wantStatus(t, err, 403, "because it is being terminated")
	}
	if err := wait.PollUntilContextTimeout(ctx, 100*time.Millisecond, 60*time.Second, true, func(ctx context.Context) (bool, error) {
		_, err := ts.Client.CoreV1().Namespaces().Get(ctx, "lab", metav1.GetOptions{})
		return err != nil, nil
	}); err != nil {
		t.Fatal("namespace not removed within 60s")
	}
	list, err := ts.Client.CoreV1().Services("lab").List(ctx, metav1.ListOptions{})
	if err != nil || len(list.Items) != 0 {
		t.Fatalf("services left in the deleted namespace: %v %d", err, len(list.Items))
	}
	// Its service's allocations were released with it.
	assertAllocationsMatch(t, ts, bootstrapIPs, 0)
}

// TestServerRunsWorkloadControllers checks the wiring of the Deployment,
// ReplicaSet and scheduler controllers: seed 003's Deployment gets a
// ReplicaSet and two pods, bound to the two Ready nodes.
func TestServerRunsWorkloadControllers(t *testing.T) {
	ts := servertest.Start(t, withControllers())
	ctx := testCtx(t, 2*time.Minute)
	for _, name := range []string{"node1", "node2"} {
		n := &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: name}}
		created, err := ts.Client.CoreV1().Nodes().Create(ctx, n, metav1.CreateOptions{})
		if err != nil {
			t.Fatal(err)
		}
		created.Status.Conditions = []corev1.NodeCondition{{Type: corev1.NodeReady, Status: corev1.ConditionTrue, LastHeartbeatTime: metav1.Now()}}
		if _, err := ts.Client.CoreV1().Nodes().UpdateStatus(ctx, created, metav1.UpdateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	replicas := int32(2)
	d := &appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Name: "example-12"}, Spec: appsv1.DeploymentSpec{
		Replicas: &replicas,
		Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"name": "xander"}},
		Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"name": "xander"}},
			Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "c00", Image: "httpd"}}}}}}
	if _, err := ts.Client.AppsV1().Deployments("default").Create(ctx, d, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	err := wait.PollUntilContextTimeout(ctx, 100*time.Millisecond, 30*time.Second, true, func(ctx context.Context) (bool, error) {
		pods, err := ts.Client.CoreV1().Pods("default").List(ctx, metav1.ListOptions{LabelSelector: "name=xander"})
		if err != nil || len(pods.Items) != 2 {
			return false, nil
		}
		nodes := map[string]bool{}
		for _, p := range pods.Items {
			nodes[p.Spec.NodeName] = true
		}
		return nodes["node1"] && nodes["node2"], nil
	})
	if err != nil {
		t.Fatal("the deployment's two pods were not created and spread over both nodes")
	}
	rss, err := ts.Client.AppsV1().ReplicaSets("default").List(ctx, metav1.ListOptions{LabelSelector: "name=xander"})
	if err != nil || len(rss.Items) != 1 || *rss.Items[0].Spec.Replicas != 2 {
		t.Fatalf("replicasets: %v %+v", err, rss)
	}
}

// TestControllersResumeAfterRestart restarts the server and checks that
// the controllers pick up where they left off: the existing slice is kept
// (not duplicated) and later pod changes still reach it.
func TestControllersResumeAfterRestart(t *testing.T) {
	ts := servertest.Start(t, withControllers())
	ctx := testCtx(t, 2*time.Minute)
	if _, err := ts.Client.CoreV1().Services("default").Create(ctx, svc("web", "", 80), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"web-1", "web-2"} {
		if _, err := ts.Client.CoreV1().Pods("default").Create(ctx, pod(name, map[string]string{"app": "web"}), metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	markRunning(ctx, t, ts, "web-1", "10.244.1.11")
	waitAddresses(ctx, t, ts, "web", "10.244.1.11")
	before, err := ts.Client.DiscoveryV1().EndpointSlices("default").List(ctx, metav1.ListOptions{LabelSelector: discoveryv1.LabelServiceName + "=web"})
	if err != nil || len(before.Items) != 1 {
		t.Fatalf("slices before restart: %v %d", err, len(before.Items))
	}
	ts.Restart()
	markRunning(ctx, t, ts, "web-2", "10.244.1.12")
	waitAddresses(ctx, t, ts, "web", "10.244.1.11", "10.244.1.12")
	after, err := ts.Client.DiscoveryV1().EndpointSlices("default").List(ctx, metav1.ListOptions{LabelSelector: discoveryv1.LabelServiceName + "=web"})
	if err != nil || len(after.Items) != 1 || after.Items[0].Name != before.Items[0].Name {
		t.Fatalf("after restart: %v, %d slices (want the same single slice %s)", err, len(after.Items), before.Items[0].Name)
	}
}
