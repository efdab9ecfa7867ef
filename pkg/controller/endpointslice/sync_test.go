package endpointslice

import (
	"context"
	"errors"
	"testing"

	discoveryv1 "k8s.io/api/discovery/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"
	"k8s.io/client-go/tools/record"
)

// TestSyncStaleCache drives sync directly, with informer caches that the
// test fills by hand, and checks that a cache that has not yet seen the
// controller's own write makes the sync wait rather than write a
// duplicate slice.
func TestSyncStaleCache(t *testing.T) {
	client := fake.NewClientset()
	// The fake client does not assign names or resourceVersions; do it
	// as the API server would.
	n := 0
	client.PrependReactor("create", "endpointslices", func(a k8stesting.Action) (bool, runtime.Object, error) {
		s := a.(k8stesting.CreateAction).GetObject().(*discoveryv1.EndpointSlice)
		n++
		s.Name = s.GenerateName + string(rune('a'+n))
		s.UID = types.UID(s.Name)
		s.ResourceVersion = "100"
		return false, nil, nil
	})
	factory := informers.NewSharedInformerFactory(client, 0)
	ctl, err := New(Config{Client: client, Informers: factory, Recorder: record.NewFakeRecorder(10)})
	if err != nil {
		t.Fatal(err)
	}
	svc := newService("web")
	must(t, factory.Core().V1().Services().Informer().GetIndexer().Add(svc))
	for _, p := range pods(3, "web") {
		must(t, factory.Core().V1().Pods().Informer().GetIndexer().Add(p))
	}
	ctx := context.Background()

	if err := ctl.sync(ctx, "default/web"); err != nil {
		t.Fatalf("first sync: %v", err)
	}
	created := countActions(client, "create")
	if created != 1 {
		t.Fatalf("first sync created %d slices, want 1", created)
	}

	// The cache has not seen the new slice yet: the next sync must not
	// create another.
	if err := ctl.sync(ctx, "default/web"); !errors.Is(err, errStaleCache) {
		t.Fatalf("sync with a stale cache: %v, want errStaleCache", err)
	}
	if got := countActions(client, "create"); got != created {
		t.Fatalf("stale sync created a duplicate slice")
	}

	// Once the informer delivers the slice, the sync is a no-op.
	list, err := client.DiscoveryV1().EndpointSlices("default").List(ctx, metav1.ListOptions{})
	if err != nil || len(list.Items) != 1 {
		t.Fatalf("listing slices: %v, %d", err, len(list.Items))
	}
	must(t, factory.Discovery().V1().EndpointSlices().Informer().GetIndexer().Add(&list.Items[0]))
	before := len(client.Actions())
	if err := ctl.sync(ctx, "default/web"); err != nil {
		t.Fatalf("sync with a current cache: %v", err)
	}
	for _, a := range client.Actions()[before:] {
		if a.GetVerb() != "list" && a.GetVerb() != "watch" && a.GetVerb() != "get" {
			t.Errorf("current cache: unexpected %s %s", a.GetVerb(), a.GetResource().Resource)
		}
	}

}

func countActions(c *fake.Clientset, verb string) int {
	n := 0
	for _, a := range c.Actions() {
		if a.GetVerb() == verb && a.GetResource().Resource == "endpointslices" {
			n++
		}
	}
	return n
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
