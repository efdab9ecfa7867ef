package nodeipam_test

import (
	"context"
	"fmt"
	"net/netip"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/client-go/informers"

	"github.com/svcnet/svcnet/pkg/controller/nodeipam"
	"github.com/svcnet/svcnet/pkg/server/servertest"
)

// startController runs a node IPAM controller (with its own informers)
// until the returned stop function is called.
func startController(t *testing.T, ts *servertest.TestServer, workers int, cfg nodeipam.Config) (stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	f := informers.NewSharedInformerFactory(ts.Client, 0)
	cfg.Client, cfg.Informers = ts.Client, f
	c, err := nodeipam.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	f.Start(ctx.Done())
	done := make(chan struct{})
	go func() { defer close(done); c.Run(ctx, workers) }()
	stopped := false
	stop = func() {
		if stopped {
			return
		}
		stopped = true
		cancel()
		<-done
		f.Shutdown()
	}
	t.Cleanup(stop)
	return stop
}

func createNode(t *testing.T, ts *servertest.TestServer, name string, podCIDR string) {
	t.Helper()
	n := &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: name}}
	if podCIDR != "" {
		n.Spec.PodCIDR, n.Spec.PodCIDRs = podCIDR, []string{podCIDR}
	}
	if _, err := ts.Client.CoreV1().Nodes().Create(context.Background(), n, metav1.CreateOptions{}); err != nil {
		t.Fatalf("creating node %s: %v", name, err)
	}
}

func deleteNode(t *testing.T, ts *servertest.TestServer, name string) {
	t.Helper()
	if err := ts.Client.CoreV1().Nodes().Delete(context.Background(), name, metav1.DeleteOptions{}); err != nil {
		t.Fatalf("deleting node %s: %v", name, err)
	}
}

// eventually polls cond every 50ms for up to 20s.
func eventually(t *testing.T, what string, cond func() (bool, string)) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		ok, state := cond()
		if ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s; last state: %s", what, state)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func waitPodCIDR(t *testing.T, ts *servertest.TestServer, name, want string) {
	t.Helper()
	eventually(t, fmt.Sprintf("node %s to get podCIDR %s", name, want), func() (bool, string) {
		n, err := ts.Client.CoreV1().Nodes().Get(context.Background(), name, metav1.GetOptions{})
		if err != nil {
			return false, err.Error()
		}
		ok := n.Spec.PodCIDR == want && len(n.Spec.PodCIDRs) == 1 && n.Spec.PodCIDRs[0] == want
		return ok, fmt.Sprintf("podCIDR=%q podCIDRs=%v", n.Spec.PodCIDR, n.Spec.PodCIDRs)
	})
}

func TestAllocateReleaseRestart(t *testing.T) {
	ts := servertest.Start(t, servertest.WithoutControllers())
	stop := startController(t, ts, 1, nodeipam.Config{})

	createNode(t, ts, "node-a", "")
	waitPodCIDR(t, ts, "node-a", "10.244.0.0/24")
	createNode(t, ts, "node-b", "")
	waitPodCIDR(t, ts, "node-b", "10.244.1.0/24")

	// Deleting a node releases its subnet; the lowest free one is reused.
	deleteNode(t, ts, "node-a")
	eventually(t, "node-a to be gone", func() (bool, string) {
		_, err := ts.Client.CoreV1().Nodes().Get(context.Background(), "node-a", metav1.GetOptions{})
		return apierrors.IsNotFound(err), fmt.Sprint(err)
	})
	// One worker handles the delete event before node-c's add event.
	createNode(t, ts, "node-c", "")
	eventually(t, "node-c to get a podCIDR", func() (bool, string) {
		n, err := ts.Client.CoreV1().Nodes().Get(context.Background(), "node-c", metav1.GetOptions{})
		if err != nil {
			return false, err.Error()
		}
		return n.Spec.PodCIDR != "", n.Spec.PodCIDR
	})
	n, _ := ts.Client.CoreV1().Nodes().Get(context.Background(), "node-c", metav1.GetOptions{})
	if n.Spec.PodCIDR != "10.244.0.0/24" {
		t.Fatalf("node-c got %s, want the released 10.244.0.0/24", n.Spec.PodCIDR)
	}

	// A node that already has a podCIDR keeps it and its subnet is taken.
	createNode(t, ts, "node-preset", "10.244.3.0/24")

	// Restart the controller and the server: the set is rebuilt from the
	// nodes, so the new node gets neither node-b's, node-c's nor
	// node-preset's subnet.
	stop()
	ts.Restart()
	startController(t, ts, 2, nodeipam.Config{})
	createNode(t, ts, "node-d", "")
	waitPodCIDR(t, ts, "node-d", "10.244.2.0/24")
	createNode(t, ts, "node-e", "")
	waitPodCIDR(t, ts, "node-e", "10.244.4.0/24")
	for name, want := range map[string]string{"node-b": "10.244.1.0/24", "node-c": "10.244.0.0/24", "node-preset": "10.244.3.0/24"} {
		waitPodCIDR(t, ts, name, want)
	}
}

func TestRangeFullEvent(t *testing.T) {
	ts := servertest.Start(t, servertest.WithoutControllers())
	startController(t, ts, 2, nodeipam.Config{ClusterCIDR: netip.MustParsePrefix("10.250.0.0/24"), NodeMaskSize: 25})

	createNode(t, ts, "n1", "")
	waitPodCIDR(t, ts, "n1", "10.250.0.0/25")
	createNode(t, ts, "n2", "")
	waitPodCIDR(t, ts, "n2", "10.250.0.128/25")
	createNode(t, ts, "n3", "")
	eventually(t, "a CIDRNotAvailable event for n3", func() (bool, string) {
		evs, err := ts.Client.CoreV1().Events("").List(context.Background(), metav1.ListOptions{
			FieldSelector: fields.OneTermEqualSelector("involvedObject.name", "n3").String(),
		})
		if err != nil {
			return false, err.Error()
		}
		for _, e := range evs.Items {
			if e.Reason == nodeipam.ReasonCIDRNotAvailable && e.Type == corev1.EventTypeWarning && e.InvolvedObject.Kind == "Node" {
				return true, ""
			}
		}
		return false, fmt.Sprintf("%d events", len(evs.Items))
	})
	n3, err := ts.Client.CoreV1().Nodes().Get(context.Background(), "n3", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if n3.Spec.PodCIDR != "" {
		t.Fatalf("n3 got %s from a full range", n3.Spec.PodCIDR)
	}
	// Freeing a subnet lets the waiting node have it.
	deleteNode(t, ts, "n1")
	waitPodCIDR(t, ts, "n3", "10.250.0.0/25")
}
