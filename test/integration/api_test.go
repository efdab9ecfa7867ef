package integration

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/utils/ptr"

	"github.com/svcnet/svcnet/pkg/server/servertest"
)

func pod(name string, labels map[string]string) *corev1.Pod {
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: name, Labels: labels},
		Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "nginx"}}},
	}
}

func TestOptimisticConcurrency(t *testing.T) {
	ts := servertest.Start(t, servertest.WithoutControllers())
	ctx := testCtx(t, time.Minute)
	cms := ts.Client.CoreV1().ConfigMaps("default")
	cm, err := cms.Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "cfg"}, Data: map[string]string{"a": "1"}}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	stale := cm.DeepCopy()
	cm.Data["a"] = "2"
	updated, err := cms.Update(ctx, cm, metav1.UpdateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if updated.ResourceVersion == stale.ResourceVersion {
		t.Fatal("resourceVersion did not change on update")
	}
	stale.Data["a"] = "3"
	_, err = cms.Update(ctx, stale, metav1.UpdateOptions{})
	wantStatus(t, err, 409, "the object has been modified")
	if !apierrors.IsConflict(err) {
		t.Fatalf("want Conflict, got %v", err)
	}
	_, err = cms.Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "cfg"}}, metav1.CreateOptions{})
	wantStatus(t, err, 409, `configmaps "cfg" already exists`)
	// A no-op update keeps the resourceVersion.
	same, err := cms.Update(ctx, updated, metav1.UpdateOptions{})
	if err != nil || same.ResourceVersion != updated.ResourceVersion {
		t.Fatalf("no-op update changed resourceVersion %s -> %s (%v)", updated.ResourceVersion, same.ResourceVersion, err)
	}
}

func TestListSelectorsAndPagination(t *testing.T) {
	ts := servertest.Start(t, servertest.WithoutControllers())
	ctx := testCtx(t, time.Minute)
	pods := ts.Client.CoreV1().Pods("default")
	for i := 0; i < 25; i++ {
		app := "a"
		if i%5 == 0 {
			app = "b"
		}
		p := pod(fmt.Sprintf("p%02d", i), map[string]string{"app": app})
		if i < 3 {
			p.Spec.NodeName = "node1"
		}
		if _, err := pods.Create(ctx, p, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	cases := []struct {
		name   string
		opts   metav1.ListOptions
		expect int
	}{
		{"all", metav1.ListOptions{}, 25},
		{"label equality", metav1.ListOptions{LabelSelector: "app=b"}, 5},
		{"label set", metav1.ListOptions{LabelSelector: "app in (a,b),app!=a"}, 5},
		{"metadata.name", metav1.ListOptions{FieldSelector: "metadata.name=p07"}, 1},
		{"spec.nodeName", metav1.ListOptions{FieldSelector: "spec.nodeName=node1"}, 3},
		{"status.phase", metav1.ListOptions{FieldSelector: "status.phase=Pending"}, 25},
		{"both", metav1.ListOptions{LabelSelector: "app=b", FieldSelector: "spec.nodeName=node1"}, 1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			list, err := pods.List(ctx, c.opts)
			if err != nil {
				t.Fatal(err)
			}
			if len(list.Items) != c.expect {
				t.Fatalf("got %d items, want %d", len(list.Items), c.expect)
			}
		})
	}
	_, err := pods.List(ctx, metav1.ListOptions{FieldSelector: "spec.bogus=x"})
	wantStatus(t, err, 400, "field label not supported: spec.bogus")

	// Pagination: pages of 10 at one revision, with a filter applied.
	var names []string
	opts := metav1.ListOptions{Limit: 10, LabelSelector: "app=a"}
	pages := 0
	for {
		page, err := pods.List(ctx, opts)
		if err != nil {
			t.Fatal(err)
		}
		pages++
		if len(page.Items) > 10 {
			t.Fatalf("page of %d items exceeds limit 10", len(page.Items))
		}
		for _, p := range page.Items {
			names = append(names, p.Name)
		}
		if page.Continue == "" {
			break
		}
		opts.Continue = page.Continue
	}
	if len(names) != 20 || pages != 2 {
		t.Fatalf("paginated %d items in %d pages, want 20 in 2", len(names), pages)
	}
	_, err = pods.List(ctx, metav1.ListOptions{Limit: 5, Continue: "garbage"})
	wantStatus(t, err, 400)
	// Services by clusterIP.
	s, err := ts.Client.CoreV1().Services("default").Create(ctx, svc("web", "", 80), metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	list, err := ts.Client.CoreV1().Services("").List(ctx, metav1.ListOptions{FieldSelector: "spec.clusterIP=" + s.Spec.ClusterIP})
	if err != nil || len(list.Items) != 1 || list.Items[0].Name != "web" {
		t.Fatalf("spec.clusterIP selector: %v %d", err, len(list.Items))
	}
}

func TestPatches(t *testing.T) {
	ts := servertest.Start(t, servertest.WithoutControllers())
	ctx := testCtx(t, time.Minute)
	svcs := ts.Client.CoreV1().Services("default")
	if _, err := svcs.Create(ctx, svc("web", "", 80), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name  string
		typ   types.PatchType
		patch string
		check func(*corev1.Service) error
	}{
		{"merge label", types.MergePatchType, `{"metadata":{"labels":{"tier":"front"}}}`, func(s *corev1.Service) error {
			if s.Labels["tier"] != "front" || s.Labels["app"] != "web" {
				return fmt.Errorf("labels %v", s.Labels)
			}
			return nil
		}},
		{"json patch", types.JSONPatchType, `[{"op":"replace","path":"/spec/ports/0/targetPort","value":8080}]`, func(s *corev1.Service) error {
			if s.Spec.Ports[0].TargetPort.IntValue() != 8080 {
				return fmt.Errorf("targetPort %v", s.Spec.Ports[0].TargetPort)
			}
			return nil
		}},
		{"strategic merge names a port by key", types.StrategicMergePatchType, `{"spec":{"ports":[{"port":80,"name":"http"}]}}`, func(s *corev1.Service) error {
			// Ports merge by their port number: the existing port gets a name.
			if len(s.Spec.Ports) != 1 || s.Spec.Ports[0].Name != "http" || s.Spec.Ports[0].TargetPort.IntValue() != 8080 {
				return fmt.Errorf("ports %+v", s.Spec.Ports)
			}
			return nil
		}},
		{"strategic merge adds a port", types.StrategicMergePatchType, `{"spec":{"ports":[{"name":"metrics","port":9090}]}}`, func(s *corev1.Service) error {
			// Strategic merge lists patch items first, then the server's.
			if len(s.Spec.Ports) != 2 || s.Spec.Ports[0].Name != "metrics" || s.Spec.Ports[1].Name != "http" {
				return fmt.Errorf("ports %+v", s.Spec.Ports)
			}
			return nil
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := svcs.Patch(ctx, "web", c.typ, []byte(c.patch), metav1.PatchOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if err := c.check(got); err != nil {
				t.Fatal(err)
			}
		})
	}
	_, err := svcs.Patch(ctx, "web", types.JSONPatchType, []byte(`[{"op":"test","path":"/spec/type","value":"NodePort"}]`), metav1.PatchOptions{})
	wantStatus(t, err, 422)
	_, err = svcs.Patch(ctx, "missing", types.MergePatchType, []byte(`{}`), metav1.PatchOptions{})
	wantStatus(t, err, 404)
}

func TestMetadataSemantics(t *testing.T) {
	ts := servertest.Start(t, servertest.WithoutControllers())
	ctx := testCtx(t, time.Minute)
	p := pod("", map[string]string{"app": "x"})
	p.GenerateName = "web-"
	p.OwnerReferences = []metav1.OwnerReference{{APIVersion: "apps/v1", Kind: "ReplicaSet", Name: "rs", UID: "1234", Controller: ptr.To(true)}}
	got, err := ts.Client.CoreV1().Pods("default").Create(ctx, p, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(got.Name, "web-") || len(got.Name) != len("web-")+5 {
		t.Errorf("generateName produced %q", got.Name)
	}
	if got.UID == "" || got.CreationTimestamp.IsZero() || got.ResourceVersion == "" {
		t.Errorf("uid/creationTimestamp/resourceVersion not set: %+v", got.ObjectMeta)
	}
	if len(got.OwnerReferences) != 1 || got.OwnerReferences[0].UID != "1234" {
		t.Errorf("ownerReferences lost: %+v", got.OwnerReferences)
	}
	// Generation counts spec changes only.
	d := &appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Name: "d"}, Spec: appsv1.DeploymentSpec{
		Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "d"}},
		Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": "d"}},
			Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "httpd"}}}}}}
	dep, err := ts.Client.AppsV1().Deployments("default").Create(ctx, d, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if dep.Generation != 1 {
		t.Errorf("generation %d on create, want 1", dep.Generation)
	}
	dep.Labels = map[string]string{"x": "y"}
	if dep, err = ts.Client.AppsV1().Deployments("default").Update(ctx, dep, metav1.UpdateOptions{}); err != nil || dep.Generation != 1 {
		t.Errorf("label change bumped generation to %d (%v)", dep.Generation, err)
	}
	dep.Spec.Replicas = ptr.To[int32](3)
	if dep, err = ts.Client.AppsV1().Deployments("default").Update(ctx, dep, metav1.UpdateOptions{}); err != nil || dep.Generation != 2 {
		t.Errorf("spec change left generation at %d (%v)", dep.Generation, err)
	}
	// Status writes through the main resource are ignored.
	dep.Status.Replicas = 42
	if dep, err = ts.Client.AppsV1().Deployments("default").Update(ctx, dep, metav1.UpdateOptions{}); err != nil || dep.Status.Replicas != 0 {
		t.Errorf("status changed through the main resource: %d (%v)", dep.Status.Replicas, err)
	}
	dep.Status.Replicas = 3
	if dep, err = ts.Client.AppsV1().Deployments("default").UpdateStatus(ctx, dep, metav1.UpdateOptions{}); err != nil || dep.Status.Replicas != 3 {
		t.Errorf("status subresource did not write: %d (%v)", dep.Status.Replicas, err)
	}
	// Scale subresource.
	scale, err := ts.Client.AppsV1().Deployments("default").GetScale(ctx, "d", metav1.GetOptions{})
	if err != nil || scale.Spec.Replicas != 3 || scale.Status.Selector != "app=d" {
		t.Fatalf("scale: %v %+v", err, scale)
	}
	scale.Spec.Replicas = 5
	if _, err := ts.Client.AppsV1().Deployments("default").UpdateScale(ctx, "d", scale, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	if dep, _ = ts.Client.AppsV1().Deployments("default").Get(ctx, "d", metav1.GetOptions{}); *dep.Spec.Replicas != 5 {
		t.Errorf("scale did not change replicas: %d", *dep.Spec.Replicas)
	}
}

func TestGracefulPodDeletion(t *testing.T) {
	ts := servertest.Start(t, servertest.WithoutControllers())
	ctx := testCtx(t, time.Minute)
	pods := ts.Client.CoreV1().Pods("default")
	bound := pod("bound", nil)
	bound.Spec.NodeName = "node1"
	if _, err := pods.Create(ctx, bound, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := pods.Create(ctx, pod("unbound", nil), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := pods.Delete(ctx, "bound", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	got, err := pods.Get(ctx, "bound", metav1.GetOptions{})
	if err != nil {
		t.Fatalf("a pod bound to a node must stay until its node confirms: %v", err)
	}
	if got.DeletionTimestamp == nil || got.DeletionGracePeriodSeconds == nil || *got.DeletionGracePeriodSeconds != 30 {
		t.Fatalf("deletionTimestamp=%v grace=%v, want set and 30", got.DeletionTimestamp, got.DeletionGracePeriodSeconds)
	}
	if err := pods.Delete(ctx, "bound", metav1.DeleteOptions{GracePeriodSeconds: ptr.To[int64](0)}); err != nil {
		t.Fatal(err)
	}
	if _, err := pods.Get(ctx, "bound", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Fatalf("grace 0 delete left the pod: %v", err)
	}
	if err := pods.Delete(ctx, "unbound", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := pods.Get(ctx, "unbound", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Fatalf("unscheduled pod not deleted at once: %v", err)
	}
	// Binding sets the node once.
	if _, err := pods.Create(ctx, pod("tobind", nil), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	b := &corev1.Binding{ObjectMeta: metav1.ObjectMeta{Name: "tobind"}, Target: corev1.ObjectReference{Kind: "Node", Name: "node2"}}
	if err := pods.Bind(ctx, b, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	err = pods.Bind(ctx, b, metav1.CreateOptions{})
	wantStatus(t, err, 409, "already assigned to node")
	if got, _ := pods.Get(ctx, "tobind", metav1.GetOptions{}); got.Spec.NodeName != "node2" {
		t.Fatalf("binding did not set nodeName: %q", got.Spec.NodeName)
	}
}

func TestDryRunStoresNothing(t *testing.T) {
	ts := servertest.Start(t, servertest.WithoutControllers())
	ctx := testCtx(t, time.Minute)
	svcs := ts.Client.CoreV1().Services("default")
	if _, err := svcs.Create(ctx, svc("dry", corev1.ServiceTypeNodePort, 80), metav1.CreateOptions{DryRun: []string{metav1.DryRunAll}}); err != nil {
		t.Fatal(err)
	}
	if _, err := svcs.Get(ctx, "dry", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Fatalf("dry-run create stored the service: %v", err)
	}
	assertAllocationsMatch(t, ts, bootstrapIPs, 0)
	real, err := svcs.Create(ctx, svc("real", "", 80), metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	real.Labels["x"] = "y"
	if _, err := svcs.Update(ctx, real, metav1.UpdateOptions{DryRun: []string{metav1.DryRunAll}}); err != nil {
		t.Fatal(err)
	}
	if err := svcs.Delete(ctx, "real", metav1.DeleteOptions{DryRun: []string{metav1.DryRunAll}}); err != nil {
		t.Fatal(err)
	}
	got, err := svcs.Get(ctx, "real", metav1.GetOptions{})
	if err != nil || got.Labels["x"] != "" || got.ResourceVersion != real.ResourceVersion {
		t.Fatalf("dry-run update/delete changed the service: %v %+v", err, got.ObjectMeta)
	}
}

func TestProtobufClient(t *testing.T) {
	ts := servertest.Start(t, servertest.WithoutControllers())
	ctx := testCtx(t, time.Minute)
	cfg := rest.CopyConfig(ts.Config)
	cfg.ContentType = "application/vnd.kubernetes.protobuf"
	cfg.AcceptContentTypes = "application/vnd.kubernetes.protobuf"
	c := kubernetes.NewForConfigOrDie(cfg)
	created, err := c.CoreV1().Services("default").Create(ctx, svc("pb", "", 80), metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	list, err := c.CoreV1().Services("default").List(ctx, metav1.ListOptions{})
	if err != nil || len(list.Items) != 2 {
		t.Fatalf("protobuf list: %v", err)
	}
	w, err := c.CoreV1().Services("default").Watch(ctx, metav1.ListOptions{ResourceVersion: created.ResourceVersion})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Stop()
	if err := c.CoreV1().Services("default").Delete(ctx, "pb", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	select {
	case ev := <-w.ResultChan():
		if s, ok := ev.Object.(*corev1.Service); !ok || ev.Type != "DELETED" || s.Name != "pb" {
			t.Fatalf("protobuf watch event %s %T", ev.Type, ev.Object)
		}
	case <-ctx.Done():
		t.Fatal("no protobuf watch event")
	}
}

// rawClient returns an HTTP client with the admin certificate, and one with
// no credentials at all.
func rawClients(t *testing.T, ts *servertest.TestServer) (admin, anonymous *http.Client) {
	t.Helper()
	tr, err := rest.TransportFor(ts.Config)
	if err != nil {
		t.Fatal(err)
	}
	admin = &http.Client{Transport: tr, Timeout: 30 * time.Second}
	anonymous = &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}}
	return admin, anonymous
}

func do(t *testing.T, c *http.Client, method, url, contentType string, body []byte) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(data)
}

func TestAuthenticationRequired(t *testing.T) {
	ts := servertest.Start(t, servertest.WithoutControllers())
	admin, anon := rawClients(t, ts)
	for _, path := range []string{"/api/v1/namespaces/default/services", "/version", "/healthz", "/apis", "/openapi/v2"} {
		code, body := do(t, anon, "GET", ts.URL()+path, "", nil)
		if code != 401 || !strings.Contains(body, `"reason":"Unauthorized"`) {
			t.Errorf("anonymous GET %s: %d %s", path, code, body)
		}
	}
	for _, path := range []string{"/version", "/healthz", "/livez", "/readyz", "/api", "/apis", "/api/v1", "/apis/apps/v1", "/openapi/v3"} {
		if code, body := do(t, admin, "GET", ts.URL()+path, "", nil); code != 200 {
			t.Errorf("admin GET %s: %d %s", path, code, body)
		}
	}
}

func TestBadInput(t *testing.T) {
	ts := servertest.Start(t, servertest.WithoutControllers())
	admin, _ := rawClients(t, ts)
	url := ts.URL() + "/api/v1/namespaces/default/services"
	cases := []struct {
		name, contentType, query string
		body                     []byte
		code                     int
		fragment                 string
	}{
		{"malformed JSON", "application/json", "", []byte(`{"kind":"Service",`), 400, "cannot be handled"},
		{"malformed YAML", "application/yaml", "", []byte("kind: Service\n  bad: [indent"), 400, "cannot be handled"},
		{"unknown field strict", "application/json", "?fieldValidation=Strict",
			[]byte(`{"apiVersion":"v1","kind":"Service","metadata":{"name":"x"},"spec":{"ports":[{"port":80}],"bogusField":1}}`), 400, `unknown field "spec.bogusField"`},
		{"wrong kind", "application/json", "",
			[]byte(`{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"x"}}`), 400, "ConfigMap"},
		{"empty body", "application/json", "", nil, 400, "empty"},
		{"huge body", "application/json", "", bytes.Repeat([]byte("x"), 4<<20), 413, "limit is"},
		{"unsupported media type", "text/plain", "", []byte("hello"), 415, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			code, body := do(t, admin, "POST", url+c.query, c.contentType, c.body)
			var st metav1.Status
			if err := json.Unmarshal([]byte(body), &st); err != nil || st.Kind != "Status" {
				t.Fatalf("error body is not a Status: %v %s", err, body)
			}
			if code != c.code || int(st.Code) != c.code || !strings.Contains(st.Message, c.fragment) {
				t.Fatalf("got %d %q, want %d containing %q", code, st.Message, c.code, c.fragment)
			}
		})
	}
	// Warn (the default) accepts unknown fields with a warning header.
	req, _ := http.NewRequest("POST", url, strings.NewReader(`{"apiVersion":"v1","kind":"Service","metadata":{"name":"warned"},"spec":{"ports":[{"port":80}],"bogusField":1}}`))
	req.Header.Set("Content-Type", "application/json")
	resp, err := admin.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 201 || !strings.Contains(resp.Header.Get("Warning"), "bogusField") {
		t.Fatalf("Warn mode: %d warning=%q", resp.StatusCode, resp.Header.Get("Warning"))
	}
	// Nothing half-written: only the kubernetes and warned services exist.
	list, err := ts.Client.CoreV1().Services("default").List(context.Background(), metav1.ListOptions{})
	if err != nil || len(list.Items) != 2 {
		t.Fatalf("services after bad input: %v %d", err, len(list.Items))
	}
}

func TestDeleteCollection(t *testing.T) {
	ts := servertest.Start(t)
	ctx := testCtx(t, time.Minute)
	for i := 0; i < 6; i++ {
		l := map[string]string{"group": "a"}
		if i%2 == 0 {
			l["group"] = "b"
		}
		if _, err := ts.Client.CoreV1().ConfigMaps("default").Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("c%d", i), Labels: l}}, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	if err := ts.Client.CoreV1().ConfigMaps("default").DeleteCollection(ctx, metav1.DeleteOptions{}, metav1.ListOptions{LabelSelector: "group=b"}); err != nil {
		t.Fatal(err)
	}
	list, err := ts.Client.CoreV1().ConfigMaps("default").List(ctx, metav1.ListOptions{})
	if err != nil || len(list.Items) != 3 {
		t.Fatalf("after deletecollection: %v, %d left, want 3", err, len(list.Items))
	}
	for _, c := range list.Items {
		if c.Labels["group"] != "a" {
			t.Errorf("%s (group %s) survived deletecollection of group=b", c.Name, c.Labels["group"])
		}
	}
}
