package gc_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/metadata"

	"github.com/svcnet/svcnet/pkg/controller/gc"
	"github.com/svcnet/svcnet/pkg/server/servertest"
)

const ns = "default"

func start(t *testing.T) (*servertest.TestServer, context.Context) {
	t.Helper()
	ts := servertest.Start(t, servertest.WithoutControllers())
	ctx, cancel := context.WithCancel(context.Background())
	c, err := gc.New(gc.Config{Client: ts.Client, Metadata: metadata.NewForConfigOrDie(ts.Config)})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { defer close(done); c.Run(ctx, 2) }()
	t.Cleanup(func() { cancel(); <-done })
	return ts, ctx
}

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

var labels = map[string]string{"app": "web"}

func template() corev1.PodTemplateSpec {
	return corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: labels},
		Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "nginx"}}}}
}

func createRS(t *testing.T, ctx context.Context, ts *servertest.TestServer, name string, owner *metav1.OwnerReference) *appsv1.ReplicaSet {
	t.Helper()
	rs := &appsv1.ReplicaSet{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns},
		Spec: appsv1.ReplicaSetSpec{Selector: &metav1.LabelSelector{MatchLabels: labels}, Template: template()}}
	if owner != nil {
		rs.OwnerReferences = []metav1.OwnerReference{*owner}
	}
	rs, err := ts.Client.AppsV1().ReplicaSets(ns).Create(ctx, rs, metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("creating replicaset %s: %v", name, err)
	}
	return rs
}

func ownerRef(apiVersion, kind, name string, uid types.UID, block bool) metav1.OwnerReference {
	yes := true
	return metav1.OwnerReference{APIVersion: apiVersion, Kind: kind, Name: name, UID: uid, Controller: &yes, BlockOwnerDeletion: &block}
}

func rsRef(rs *appsv1.ReplicaSet) metav1.OwnerReference {
	return ownerRef("apps/v1", "ReplicaSet", rs.Name, rs.UID, true)
}

func createPod(t *testing.T, ctx context.Context, ts *servertest.TestServer, name string, finalizers []string, owners ...metav1.OwnerReference) {
	t.Helper()
	p := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns, Labels: labels, OwnerReferences: owners, Finalizers: finalizers},
		Spec: template().Spec}
	if _, err := ts.Client.CoreV1().Pods(ns).Create(ctx, p, metav1.CreateOptions{}); err != nil {
		t.Fatalf("creating pod %s: %v", name, err)
	}
}

func podGone(ctx context.Context, ts *servertest.TestServer, name string) func() (bool, string) {
	return func() (bool, string) {
		p, err := ts.Client.CoreV1().Pods(ns).Get(ctx, name, metav1.GetOptions{})
		if err == nil {
			return false, fmt.Sprintf("pod %s exists (deletionTimestamp %v)", name, p.DeletionTimestamp)
		}
		return apierrors.IsNotFound(err), err.Error()
	}
}

func rsGone(ctx context.Context, ts *servertest.TestServer, name string) func() (bool, string) {
	return func() (bool, string) {
		rs, err := ts.Client.AppsV1().ReplicaSets(ns).Get(ctx, name, metav1.GetOptions{})
		if err == nil {
			return false, fmt.Sprintf("replicaset %s exists (finalizers %v)", name, rs.Finalizers)
		}
		return apierrors.IsNotFound(err), err.Error()
	}
}

func deleteRS(t *testing.T, ctx context.Context, ts *servertest.TestServer, name string, policy metav1.DeletionPropagation) {
	t.Helper()
	if err := ts.Client.AppsV1().ReplicaSets(ns).Delete(ctx, name, metav1.DeleteOptions{PropagationPolicy: &policy}); err != nil {
		t.Fatalf("deleting replicaset %s: %v", name, err)
	}
}

func TestBackground(t *testing.T) {
	ts, ctx := start(t)
	rs := createRS(t, ctx, ts, "web", nil)
	keeper, err := ts.Client.CoreV1().ConfigMaps(ns).Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "keeper", Namespace: ns}}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	keeperRef := ownerRef("v1", "ConfigMap", "keeper", keeper.UID, false)
	*keeperRef.Controller = false
	createPod(t, ctx, ts, "web-1", nil, rsRef(rs))
	createPod(t, ctx, ts, "web-2", nil, rsRef(rs))
	createPod(t, ctx, ts, "shared", nil, rsRef(rs), keeperRef)
	// A pod that names a replicaset of the same name but another UID: its
	// owner is gone even though the name exists.
	createPod(t, ctx, ts, "stale", nil, ownerRef("apps/v1", "ReplicaSet", "web", "not-the-uid", true))
	eventually(t, "the pod with a stale owner to go", podGone(ctx, ts, "stale"))

	// The live owners keep their dependents.
	time.Sleep(500 * time.Millisecond)
	for _, name := range []string{"web-1", "web-2", "shared"} {
		if _, err := ts.Client.CoreV1().Pods(ns).Get(ctx, name, metav1.GetOptions{}); err != nil {
			t.Fatalf("pod %s with a live owner: %v", name, err)
		}
	}

	deleteRS(t, ctx, ts, "web", metav1.DeletePropagationBackground)
	eventually(t, "the replicaset to go at once", rsGone(ctx, ts, "web"))
	eventually(t, "web-1 to go", podGone(ctx, ts, "web-1"))
	eventually(t, "web-2 to go", podGone(ctx, ts, "web-2"))
	// A dependent with another live owner stays and loses the dead reference.
	eventually(t, "shared to keep only its live owner", func() (bool, string) {
		p, err := ts.Client.CoreV1().Pods(ns).Get(ctx, "shared", metav1.GetOptions{})
		if err != nil {
			return false, err.Error()
		}
		return len(p.OwnerReferences) == 1 && p.OwnerReferences[0].UID == keeper.UID && p.DeletionTimestamp == nil, fmt.Sprint(p.OwnerReferences)
	})
}

func TestForeground(t *testing.T) {
	ts, ctx := start(t)
	dep, err := ts.Client.AppsV1().Deployments(ns).Create(ctx, &appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: ns},
		Spec: appsv1.DeploymentSpec{Selector: &metav1.LabelSelector{MatchLabels: labels}, Template: template()}}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	depRef := ownerRef("apps/v1", "Deployment", "web", dep.UID, true)
	rs := createRS(t, ctx, ts, "web-abc", &depRef)
	createPod(t, ctx, ts, "web-abc-1", nil, rsRef(rs))
	// A pod held by a finalizer of its own keeps the whole chain waiting.
	createPod(t, ctx, ts, "web-abc-held", []string{"example.com/hold"}, rsRef(rs))
	time.Sleep(300 * time.Millisecond)

	policy := metav1.DeletePropagationForeground
	if err := ts.Client.AppsV1().Deployments(ns).Delete(ctx, "web", metav1.DeleteOptions{PropagationPolicy: &policy}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "web-abc-1 to go", podGone(ctx, ts, "web-abc-1"))
	eventually(t, "the held pod to be marked for deletion", func() (bool, string) {
		p, err := ts.Client.CoreV1().Pods(ns).Get(ctx, "web-abc-held", metav1.GetOptions{})
		if err != nil {
			return false, err.Error()
		}
		return p.DeletionTimestamp != nil, "not marked"
	})
	// While the held pod exists, its owners wait, in the foreground.
	time.Sleep(500 * time.Millisecond)
	gotRS, err := ts.Client.AppsV1().ReplicaSets(ns).Get(ctx, "web-abc", metav1.GetOptions{})
	if err != nil {
		t.Fatalf("replicaset went before its blocking pod: %v", err)
	}
	if gotRS.DeletionTimestamp == nil || !has(gotRS.Finalizers, metav1.FinalizerDeleteDependents) {
		t.Fatalf("replicaset deletionTimestamp=%v finalizers=%v, want foreground deletion", gotRS.DeletionTimestamp, gotRS.Finalizers)
	}
	gotDep, err := ts.Client.AppsV1().Deployments(ns).Get(ctx, "web", metav1.GetOptions{})
	if err != nil {
		t.Fatalf("deployment went before its dependents: %v", err)
	}
	if !has(gotDep.Finalizers, metav1.FinalizerDeleteDependents) {
		t.Fatalf("deployment finalizers = %v", gotDep.Finalizers)
	}

	// Release the held pod: the chain unwinds.
	if _, err := ts.Client.CoreV1().Pods(ns).Patch(ctx, "web-abc-held", types.MergePatchType, []byte(`{"metadata":{"finalizers":null}}`), metav1.PatchOptions{}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the held pod to go", podGone(ctx, ts, "web-abc-held"))
	eventually(t, "the replicaset to go", rsGone(ctx, ts, "web-abc"))
	eventually(t, "the deployment to go", func() (bool, string) {
		_, err := ts.Client.AppsV1().Deployments(ns).Get(ctx, "web", metav1.GetOptions{})
		return apierrors.IsNotFound(err), fmt.Sprint(err)
	})
}

func TestOrphan(t *testing.T) {
	ts, ctx := start(t)
	rs := createRS(t, ctx, ts, "web", nil)
	createPod(t, ctx, ts, "web-1", nil, rsRef(rs))
	createPod(t, ctx, ts, "web-2", nil, rsRef(rs))
	time.Sleep(300 * time.Millisecond)

	deleteRS(t, ctx, ts, "web", metav1.DeletePropagationOrphan)
	eventually(t, "the replicaset to go", rsGone(ctx, ts, "web"))
	for _, name := range []string{"web-1", "web-2"} {
		p, err := ts.Client.CoreV1().Pods(ns).Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			t.Fatalf("orphaned pod %s: %v", name, err)
		}
		if len(p.OwnerReferences) != 0 || p.DeletionTimestamp != nil {
			t.Fatalf("orphaned pod %s: ownerReferences=%v deletionTimestamp=%v", name, p.OwnerReferences, p.DeletionTimestamp)
		}
	}
	// And they stay.
	time.Sleep(500 * time.Millisecond)
	for _, name := range []string{"web-1", "web-2"} {
		if _, err := ts.Client.CoreV1().Pods(ns).Get(ctx, name, metav1.GetOptions{}); err != nil {
			t.Fatalf("orphaned pod %s later: %v", name, err)
		}
	}
}

func has(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
