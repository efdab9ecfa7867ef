package replicaset

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"
	"k8s.io/client-go/tools/record"
)

// fakeController is a controller on a fake clientset whose caches the test
// fills by hand, so it can be made as stale as the test wants.
type fakeController struct {
	*Controller
	client   *fake.Clientset
	factory  informers.SharedInformerFactory
	recorder *record.FakeRecorder
}

func newFakeController(t *testing.T, objs ...runtime.Object) *fakeController {
	t.Helper()
	client := fake.NewClientset(objs...)
	seq := 0
	client.PrependReactor("create", "pods", func(a k8stesting.Action) (bool, runtime.Object, error) {
		// The fake does not implement generateName.
		p := a.(k8stesting.CreateAction).GetObject().(*corev1.Pod)
		if p.Name == "" {
			seq++
			p.Name = fmt.Sprintf("%s%05d", p.GenerateName, seq)
		}
		return false, nil, nil
	})
	factory := informers.NewSharedInformerFactory(client, 0)
	ctl, err := New(Config{Client: client, Informers: factory})
	if err != nil {
		t.Fatal(err)
	}
	rec := record.NewFakeRecorder(100)
	ctl.recorder = rec
	ctl.now = func() time.Time { return t0 }
	for _, o := range objs {
		switch o := o.(type) {
		case *appsv1.ReplicaSet:
			factory.Apps().V1().ReplicaSets().Informer().GetIndexer().Add(o)
		case *corev1.Pod:
			factory.Core().V1().Pods().Informer().GetIndexer().Add(o)
		}
	}
	return &fakeController{Controller: ctl, client: client, factory: factory, recorder: rec}
}

func (f *fakeController) actions(verb, resource string) int {
	n := 0
	for _, a := range f.client.Actions() {
		if a.GetVerb() == verb && a.GetResource().Resource == resource && a.GetSubresource() == "" {
			n++
		}
	}
	return n
}

func drain(r *record.FakeRecorder) []string {
	var out []string
	for {
		select {
		case e := <-r.Events:
			out = append(out, e)
		default:
			return out
		}
	}
}

func TestSyncStaleCacheDoesNotOverCreate(t *testing.T) {
	rs := testRS("web", 3)
	f := newFakeController(t, rs)
	ctx := context.Background()
	for i := range 3 {
		if _, err := f.sync(ctx, "default/web"); err != nil {
			t.Fatalf("sync %d: %v", i, err)
		}
	}
	// The pod cache never saw the created pods: only expectations stop the
	// second and third syncs from creating again.
	if n := f.actions("create", "pods"); n != 3 {
		t.Fatalf("%d pod creations, want 3", n)
	}
	if adds, _ := f.exp.pending("default/web"); adds != 3 {
		t.Fatalf("pending creations = %d, want 3", adds)
	}
	// The informer delivers the pods: expectations are met, nothing more is created.
	pods, _ := f.client.CoreV1().Pods("default").List(ctx, metav1.ListOptions{})
	for i := range pods.Items {
		p := &pods.Items[i]
		if !strings.HasPrefix(p.GenerateName, "web-") {
			t.Errorf("pod generateName %q", p.GenerateName)
		}
		f.factory.Core().V1().Pods().Informer().GetIndexer().Add(p)
		f.addPod(p)
	}
	if !f.exp.satisfied("default/web") {
		t.Fatal("expectations not satisfied after the pods were observed")
	}
	if _, err := f.sync(ctx, "default/web"); err != nil {
		t.Fatal(err)
	}
	if n := f.actions("create", "pods"); n != 3 {
		t.Fatalf("%d pod creations after observing them, want 3", n)
	}
	events := drain(f.recorder)
	if len(events) != 3 || !strings.HasPrefix(events[0], "Normal SuccessfulCreate Created pod: ") {
		t.Fatalf("events = %q", events)
	}
}

func TestSyncCreateFailure(t *testing.T) {
	rs := testRS("web", 10)
	f := newFakeController(t, rs)
	f.client.PrependReactor("create", "pods", func(k8stesting.Action) (bool, runtime.Object, error) {
		return true, nil, errors.New("exceeded quota")
	})
	ctx := context.Background()
	_, err := f.sync(ctx, "default/web")
	if err == nil || !strings.Contains(err.Error(), "exceeded quota") {
		t.Fatalf("sync error = %v", err)
	}
	// Slow start: one failed request, not ten.
	if n := f.actions("create", "pods"); n != 1 {
		t.Fatalf("%d create attempts, want 1", n)
	}
	if !f.exp.satisfied("default/web") {
		t.Fatal("failed creations must not leave expectations behind")
	}
	got, err := f.client.AppsV1().ReplicaSets("default").Get(ctx, "web", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	c := findCondition(got.Status.Conditions, appsv1.ReplicaSetReplicaFailure)
	if c == nil || c.Reason != ReasonFailedCreate || !strings.Contains(c.Message, "exceeded quota") {
		t.Fatalf("ReplicaFailure = %+v", c)
	}
	if ev := drain(f.recorder); len(ev) != 1 || !strings.HasPrefix(ev[0], "Warning FailedCreate Error creating: ") {
		t.Fatalf("events = %q", ev)
	}
}

func TestSyncDeletesSurplusAndWaits(t *testing.T) {
	rs := testRS("web", 1)
	pods := manyPods(rs, 3)
	pods[1].Status.Conditions = nil // not ready: it goes first
	objs := []runtime.Object{rs}
	for _, p := range pods {
		objs = append(objs, p)
	}
	f := newFakeController(t, objs...)
	ctx := context.Background()
	if _, err := f.sync(ctx, "default/web"); err != nil {
		t.Fatal(err)
	}
	var deleted []string
	for _, a := range f.client.Actions() {
		if d, ok := a.(k8stesting.DeleteAction); ok && d.GetResource().Resource == "pods" {
			deleted = append(deleted, d.GetName())
		}
	}
	if len(deleted) != 2 || !contains(deleted, pods[1].Name) {
		t.Fatalf("deleted %v, want 2 including the unready %s", deleted, pods[1].Name)
	}
	// Until the cache shows the deletions, nothing more happens.
	if _, err := f.sync(ctx, "default/web"); err != nil {
		t.Fatal(err)
	}
	if n := f.actions("delete", "pods"); n != 2 {
		t.Fatalf("%d deletes, want 2", n)
	}
	for _, p := range pods {
		if contains(deleted, p.Name) {
			f.deletePod(p)
		}
	}
	if !f.exp.satisfied("default/web") {
		t.Fatal("expectations not satisfied after deletions were observed")
	}
}

func contains(s []string, v string) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}
