package namespace

import (
	"context"
	"errors"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/discovery"
	metadatafake "k8s.io/client-go/metadata/fake"
	clienttesting "k8s.io/client-go/testing"
)

// fakeDiscovery serves a fixed list of resources.
type fakeDiscovery struct {
	lists []*metav1.APIResourceList
	err   error
}

var _ discovery.ServerResourcesInterface = (*fakeDiscovery)(nil)

func (f *fakeDiscovery) ServerResourcesForGroupVersion(string) (*metav1.APIResourceList, error) {
	return nil, errors.New("not implemented")
}
func (f *fakeDiscovery) ServerGroupsAndResources() ([]*metav1.APIGroup, []*metav1.APIResourceList, error) {
	return nil, f.lists, f.err
}
func (f *fakeDiscovery) ServerPreferredResources() ([]*metav1.APIResourceList, error) {
	return f.lists, f.err
}
func (f *fakeDiscovery) ServerPreferredNamespacedResources() ([]*metav1.APIResourceList, error) {
	return f.lists, f.err
}

var (
	all      = []string{"create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"}
	noDelCol = []string{"create", "delete", "get", "list"}
	podsGVR  = schema.GroupVersionResource{Version: "v1", Resource: "pods"}
	cmGVR    = schema.GroupVersionResource{Version: "v1", Resource: "configmaps"}
	depGVR   = schema.GroupVersionResource{Group: "apps", Version: "v1", Resource: "deployments"}
)

func servedResources() []*metav1.APIResourceList {
	return []*metav1.APIResourceList{
		{GroupVersion: "v1", APIResources: []metav1.APIResource{
			{Name: "pods", Namespaced: true, Kind: "Pod", Verbs: all},
			{Name: "pods/status", Namespaced: true, Kind: "Pod", Verbs: []string{"get", "update"}},
			{Name: "configmaps", Namespaced: true, Kind: "ConfigMap", Verbs: all},
			{Name: "nodes", Namespaced: false, Kind: "Node", Verbs: all},
			{Name: "bindings", Namespaced: true, Kind: "Binding", Verbs: []string{"create"}},
		}},
		{GroupVersion: "apps/v1", APIResources: []metav1.APIResource{
			{Name: "deployments", Namespaced: true, Kind: "Deployment", Verbs: noDelCol},
		}},
	}
}

func pom(gvr schema.GroupVersionResource, kind, ns, name string, finalizers []string, grace time.Duration) *metav1.PartialObjectMetadata {
	o := &metav1.PartialObjectMetadata{
		TypeMeta:   metav1.TypeMeta{APIVersion: gvr.GroupVersion().String(), Kind: kind},
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name, Finalizers: finalizers},
	}
	if grace > 0 {
		o.Annotations = map[string]string{"test/grace": grace.String()}
	}
	return o
}

// newFakeMetadata returns a metadata fake whose deletes behave like the
// API server's: objects with finalizers or a grace period are only marked.
func newFakeMetadata(t *testing.T, now time.Time, objs map[schema.GroupVersionResource][]*metav1.PartialObjectMetadata) *metadatafake.FakeMetadataClient {
	scheme := metadatafake.NewTestScheme()
	metav1.AddMetaToScheme(scheme)
	c := metadatafake.NewSimpleMetadataClient(scheme)
	tr := c.Tracker()
	for gvr, list := range objs {
		for _, o := range list {
			if err := tr.Create(gvr, o, o.Namespace); err != nil {
				t.Fatal(err)
			}
		}
	}
	markOrDelete := func(gvr schema.GroupVersionResource, o *metav1.PartialObjectMetadata) error {
		g, _ := time.ParseDuration(o.Annotations["test/grace"])
		if len(o.Finalizers) == 0 && g == 0 {
			return tr.Delete(gvr, o.Namespace, o.Name)
		}
		if o.DeletionTimestamp == nil {
			ts := metav1.NewTime(now.Add(g))
			o.DeletionTimestamp = &ts
		}
		return tr.Update(gvr, o, o.Namespace)
	}
	c.PrependReactor("delete-collection", "*", func(a clienttesting.Action) (bool, runtime.Object, error) {
		list, err := tr.List(a.GetResource(), schema.GroupVersionKind{Group: "fake-metadata-client-group", Version: "v1"}, a.GetNamespace())
		if err != nil {
			return true, nil, err
		}
		for _, item := range list.(*metav1.List).Items {
			if err := markOrDelete(a.GetResource(), item.Object.(*metav1.PartialObjectMetadata).DeepCopy()); err != nil {
				return true, nil, err
			}
		}
		return true, nil, nil
	})
	c.PrependReactor("delete", "*", func(a clienttesting.Action) (bool, runtime.Object, error) {
		d := a.(clienttesting.DeleteAction)
		o, err := tr.Get(d.GetResource(), d.GetNamespace(), d.GetName())
		if err != nil {
			return true, nil, err
		}
		return true, nil, markOrDelete(d.GetResource(), o.(*metav1.PartialObjectMetadata).DeepCopy())
	})
	return c
}

func TestDeleteContent(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name          string
		objs          map[schema.GroupVersionResource][]*metav1.PartialObjectMetadata
		discErr       error
		wantRemaining map[string]int
		wantFinal     map[string]int
		wantEstimate  time.Duration
		wantEmpty     bool
	}{
		{
			name: "everything goes, other namespaces untouched",
			objs: map[schema.GroupVersionResource][]*metav1.PartialObjectMetadata{
				podsGVR: {pom(podsGVR, "Pod", "doomed", "p1", nil, 0), pom(podsGVR, "Pod", "other", "keep", nil, 0)},
				cmGVR:   {pom(cmGVR, "ConfigMap", "doomed", "c1", nil, 0)},
				depGVR:  {pom(depGVR, "Deployment", "doomed", "d1", nil, 0), pom(depGVR, "Deployment", "doomed", "d2", nil, 0)},
			},
			wantEmpty: true,
		},
		{
			name: "pods in their grace period and finalizers remain",
			objs: map[schema.GroupVersionResource][]*metav1.PartialObjectMetadata{
				podsGVR: {pom(podsGVR, "Pod", "doomed", "bound", nil, 30*time.Second), pom(podsGVR, "Pod", "doomed", "unbound", nil, 0)},
				cmGVR:   {pom(cmGVR, "ConfigMap", "doomed", "held", []string{"example.com/hold"}, 0)},
				depGVR:  {pom(depGVR, "Deployment", "doomed", "held", []string{"example.com/hold"}, 0)},
			},
			wantRemaining: map[string]int{"pods": 1, "configmaps": 1, "deployments.apps": 1},
			wantFinal:     map[string]int{"example.com/hold": 2},
			wantEstimate:  30 * time.Second,
		},
		{
			name:    "partial discovery failure keeps the namespace",
			objs:    map[schema.GroupVersionResource][]*metav1.PartialObjectMetadata{cmGVR: {pom(cmGVR, "ConfigMap", "doomed", "c1", nil, 0)}},
			discErr: errors.New("metrics.example.com/v1 unavailable"),
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			md := newFakeMetadata(t, now, tc.objs)
			d := &deleter{md: md, disc: &fakeDiscovery{lists: servedResources(), err: tc.discErr}}
			r := d.deleteContent(context.Background(), "doomed", now)
			if r.empty() != tc.wantEmpty {
				t.Errorf("empty() = %v, want %v (report %+v)", r.empty(), tc.wantEmpty, r)
			}
			if len(r.DeleteErrs) > 0 {
				t.Errorf("delete errors: %v", r.DeleteErrs)
			}
			if (r.DiscoveryErr != nil) != (tc.discErr != nil) {
				t.Errorf("DiscoveryErr = %v", r.DiscoveryErr)
			}
			if !mapsEqual(r.Remaining, tc.wantRemaining) || !mapsEqual(r.Finalizers, tc.wantFinal) {
				t.Errorf("remaining %v finalizers %v, want %v %v", r.Remaining, r.Finalizers, tc.wantRemaining, tc.wantFinal)
			}
			if r.Estimate != tc.wantEstimate {
				t.Errorf("Estimate = %v, want %v", r.Estimate, tc.wantEstimate)
			}
			// Other namespaces are never touched.
			for gvr, objs := range tc.objs {
				for _, o := range objs {
					if o.Namespace == "doomed" {
						continue
					}
					got, err := md.Resource(gvr).Namespace(o.Namespace).Get(context.Background(), o.Name, metav1.GetOptions{})
					if err != nil || got.DeletionTimestamp != nil {
						t.Errorf("%s %s/%s in another namespace was deleted (%v)", gvr.Resource, o.Namespace, o.Name, err)
					}
				}
			}
		})
	}
}

func mapsEqual(a, b map[string]int) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

func TestNamespacedResources(t *testing.T) {
	got, err := namespacedResources(&fakeDiscovery{lists: servedResources()})
	if err != nil {
		t.Fatal(err)
	}
	want := []resource{{GVR: cmGVR, DeleteCollection: true}, {GVR: depGVR}, {GVR: podsGVR, DeleteCollection: true}}
	if len(got) != len(want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("resource %d = %+v, want %+v", i, got[i], want[i])
		}
	}
}
