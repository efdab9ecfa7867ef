package namespace_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/metadata"

	"github.com/svcnet/svcnet/pkg/controller/namespace"
	"github.com/svcnet/svcnet/pkg/server/servertest"
)

func start(t *testing.T) (*servertest.TestServer, context.Context) {
	t.Helper()
	ts := servertest.Start(t, servertest.WithoutControllers())
	ctx, cancel := context.WithCancel(context.Background())
	f := informers.NewSharedInformerFactory(ts.Client, 0)
	c, err := namespace.New(namespace.Config{Client: ts.Client, Informers: f, Metadata: metadata.NewForConfigOrDie(ts.Config)})
	if err != nil {
		t.Fatal(err)
	}
	f.Start(ctx.Done())
	done := make(chan struct{})
	go func() { defer close(done); c.Run(ctx, 2) }()
	t.Cleanup(func() { cancel(); <-done; f.Shutdown() })
	return ts, ctx
}

func eventually(t *testing.T, what string, cond func() (bool, string)) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
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

func createNamespace(t *testing.T, ctx context.Context, ts *servertest.TestServer, name string) {
	t.Helper()
	if _, err := ts.Client.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
}

func pod(ns, name, node string, finalizers ...string) *corev1.Pod {
	return &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns, Labels: map[string]string{"app": "web"}, Finalizers: finalizers},
		Spec: corev1.PodSpec{NodeName: node, Containers: []corev1.Container{{Name: "c", Image: "nginx"}}}}
}

func namespaceGone(ctx context.Context, ts *servertest.TestServer, name string) func() (bool, string) {
	return func() (bool, string) {
		ns, err := ts.Client.CoreV1().Namespaces().Get(ctx, name, metav1.GetOptions{})
		if err == nil {
			return false, fmt.Sprintf("phase %s, spec.finalizers %v, conditions %v", ns.Status.Phase, ns.Spec.Finalizers, ns.Status.Conditions)
		}
		return apierrors.IsNotFound(err), err.Error()
	}
}

func TestDeleteNamespace(t *testing.T) {
	ts, ctx := start(t)
	const ns = "doomed"
	createNamespace(t, ctx, ts, ns)
	createNamespace(t, ctx, ts, "bystander")
	svc := &corev1.Service{ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: ns},
		Spec: corev1.ServiceSpec{Selector: map[string]string{"app": "web"}, Ports: []corev1.ServicePort{{Port: 80, TargetPort: intstr.FromInt32(8080)}}}}
	if _, err := ts.Client.CoreV1().Services(ns).Create(ctx, svc, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	for _, n := range []string{ns, "bystander"} {
		if _, err := ts.Client.CoreV1().ConfigMaps(n).Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "conf"}, Data: map[string]string{"k": "v"}}, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	for _, name := range []string{"web-1", "web-2"} {
		if _, err := ts.Client.CoreV1().Pods(ns).Create(ctx, pod(ns, name, ""), metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}

	if err := ts.Client.CoreV1().Namespaces().Delete(ctx, ns, metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	// Creating in a terminating namespace is refused.
	_, err := ts.Client.CoreV1().ConfigMaps(ns).Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "late"}}, metav1.CreateOptions{})
	if !apierrors.IsForbidden(err) && !apierrors.IsNotFound(err) {
		t.Fatalf("creating in a terminating namespace: err = %v, want Forbidden", err)
	}

	eventually(t, "the namespace to go", namespaceGone(ctx, ts, ns))
	svcs, err := ts.Client.CoreV1().Services(ns).List(ctx, metav1.ListOptions{})
	if err != nil || len(svcs.Items) != 0 {
		t.Errorf("services left: %v %v", svcs, err)
	}
	pods, err := ts.Client.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{})
	if err != nil || len(pods.Items) != 0 {
		t.Errorf("pods left: %v %v", pods, err)
	}
	cms, err := ts.Client.CoreV1().ConfigMaps(ns).List(ctx, metav1.ListOptions{})
	if err != nil || len(cms.Items) != 0 {
		t.Errorf("configmaps left: %v %v", cms, err)
	}
	// Other namespaces keep their content.
	if _, err := ts.Client.CoreV1().ConfigMaps("bystander").Get(ctx, "conf", metav1.GetOptions{}); err != nil {
		t.Errorf("bystander configmap: %v", err)
	}
	// The name is free again.
	createNamespace(t, ctx, ts, ns)
}

// TestRemainingContentKeepsNamespace: a pod bound to a node stays
// Terminating until its node confirms (here: a zero-grace delete, as the
// agent does), and an object with a finalizer stays until it is removed;
// meanwhile the namespace stays Terminating and says why.
func TestRemainingContentKeepsNamespace(t *testing.T) {
	ts, ctx := start(t)
	const ns = "slow"
	createNamespace(t, ctx, ts, ns)
	if _, err := ts.Client.CoreV1().Pods(ns).Create(ctx, pod(ns, "bound", "node-1"), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := ts.Client.CoreV1().ConfigMaps(ns).Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "held", Finalizers: []string{"example.com/hold"}}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := ts.Client.CoreV1().Namespaces().Delete(ctx, ns, metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the namespace to report remaining content", func() (bool, string) {
		n, err := ts.Client.CoreV1().Namespaces().Get(ctx, ns, metav1.GetOptions{})
		if err != nil {
			return false, err.Error()
		}
		var remaining, finalizers bool
		for _, c := range n.Status.Conditions {
			remaining = remaining || (c.Type == corev1.NamespaceContentRemaining && c.Status == corev1.ConditionTrue)
			finalizers = finalizers || (c.Type == corev1.NamespaceFinalizersRemaining && c.Status == corev1.ConditionTrue)
		}
		return n.Status.Phase == corev1.NamespaceTerminating && remaining && finalizers, fmt.Sprint(n.Status)
	})
	p, err := ts.Client.CoreV1().Pods(ns).Get(ctx, "bound", metav1.GetOptions{})
	if err != nil || p.DeletionTimestamp == nil {
		t.Fatalf("bound pod: deletionTimestamp=%v err=%v, want Terminating", p.DeletionTimestamp, err)
	}

	// The node confirms the pod stopped.
	zero := int64(0)
	if err := ts.Client.CoreV1().Pods(ns).Delete(ctx, "bound", metav1.DeleteOptions{GracePeriodSeconds: &zero}); err != nil {
		t.Fatal(err)
	}
	time.Sleep(3 * time.Second)
	if _, err := ts.Client.CoreV1().Namespaces().Get(ctx, ns, metav1.GetOptions{}); err != nil {
		t.Fatalf("namespace went while a configmap with a finalizer remained: %v", err)
	}
	if _, err := ts.Client.CoreV1().ConfigMaps(ns).Patch(ctx, "held", types.MergePatchType, []byte(`{"metadata":{"finalizers":null}}`), metav1.PatchOptions{}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the namespace to go", namespaceGone(ctx, ts, ns))
}
