package integration

import (
	"context"
	"fmt"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/apimachinery/pkg/watch"
	clientfeatures "k8s.io/client-go/features"
	clientfeaturestesting "k8s.io/client-go/features/testing"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/cache"

	"github.com/svcnet/svcnet/pkg/server/servertest"
	etcdstore "github.com/svcnet/svcnet/pkg/storage/etcd"
)

func TestWatchFromResourceVersion(t *testing.T) {
	ts := servertest.Start(t, servertest.WithoutControllers())
	ctx := testCtx(t, time.Minute)
	cms := ts.Client.CoreV1().ConfigMaps("default")
	first, err := cms.Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "a"}}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cms.Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "b", Labels: map[string]string{"x": "1"}}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := cms.Delete(ctx, "a", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	// From the first create's version: the later create and the delete.
	w, err := cms.Watch(ctx, metav1.ListOptions{ResourceVersion: first.ResourceVersion})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Stop()
	want := []string{"ADDED b", "DELETED a"}
	for _, exp := range want {
		select {
		case ev := <-w.ResultChan():
			got := fmt.Sprintf("%s %s", ev.Type, ev.Object.(*corev1.ConfigMap).Name)
			if got != exp {
				t.Fatalf("event %q, want %q", got, exp)
			}
		case <-ctx.Done():
			t.Fatalf("missing event %q", exp)
		}
	}
	// A label-selected watch sees an object leave its selection as DELETED.
	sel, err := cms.Watch(ctx, metav1.ListOptions{LabelSelector: "x=1", ResourceVersion: first.ResourceVersion})
	if err != nil {
		t.Fatal(err)
	}
	defer sel.Stop()
	<-sel.ResultChan() // ADDED b
	b, _ := cms.Get(ctx, "b", metav1.GetOptions{})
	b.Labels = nil
	if _, err := cms.Update(ctx, b, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	select {
	case ev := <-sel.ResultChan():
		if ev.Type != watch.Deleted {
			t.Fatalf("object leaving the selector: %s, want DELETED", ev.Type)
		}
	case <-ctx.Done():
		t.Fatal("no event when the object left the selector")
	}
}

func TestWatchBookmarks(t *testing.T) {
	ts := servertest.Start(t, servertest.WithoutControllers())
	ctx := testCtx(t, time.Minute)
	list, err := ts.Client.CoreV1().Services("default").List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	w, err := ts.Client.CoreV1().Services("default").Watch(ctx, metav1.ListOptions{ResourceVersion: list.ResourceVersion, AllowWatchBookmarks: true})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Stop()
	// etcd sends progress notifications every 5 s on an idle watch.
	select {
	case ev := <-w.ResultChan():
		if ev.Type != watch.Bookmark {
			t.Fatalf("got %s, want BOOKMARK", ev.Type)
		}
		if rv := ev.Object.(*corev1.Service).ResourceVersion; rv == "" {
			t.Fatal("bookmark without resourceVersion")
		}
	case <-time.After(20 * time.Second):
		t.Fatal("no bookmark within 20s")
	}
}

func TestWatchGoneAfterCompaction(t *testing.T) {
	ts := servertest.Start(t, servertest.WithoutControllers())
	ctx := testCtx(t, time.Minute)
	cms := ts.Client.CoreV1().ConfigMaps("default")
	old, err := cms.Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "old"}}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 3; i++ {
		if _, err := cms.Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("n%d", i)}}, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	client, err := etcdstore.NewClient([]string{ts.EtcdEndpoint()})
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	rev, err := ts.Store().Revision(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := client.Compact(ctx, rev, clientv3.WithCompactPhysical()); err != nil {
		t.Fatal(err)
	}
	w, err := cms.Watch(ctx, metav1.ListOptions{ResourceVersion: old.ResourceVersion})
	if err != nil {
		wantStatus(t, err, 410)
		return
	}
	defer w.Stop()
	select {
	case ev := <-w.ResultChan():
		st, ok := ev.Object.(*metav1.Status)
		if ev.Type != watch.Error || !ok || st.Code != 410 {
			t.Fatalf("watch from a compacted version: %s %+v, want ERROR 410", ev.Type, ev.Object)
		}
		if !apierrors.IsResourceExpired(apierrors.FromObject(ev.Object)) && !apierrors.IsGone(apierrors.FromObject(ev.Object)) {
			t.Fatalf("not an expired/gone status: %+v", st)
		}
	case <-ctx.Done():
		t.Fatal("no error event for a compacted version")
	}
	// A list at a compacted version is refused too.
	_, err = cms.List(ctx, metav1.ListOptions{ResourceVersion: old.ResourceVersion, ResourceVersionMatch: metav1.ResourceVersionMatchExact})
	wantStatus(t, err, 410)
}

// TestInformersSync runs client-go informers on services and
// endpointslices with watch-list on and off.
func TestInformersSync(t *testing.T) {
	ts := servertest.Start(t, servertest.WithoutControllers())
	for _, watchList := range []bool{true, false} {
		t.Run(fmt.Sprintf("watchList=%v", watchList), func(t *testing.T) {
			ctx := testCtx(t, time.Minute)
			cfg := rest.CopyConfig(ts.Config)
			// client-go's WatchListClient gate is on by default from 1.35;
			// off, informers fall back to list and watch.
			clientfeaturestesting.SetFeatureDuringTest(t, clientfeatures.WatchListClient, watchList)
			var watchListRequests atomic.Int64
			cfg.Wrap(func(rt http.RoundTripper) http.RoundTripper {
				return roundTripFunc(func(r *http.Request) (*http.Response, error) {
					if r.URL.Query().Get("sendInitialEvents") == "true" {
						watchListRequests.Add(1)
					}
					return rt.RoundTrip(r)
				})
			})
			client := kubernetes.NewForConfigOrDie(cfg)
			name := fmt.Sprintf("inf-%v", watchList)
			if _, err := ts.Client.CoreV1().Services("default").Create(ctx, svc(name, "", 80), metav1.CreateOptions{}); err != nil {
				t.Fatal(err)
			}
			factory := informers.NewSharedInformerFactory(client, 0)
			svcInf := factory.Core().V1().Services().Informer()
			sliceInf := factory.Discovery().V1().EndpointSlices().Informer()
			var added atomic.Int64
			svcInf.AddEventHandler(cache.ResourceEventHandlerFuncs{AddFunc: func(any) { added.Add(1) }})
			stop := make(chan struct{})
			defer close(stop)
			factory.Start(stop)
			syncCtx, cancel := context.WithTimeout(ctx, 20*time.Second)
			defer cancel()
			if !cache.WaitForCacheSync(syncCtx.Done(), svcInf.HasSynced, sliceInf.HasSynced) {
				t.Fatal("informers did not sync")
			}
			if _, ok, _ := svcInf.GetStore().GetByKey("default/" + name); !ok {
				t.Fatal("synced service cache misses the service")
			}
			if _, ok, _ := sliceInf.GetStore().GetByKey("default/kubernetes"); !ok {
				t.Fatal("synced slice cache misses default/kubernetes")
			}
			// Later changes arrive through the watch.
			if _, err := ts.Client.DiscoveryV1().EndpointSlices("default").Create(ctx, &discoveryv1.EndpointSlice{
				ObjectMeta: metav1.ObjectMeta{Name: name + "-x"}, AddressType: discoveryv1.AddressTypeIPv4}, metav1.CreateOptions{}); err != nil {
				t.Fatal(err)
			}
			if err := wait.PollUntilContextTimeout(ctx, 20*time.Millisecond, 10*time.Second, true, func(context.Context) (bool, error) {
				_, ok, _ := sliceInf.GetStore().GetByKey("default/" + name + "-x")
				return ok, nil
			}); err != nil {
				t.Fatal("informer missed a later create")
			}
			if watchList && watchListRequests.Load() == 0 {
				t.Fatal("watch-list was enabled but no sendInitialEvents request was made")
			}
			if !watchList && watchListRequests.Load() != 0 {
				t.Fatal("watch-list was disabled but sendInitialEvents requests were made")
			}
		})
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }
