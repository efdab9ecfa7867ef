package etcd

import (
	"context"
	"strconv"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/watch"

	"github.com/svcnet/svcnet/pkg/apis/scheme"
	"github.com/svcnet/svcnet/pkg/storage"
)

// newTestStore starts an embedded etcd and a Store of ConfigMaps on it.
func newTestStore(t *testing.T) *Store {
	t.Helper()
	e, err := StartEmbedded(context.Background(), EmbeddedConfig{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(e.Close)
	sch := scheme.New()
	codecs := scheme.Codecs(sch)
	var codec runtime.Codec
	for _, info := range codecs.SupportedMediaTypes() {
		if info.MediaType == runtime.ContentTypeProtobuf {
			codec = codecs.CodecForVersions(info.Serializer, codecs.UniversalDeserializer(), corev1.SchemeGroupVersion, corev1.SchemeGroupVersion)
		}
	}
	s, err := New(Config{Client: e.Client, Codec: codec,
		NewFunc: func(string) (runtime.Object, error) { return &corev1.ConfigMap{}, nil }})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func cm(name string) *corev1.ConfigMap {
	return &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "default"}, Data: map[string]string{"k": name}}
}

func TestCreateGetUpdateDelete(t *testing.T) {
	s := newTestStore(t)
	ctx := context.Background()
	created, err := s.Create(ctx, "/cm/default/a", cm("a"), []storage.Op{{Type: storage.OpCreate, Key: "/alloc/1", Value: []byte("a")}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Create(ctx, "/cm/default/a", cm("a"), nil); err == nil {
		t.Fatal("second create of the same key succeeded")
	} else if k, ok := storage.IsKeyExists(err); !ok || k != "/cm/default/a" {
		t.Fatalf("want KeyExists for the object key, got %v", err)
	}
	// A create whose extra op key exists fails as a whole and names that key.
	_, err = s.Create(ctx, "/cm/default/b", cm("b"), []storage.Op{{Type: storage.OpCreate, Key: "/alloc/1", Value: []byte("b")}})
	if k, ok := storage.IsKeyExists(err); !ok || k != "/alloc/1" {
		t.Fatalf("want KeyExists for /alloc/1, got %v", err)
	}
	if _, err := s.Get(ctx, "/cm/default/b"); !storage.IsNotFound(err) {
		t.Fatalf("a failed transaction stored its object: %v", err)
	}
	got, err := s.Get(ctx, "/cm/default/a")
	if err != nil || got.(*corev1.ConfigMap).ResourceVersion != created.(*corev1.ConfigMap).ResourceVersion {
		t.Fatalf("get: %v", err)
	}
	calls := 0
	updated, err := s.Update(ctx, "/cm/default/a", func(cur runtime.Object) (runtime.Object, []storage.Op, error) {
		calls++
		c := cur.(*corev1.ConfigMap)
		if calls == 1 {
			// A concurrent writer changes the key between read and write.
			if _, err := s.Update(ctx, "/cm/default/a", func(o runtime.Object) (runtime.Object, []storage.Op, error) {
				o.(*corev1.ConfigMap).Data["k"] = "concurrent"
				return o, nil, nil
			}); err != nil {
				t.Fatal(err)
			}
		}
		c.Data["n"] = "1"
		return c, nil, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if calls != 2 || updated.(*corev1.ConfigMap).Data["k"] != "concurrent" {
		t.Fatalf("update did not retry on the concurrent write: calls=%d data=%v", calls, updated.(*corev1.ConfigMap).Data)
	}
	if _, err := s.Delete(ctx, "/cm/default/a", func(runtime.Object) ([]storage.Op, error) {
		return []storage.Op{{Type: storage.OpDelete, Key: "/alloc/1"}}, nil
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.GetRaw(ctx, "/alloc/1"); !storage.IsNotFound(err) {
		t.Fatalf("delete's extra op did not commit: %v", err)
	}
}

func TestListPaginationAndPredicate(t *testing.T) {
	s := newTestStore(t)
	ctx := context.Background()
	for _, n := range []string{"a", "b", "c", "d", "e"} {
		if _, err := s.Create(ctx, "/cm/default/"+n, cm(n), nil); err != nil {
			t.Fatal(err)
		}
	}
	notC := func(o runtime.Object) bool { return o.(*corev1.ConfigMap).Name != "c" }
	var names []string
	opts := storage.ListOptions{Limit: 2, Predicate: notC}
	for {
		res, err := s.List(ctx, "/cm/default", opts)
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range res.Items {
			names = append(names, o.(*corev1.ConfigMap).Name)
		}
		if res.Continue == "" {
			break
		}
		opts.Continue = res.Continue
	}
	if got := len(names); got != 4 || names[0] != "a" || names[3] != "e" {
		t.Fatalf("paginated names %v", names)
	}
}

func TestWatchProgressBecomesBookmark(t *testing.T) {
	s := newTestStore(t)
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	created, err := s.Create(ctx, "/cm/default/a", cm("a"), nil)
	if err != nil {
		t.Fatal(err)
	}
	rv := created.(*corev1.ConfigMap).ResourceVersion
	w, err := s.Watch(ctx, "/cm/", storage.WatchOptions{ResourceVersion: mustRV(t, rv), ProgressNotify: true, NewObject: func() runtime.Object { return &corev1.ConfigMap{} }})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Stop()
	select {
	case ev := <-w.ResultChan():
		if ev.Type != watch.Bookmark || mustRV(t, ev.Object.(*corev1.ConfigMap).ResourceVersion) < mustRV(t, rv) {
			t.Fatalf("got %s %v, want a BOOKMARK at or after %s", ev.Type, ev.Object, rv)
		}
	case <-ctx.Done():
		t.Fatal("no bookmark")
	}
}

func mustRV(t *testing.T, rv string) int64 {
	t.Helper()
	n, err := strconv.ParseInt(rv, 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	return n
}
