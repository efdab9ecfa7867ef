package openapi

import (
	"encoding/json"
	"net/http"
	"slices"
	"sort"
	"strings"
	"testing"

	"k8s.io/kube-openapi/pkg/spec3"
	"k8s.io/kube-openapi/pkg/validation/spec"
)

// newExampleService builds the documents of exampleResources.
func newExampleService(t *testing.T) *Service {
	t.Helper()
	s, err := NewService(exampleResources())
	if err != nil {
		t.Fatalf("NewService: %v", err)
	}
	return s
}

// v2Op returns the operation of method on path in the v2 document.
func v2Op(t *testing.T, sw *spec.Swagger, method, path string) *spec.Operation {
	t.Helper()
	item, ok := sw.Paths.Paths[path]
	if !ok {
		t.Fatalf("v2 has no path %s", path)
	}
	ops := map[string]*spec.Operation{
		http.MethodGet: item.Get, http.MethodPut: item.Put, http.MethodPost: item.Post,
		http.MethodPatch: item.Patch, http.MethodDelete: item.Delete,
	}
	return ops[method]
}

// v3Op returns the operation of method on path in a v3 document.
func v3Op(doc *spec3.OpenAPI, method, path string) *spec3.Operation {
	item, ok := doc.Paths.Paths[path]
	if !ok {
		return nil
	}
	return map[string]*spec3.Operation{
		http.MethodGet: item.Get, http.MethodPut: item.Put, http.MethodPost: item.Post,
		http.MethodPatch: item.Patch, http.MethodDelete: item.Delete,
	}[method]
}

// opGVK renders an operation's x-kubernetes-group-version-kind as group/version/kind.
func opGVK(t *testing.T, ext spec.Extensions) string {
	t.Helper()
	var gvk map[string]string
	if err := ext.GetObject(extensionGVK, &gvk); err != nil {
		t.Fatalf("reading %s: %v", extensionGVK, err)
	}
	return gvk["group"] + "/" + gvk["version"] + "/" + gvk["kind"]
}

func TestOperations(t *testing.T) {
	s := newExampleService(t)
	tests := []struct {
		method, path string
		gvPath       string // v3 document holding the path
		id, action   string
		gvk          string
	}{
		{"GET", "/api/v1/namespaces/{namespace}/services", "api/v1", "listCoreV1NamespacedService", "list", "/v1/Service"},
		{"POST", "/api/v1/namespaces/{namespace}/services", "api/v1", "createCoreV1NamespacedService", "post", "/v1/Service"},
		{"DELETE", "/api/v1/namespaces/{namespace}/services", "api/v1", "deleteCoreV1CollectionNamespacedService", "deletecollection", "/v1/Service"},
		{"GET", "/api/v1/namespaces/{namespace}/services/{name}", "api/v1", "readCoreV1NamespacedService", "get", "/v1/Service"},
		{"PUT", "/api/v1/namespaces/{namespace}/services/{name}", "api/v1", "replaceCoreV1NamespacedService", "put", "/v1/Service"},
		{"PATCH", "/api/v1/namespaces/{namespace}/services/{name}", "api/v1", "patchCoreV1NamespacedService", "patch", "/v1/Service"},
		{"DELETE", "/api/v1/namespaces/{namespace}/services/{name}", "api/v1", "deleteCoreV1NamespacedService", "delete", "/v1/Service"},
		{"GET", "/api/v1/namespaces/{namespace}/services/{name}/status", "api/v1", "readCoreV1NamespacedServiceStatus", "get", "/v1/Service"},
		{"PATCH", "/api/v1/namespaces/{namespace}/services/{name}/status", "api/v1", "patchCoreV1NamespacedServiceStatus", "patch", "/v1/Service"},
		{"GET", "/api/v1/services", "api/v1", "listCoreV1ServiceForAllNamespaces", "list", "/v1/Service"},
		{"GET", "/api/v1/watch/namespaces/{namespace}/services", "api/v1", "watchCoreV1NamespacedServiceList", "watchlist", "/v1/Service"},
		{"GET", "/api/v1/watch/namespaces/{namespace}/services/{name}", "api/v1", "watchCoreV1NamespacedService", "watch", "/v1/Service"},
		{"GET", "/api/v1/watch/services", "api/v1", "watchCoreV1ServiceListForAllNamespaces", "watchlist", "/v1/Service"},
		{"POST", "/api/v1/namespaces/{namespace}/pods/{name}/binding", "api/v1", "createCoreV1NamespacedPodBinding", "post", "/v1/Binding"},
		{"GET", "/api/v1/nodes", "api/v1", "listCoreV1Node", "list", "/v1/Node"},
		{"GET", "/api/v1/nodes/{name}", "api/v1", "readCoreV1Node", "get", "/v1/Node"},
		{"PATCH", "/api/v1/nodes/{name}/status", "api/v1", "patchCoreV1NodeStatus", "patch", "/v1/Node"},
		{"GET", "/api/v1/watch/nodes/{name}", "api/v1", "watchCoreV1Node", "watch", "/v1/Node"},
		{"GET", "/api/v1/namespaces/{name}", "api/v1", "readCoreV1Namespace", "get", "/v1/Namespace"},
		{"GET", "/apis/apps/v1/namespaces/{namespace}/deployments/{name}/scale", "apis/apps/v1", "readAppsV1NamespacedDeploymentScale", "get", "autoscaling/v1/Scale"},
		{"PATCH", "/apis/apps/v1/namespaces/{namespace}/deployments/{name}/scale", "apis/apps/v1", "patchAppsV1NamespacedDeploymentScale", "patch", "autoscaling/v1/Scale"},
		{"PATCH", "/apis/apps/v1/namespaces/{namespace}/deployments/{name}", "apis/apps/v1", "patchAppsV1NamespacedDeployment", "patch", "apps/v1/Deployment"},
		{"GET", "/apis/discovery.k8s.io/v1/endpointslices", "apis/discovery.k8s.io/v1", "listDiscoveryV1EndpointSliceForAllNamespaces", "list", "discovery.k8s.io/v1/EndpointSlice"},
	}
	for _, tt := range tests {
		t.Run(tt.id, func(t *testing.T) {
			op2 := v2Op(t, s.V2(), tt.method, tt.path)
			if op2 == nil {
				t.Fatalf("v2 has no %s %s", tt.method, tt.path)
			}
			if op2.ID != tt.id {
				t.Errorf("v2 operationId = %q, want %q", op2.ID, tt.id)
			}
			if got, _ := op2.Extensions.GetString(extensionAction); got != tt.action {
				t.Errorf("v2 %s = %q, want %q", extensionAction, got, tt.action)
			}
			if got := opGVK(t, op2.Extensions); got != tt.gvk {
				t.Errorf("v2 %s = %q, want %q", extensionGVK, got, tt.gvk)
			}
			doc := s.V3(tt.gvPath)
			if doc == nil {
				t.Fatalf("no v3 document %s", tt.gvPath)
			}
			op3 := v3Op(doc, tt.method, tt.path)
			if op3 == nil {
				t.Fatalf("v3 %s has no %s %s", tt.gvPath, tt.method, tt.path)
			}
			if op3.OperationId != tt.id {
				t.Errorf("v3 operationId = %q, want %q", op3.OperationId, tt.id)
			}
			if got := opGVK(t, op3.Extensions); got != tt.gvk {
				t.Errorf("v3 %s = %q, want %q", extensionGVK, got, tt.gvk)
			}
		})
	}
}

// v3ParamNames lists the parameters of an operation and its path, "in:name".
func v3ParamNames(doc *spec3.OpenAPI, method, path string) []string {
	var out []string
	for _, p := range doc.Paths.Paths[path].Parameters {
		out = append(out, p.In+":"+p.Name)
	}
	for _, p := range v3Op(doc, method, path).Parameters {
		out = append(out, p.In+":"+p.Name)
	}
	sort.Strings(out)
	return out
}

func TestV3Parameters(t *testing.T) {
	s := newExampleService(t)
	core := s.V3("api/v1")
	tests := []struct {
		method, path string
		want         []string
	}{
		{"GET", "/api/v1/namespaces/{namespace}/services", []string{
			"path:namespace", "query:allowWatchBookmarks", "query:continue", "query:fieldSelector", "query:labelSelector",
			"query:limit", "query:pretty", "query:resourceVersion", "query:resourceVersionMatch",
			"query:sendInitialEvents", "query:timeoutSeconds", "query:watch",
		}},
		{"POST", "/api/v1/namespaces/{namespace}/services", []string{
			"path:namespace", "query:dryRun", "query:fieldManager", "query:fieldValidation", "query:pretty",
		}},
		{"PATCH", "/api/v1/namespaces/{namespace}/services/{name}", []string{
			"path:name", "path:namespace", "query:dryRun", "query:fieldManager", "query:fieldValidation", "query:force", "query:pretty",
		}},
		{"PUT", "/api/v1/nodes/{name}/status", []string{
			"path:name", "query:dryRun", "query:fieldManager", "query:fieldValidation", "query:pretty",
		}},
		{"DELETE", "/api/v1/namespaces/{namespace}/services/{name}", []string{
			"path:name", "path:namespace", "query:dryRun", "query:gracePeriodSeconds",
			"query:ignoreStoreReadErrorWithClusterBreakingPotential", "query:orphanDependents", "query:pretty", "query:propagationPolicy",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.path, func(t *testing.T) {
			if got := v3ParamNames(core, tt.method, tt.path); !slices.Equal(got, tt.want) {
				t.Errorf("parameters = %v\nwant %v", got, tt.want)
			}
		})
	}
}

// kubectl only trusts fieldValidation declared on the PATCH operation itself,
// not on its path.
func TestFieldValidationOnPatchOperation(t *testing.T) {
	s := newExampleService(t)
	for gvPath, doc := range s.v3 {
		for path, item := range doc.Paths.Paths {
			if item.Patch == nil {
				continue
			}
			found := false
			for _, p := range item.Patch.Parameters {
				found = found || (p.Name == "fieldValidation" && p.In == "query")
			}
			if !found {
				t.Errorf("%s: PATCH %s lacks an operation-level fieldValidation parameter", gvPath, path)
			}
		}
	}
}

func TestPatchRequestBody(t *testing.T) {
	s := newExampleService(t)
	op := v3Op(s.V3("apis/apps/v1"), http.MethodPatch, "/apis/apps/v1/namespaces/{namespace}/deployments/{name}")
	var types []string
	for ct, mt := range op.RequestBody.Content {
		types = append(types, ct)
		if got := mt.Schema.Ref.String(); got != "#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.Patch" {
			t.Errorf("%s body schema = %q, want the meta/v1 Patch", ct, got)
		}
	}
	sort.Strings(types)
	want := []string{"application/apply-patch+yaml", "application/json-patch+json", "application/merge-patch+json", "application/strategic-merge-patch+json"}
	if !slices.Equal(types, want) {
		t.Errorf("PATCH consumes %v, want %v", types, want)
	}
	if got := op.Responses.StatusCodeResponses[200].Content["application/json"].Schema.Ref.String(); got != "#/components/schemas/io.k8s.api.apps.v1.Deployment" {
		t.Errorf("PATCH 200 schema = %q", got)
	}
}

// definitionGVKs renders a definition's x-kubernetes-group-version-kind list.
func definitionGVKs(t *testing.T, s spec.Schema) []string {
	t.Helper()
	var list []map[string]string
	if err := s.Extensions.GetObject(extensionGVK, &list); err != nil {
		t.Fatalf("reading %s: %v", extensionGVK, err)
	}
	var out []string
	for _, gvk := range list {
		out = append(out, gvk["group"]+"/"+gvk["version"]+"/"+gvk["kind"])
	}
	return out
}

func TestDefinitionKinds(t *testing.T) {
	s := newExampleService(t)
	allGVs := func(kind string) []string {
		return []string{"/v1/" + kind, "apps/v1/" + kind, "coordination.k8s.io/v1/" + kind, "discovery.k8s.io/v1/" + kind, "events.k8s.io/v1/" + kind}
	}
	tests := []struct {
		def  string
		want []string // nil: no extension
	}{
		{"io.k8s.api.core.v1.Service", []string{"/v1/Service"}},
		{"io.k8s.api.core.v1.ServiceList", []string{"/v1/ServiceList"}},
		{"io.k8s.api.core.v1.Binding", []string{"/v1/Binding"}},
		{"io.k8s.api.apps.v1.Deployment", []string{"apps/v1/Deployment"}},
		{"io.k8s.api.autoscaling.v1.Scale", []string{"autoscaling/v1/Scale"}},
		{"io.k8s.api.discovery.v1.EndpointSlice", []string{"discovery.k8s.io/v1/EndpointSlice"}},
		{"io.k8s.apimachinery.pkg.apis.meta.v1.DeleteOptions", allGVs("DeleteOptions")},
		{"io.k8s.apimachinery.pkg.apis.meta.v1.WatchEvent", allGVs("WatchEvent")},
		{"io.k8s.apimachinery.pkg.apis.meta.v1.Status", []string{"/v1/Status"}},
		{"io.k8s.api.core.v1.ServiceSpec", nil},
	}
	for _, tt := range tests {
		t.Run(tt.def, func(t *testing.T) {
			def, ok := s.V2().Definitions[tt.def]
			if !ok {
				t.Fatalf("v2 has no definition %s", tt.def)
			}
			if tt.want == nil {
				if _, has := def.Extensions[extensionGVK]; has {
					t.Errorf("v2 %s has %s, want none", tt.def, extensionGVK)
				}
				return
			}
			if got := definitionGVKs(t, def); !slices.Equal(got, tt.want) {
				t.Errorf("v2 %s kinds = %v, want %v", tt.def, got, tt.want)
			}
			found := false
			for _, doc := range s.v3 {
				if d, ok := doc.Components.Schemas[tt.def]; ok {
					found = true
					if got := definitionGVKs(t, *d); !slices.Equal(got, tt.want) {
						t.Errorf("v3 %s kinds = %v, want %v", tt.def, got, tt.want)
					}
				}
			}
			if !found {
				t.Errorf("no v3 document has %s", tt.def)
			}
		})
	}
}

// Only definitions reachable from served operations are included, and every
// reference resolves.
func TestDefinitionsClosed(t *testing.T) {
	s := newExampleService(t)
	b, err := json.Marshal(s.V2())
	if err != nil {
		t.Fatal(err)
	}
	for _, absent := range []string{"io.k8s.api.networking.v1.Ingress", "io.k8s.api.apps.v1.StatefulSet", "io.k8s.apimachinery.pkg.version.Info"} {
		if _, ok := s.V2().Definitions[absent]; ok {
			t.Errorf("v2 includes unserved definition %s", absent)
		}
	}
	checkRefs(t, "v2", string(b), "#/definitions/", func(name string) bool { _, ok := s.V2().Definitions[name]; return ok })
	for gvPath, doc := range s.v3 {
		b, err := json.Marshal(doc)
		if err != nil {
			t.Fatal(err)
		}
		checkRefs(t, gvPath, string(b), "#/components/schemas/", func(name string) bool { _, ok := doc.Components.Schemas[name]; return ok })
		if strings.Contains(string(b), `"#/definitions/`) {
			t.Errorf("%s: v3 document holds a v2 reference", gvPath)
		}
	}
	// Keep an eye on the size. Measured: all 402 generated definitions alone
	// are 660 KB of JSON; this document, paths included, is about 540 KB.
	if len(b) > 1<<20 {
		t.Errorf("v2 document is %d bytes, want under 1 MiB", len(b))
	}
	t.Logf("v2: %d bytes, %d definitions", len(b), len(s.V2().Definitions))
}

// checkRefs fails for each "$ref" in doc with prefix that does not resolve.
func checkRefs(t *testing.T, name, doc, prefix string, has func(string) bool) {
	t.Helper()
	const key = `"$ref":"`
	for rest := doc; ; {
		i := strings.Index(rest, key)
		if i < 0 {
			return
		}
		rest = rest[i+len(key):]
		ref := rest[:strings.IndexByte(rest, '"')]
		if def, ok := strings.CutPrefix(ref, prefix); ok && !has(def) {
			t.Errorf("%s: dangling reference %s", name, ref)
		}
	}
}

func TestVerbsRestrictOperations(t *testing.T) {
	s, err := NewService([]Resource{{Version: "v1", Kind: "Node", Plural: "nodes", Verbs: []string{VerbGet, VerbList}}})
	if err != nil {
		t.Fatal(err)
	}
	item := s.V2().Paths.Paths["/api/v1/nodes/{name}"]
	if item.Get == nil || item.Put != nil || item.Patch != nil || item.Delete != nil {
		t.Errorf("get-only item path has get=%v put=%v patch=%v delete=%v", item.Get != nil, item.Put != nil, item.Patch != nil, item.Delete != nil)
	}
	coll := s.V2().Paths.Paths["/api/v1/nodes"]
	if coll.Get == nil || coll.Post != nil || coll.Delete != nil {
		t.Errorf("list-only collection has get=%v post=%v delete=%v", coll.Get != nil, coll.Post != nil, coll.Delete != nil)
	}
	if _, ok := s.V2().Paths.Paths["/api/v1/watch/nodes"]; ok {
		t.Error("watch path served without the watch verb")
	}
}

func TestNewServiceErrors(t *testing.T) {
	tests := []struct {
		name    string
		rs      []Resource
		wantErr string
	}{
		{"unknown kind", []Resource{{Version: "v1", Kind: "Widget", Plural: "widgets"}}, "Widget"},
		{"kind without a definition", []Resource{{Group: "batch", Version: "v1", Kind: "Job", Plural: "jobs", Namespaced: true}}, "io.k8s.api.batch.v1.Job"},
		{"unknown subresource kind", []Resource{{Version: "v1", Kind: "Pod", Plural: "pods", Subresources: []Subresource{{Name: "x", Kind: "Nope"}}}}, "subresource x"},
		{"listed twice", []Resource{{Version: "v1", Kind: "Pod", Plural: "pods"}, {Version: "v1", Kind: "Pod", Plural: "pods"}}, "twice"},
		{"invalid", []Resource{{Version: "v1", Kind: "Pod"}}, "required"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := NewService(tt.rs)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("NewService() error = %v, want one containing %q", err, tt.wantErr)
			}
		})
	}
}

// hasV2Param reports whether ps declares the query parameter name inline (v2
// deduplicates other parameters into references).
func hasV2Param(ps []spec.Parameter, name string) bool {
	for _, p := range ps {
		if p.Name == name && p.In == "query" {
			return true
		}
	}
	return false
}
