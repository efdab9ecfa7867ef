package openapi

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"sort"
	"strings"
	"testing"

	openapi_v2 "github.com/google/gnostic-models/openapiv2"
	openapi_v3 "github.com/google/gnostic-models/openapiv3"
	"google.golang.org/protobuf/proto"
	"k8s.io/kube-openapi/pkg/handler3"
	"k8s.io/kube-openapi/pkg/spec3"
	"k8s.io/kube-openapi/pkg/validation/spec"
)

const (
	protoV2 = "application/com.github.proto-openapi.spec.v2@v1.0+protobuf"
	protoV3 = "application/com.github.proto-openapi.spec.v3@v1.0+protobuf"
)

// newTestServer serves the documents of exampleResources.
func newTestServer(t *testing.T) *httptest.Server {
	t.Helper()
	s := newExampleService(t)
	mux := http.NewServeMux()
	s.Install(mux)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

// get fetches path with an Accept header and returns the status, content
// type and body.
func get(t *testing.T, srv *httptest.Server, method, path, accept string) (int, string, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, srv.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if accept != "" {
		req.Header.Set("Accept", accept)
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, resp.Header.Get("Content-Type"), body
}

func TestServeV2(t *testing.T) {
	srv := newTestServer(t)
	t.Run("json", func(t *testing.T) {
		code, ct, body := get(t, srv, http.MethodGet, PathV2, "application/json")
		if code != http.StatusOK || ct != "application/json" {
			t.Fatalf("GET %s = %d %s", PathV2, code, ct)
		}
		var sw spec.Swagger
		if err := json.Unmarshal(body, &sw); err != nil {
			t.Fatalf("parsing v2 JSON: %v", err)
		}
		if sw.Swagger != "2.0" {
			t.Errorf("swagger = %q, want 2.0", sw.Swagger)
		}
		if _, ok := sw.Definitions["io.k8s.api.core.v1.Service"]; !ok {
			t.Error("v2 JSON lacks io.k8s.api.core.v1.Service")
		}
		if sw.Paths.Paths["/api/v1/namespaces/{namespace}/services/{name}"].Patch == nil {
			t.Error("v2 JSON lacks the Service PATCH operation")
		}
	})
	t.Run("protobuf", func(t *testing.T) {
		code, ct, body := get(t, srv, http.MethodGet, PathV2, protoV2+", application/json;q=0.5")
		if code != http.StatusOK || ct != "application/com.github.proto-openapi.spec.v2.v1.0+protobuf" {
			t.Fatalf("GET %s = %d %s", PathV2, code, ct)
		}
		var doc openapi_v2.Document
		if err := proto.Unmarshal(body, &doc); err != nil {
			t.Fatalf("parsing v2 protobuf: %v", err)
		}
		var names []string
		for _, d := range doc.GetDefinitions().GetAdditionalProperties() {
			names = append(names, d.GetName())
		}
		if !slices.Contains(names, "io.k8s.api.apps.v1.Deployment") {
			t.Errorf("v2 protobuf lacks io.k8s.api.apps.v1.Deployment among %d definitions", len(names))
		}
	})
	t.Run("gzip", func(t *testing.T) {
		req, _ := http.NewRequest(http.MethodGet, srv.URL+PathV2, nil)
		req.Header.Set("Accept-Encoding", "gzip")
		resp, err := (&http.Transport{DisableCompression: true}).RoundTrip(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if got := resp.Header.Get("Content-Encoding"); got != "gzip" {
			t.Errorf("Content-Encoding = %q, want gzip", got)
		}
	})
	t.Run("not acceptable", func(t *testing.T) {
		if code, _, _ := get(t, srv, http.MethodGet, PathV2, "text/html"); code != http.StatusNotAcceptable {
			t.Errorf("GET with Accept text/html = %d, want 406", code)
		}
	})
	t.Run("post", func(t *testing.T) {
		if code, _, _ := get(t, srv, http.MethodPost, PathV2, ""); code != http.StatusMethodNotAllowed {
			t.Errorf("POST %s = %d, want 405", PathV2, code)
		}
	})
}

func TestServeV3(t *testing.T) {
	srv := newTestServer(t)
	code, _, body := get(t, srv, http.MethodGet, PathV3, "")
	if code != http.StatusOK {
		t.Fatalf("GET %s = %d", PathV3, code)
	}
	var index handler3.OpenAPIV3Discovery
	if err := json.Unmarshal(body, &index); err != nil {
		t.Fatalf("parsing the v3 index: %v", err)
	}
	var gvs []string
	for gv, ref := range index.Paths {
		gvs = append(gvs, gv)
		if !strings.HasPrefix(ref.ServerRelativeURL, PathV3+"/"+gv+"?hash=") {
			t.Errorf("index entry %s = %q, want %s/%s?hash=...", gv, ref.ServerRelativeURL, PathV3, gv)
		}
	}
	sort.Strings(gvs)
	wantGVs := []string{"api/v1", "apis/apps/v1", "apis/coordination.k8s.io/v1", "apis/discovery.k8s.io/v1", "apis/events.k8s.io/v1"}
	if !slices.Equal(gvs, wantGVs) {
		t.Fatalf("index lists %v, want %v", gvs, wantGVs)
	}

	t.Run("hashed json", func(t *testing.T) {
		code, ct, body := get(t, srv, http.MethodGet, index.Paths["apis/apps/v1"].ServerRelativeURL, "application/json")
		if code != http.StatusOK || ct != "application/json" {
			t.Fatalf("GET apps/v1 = %d %s", code, ct)
		}
		var doc spec3.OpenAPI
		if err := json.Unmarshal(body, &doc); err != nil {
			t.Fatalf("parsing apps/v1: %v", err)
		}
		if !strings.HasPrefix(doc.Version, "3.") {
			t.Errorf("openapi = %q, want 3.x", doc.Version)
		}
		for path := range doc.Paths.Paths {
			if !strings.HasPrefix(path, "/apis/apps/v1/") {
				t.Errorf("apps/v1 document holds foreign path %s", path)
			}
		}
		if _, ok := doc.Components.Schemas["io.k8s.api.apps.v1.Deployment"]; !ok {
			t.Error("apps/v1 document lacks io.k8s.api.apps.v1.Deployment")
		}
	})
	t.Run("stale hash redirects", func(t *testing.T) {
		code, _, _ := get(t, srv, http.MethodGet, PathV3+"/api/v1?hash=stale", "application/json")
		if code != http.StatusMovedPermanently {
			t.Errorf("GET with a stale hash = %d, want 301", code)
		}
	})
	t.Run("protobuf", func(t *testing.T) {
		code, _, body := get(t, srv, http.MethodGet, PathV3+"/api/v1", protoV3)
		if code != http.StatusOK {
			t.Fatalf("GET api/v1 protobuf = %d", code)
		}
		var doc openapi_v3.Document
		if err := proto.Unmarshal(body, &doc); err != nil {
			t.Fatalf("parsing v3 protobuf: %v", err)
		}
		if !strings.HasPrefix(doc.GetOpenapi(), "3.") || len(doc.GetPaths().GetPath()) == 0 {
			t.Errorf("v3 protobuf: openapi %q with %d paths", doc.GetOpenapi(), len(doc.GetPaths().GetPath()))
		}
	})
	t.Run("unknown group-version", func(t *testing.T) {
		for _, path := range []string{PathV3 + "/apis/batch/v1", PathV3 + "/api", PathV3 + "/"} {
			if code, _, _ := get(t, srv, http.MethodGet, path, "application/json"); code != http.StatusNotFound {
				t.Errorf("GET %s = %d, want 404", path, code)
			}
		}
	})
}
