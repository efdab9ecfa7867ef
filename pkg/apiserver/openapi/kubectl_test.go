package openapi

import (
	"bytes"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/strategicpatch"
	"k8s.io/cli-runtime/pkg/resource"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/openapi3"
	"k8s.io/client-go/rest"
	"k8s.io/kube-openapi/pkg/validation/spec"
	explainv2 "k8s.io/kubectl/pkg/explain/v2"
	kubectlopenapi "k8s.io/kubectl/pkg/util/openapi"
	"k8s.io/kubectl/pkg/validation"
)

// These tests drive the served documents through the client libraries that
// kubectl itself uses.

var (
	serviceGVK    = schema.GroupVersionKind{Version: "v1", Kind: "Service"}
	podGVK        = schema.GroupVersionKind{Version: "v1", Kind: "Pod"}
	deploymentGVK = schema.GroupVersionKind{Group: "apps", Version: "v1", Kind: "Deployment"}
)

// newDiscovery returns a discovery client of a test server.
func newDiscovery(t *testing.T) (*discovery.DiscoveryClient, *rest.Config) {
	t.Helper()
	cfg := &rest.Config{Host: newTestServer(t).URL}
	dc, err := discovery.NewDiscoveryClientForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return dc, cfg
}

func TestClientGoOpenAPIV3Root(t *testing.T) {
	dc, _ := newDiscovery(t)
	root := openapi3.NewRoot(dc.OpenAPIV3())
	gvs, err := root.GroupVersions()
	if err != nil {
		t.Fatalf("GroupVersions: %v", err)
	}
	if !slices.Contains(gvs, schema.GroupVersion{Group: "discovery.k8s.io", Version: "v1"}) {
		t.Errorf("GroupVersions() = %v, want discovery.k8s.io/v1 among them", gvs)
	}
	doc, err := root.GVSpec(schema.GroupVersion{Version: "v1"})
	if err != nil {
		t.Fatalf("GVSpec(v1): %v", err)
	}
	svc := doc.Components.Schemas["io.k8s.api.core.v1.Service"]
	if svc == nil {
		t.Fatal("core/v1 document lacks io.k8s.api.core.v1.Service")
	}
	// Follow spec -> ServiceSpec.ports -> ServicePort.port, through the
	// allOf-wrapped references of v3.
	resolve := func(s *spec.Schema) *spec.Schema {
		ref := s.Ref.String()
		if ref == "" && len(s.AllOf) == 1 {
			ref = s.AllOf[0].Ref.String()
		}
		name, ok := strings.CutPrefix(ref, "#/components/schemas/")
		if !ok {
			t.Fatalf("unexpected reference %q", ref)
		}
		target := doc.Components.Schemas[name]
		if target == nil {
			t.Fatalf("dangling reference %q", ref)
		}
		return target
	}
	specProp := svc.Properties["spec"]
	ports := resolve(&specProp).Properties["ports"]
	if got, _ := ports.Extensions.GetString("x-kubernetes-patch-merge-key"); got != "port" {
		t.Errorf("ServiceSpec.ports patch merge key = %q, want port", got)
	}
	port := resolve(ports.Items.Schema).Properties["port"]
	if !port.Type.Contains("integer") {
		t.Errorf("ServicePort.port type = %v, want integer", port.Type)
	}
}

func TestQueryParamVerifierV3(t *testing.T) {
	dc, cfg := newDiscovery(t)
	dyn, err := dynamic.NewForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	verifier := resource.NewQueryParamVerifierV3(dyn, dc.OpenAPIV3(), resource.QueryParamFieldValidation)
	tests := []struct {
		gvk       schema.GroupVersionKind
		supported bool
	}{
		{serviceGVK, true},
		{deploymentGVK, true},
		{schema.GroupVersionKind{Group: "discovery.k8s.io", Version: "v1", Kind: "EndpointSlice"}, true},
		{schema.GroupVersionKind{Version: "v1", Kind: "Node"}, true},
		{schema.GroupVersionKind{Group: "networking.k8s.io", Version: "v1", Kind: "Ingress"}, false},
		{schema.GroupVersionKind{Version: "v1", Kind: "ConfigMap"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.gvk.String(), func(t *testing.T) {
			err := verifier.HasSupport(tt.gvk)
			if tt.supported && err != nil {
				t.Errorf("HasSupport() = %v, want nil", err)
			}
			if !tt.supported && err == nil {
				t.Error("HasSupport() = nil, want an error for an unserved kind")
			}
		})
	}
}

// kubectlResources parses /openapi/v2, fetched as protobuf by the discovery
// client, the way kubectl does.
func kubectlResources(t *testing.T) kubectlopenapi.Resources {
	t.Helper()
	dc, _ := newDiscovery(t)
	res, err := kubectlopenapi.NewOpenAPIParser(dc).Parse()
	if err != nil {
		t.Fatalf("parsing /openapi/v2: %v", err)
	}
	return res
}

func TestKubectlV2Resources(t *testing.T) {
	res := kubectlResources(t)
	for _, gvk := range []schema.GroupVersionKind{serviceGVK, podGVK, deploymentGVK, {Group: "autoscaling", Version: "v1", Kind: "Scale"}} {
		if res.LookupResource(gvk) == nil {
			t.Errorf("LookupResource(%v) = nil", gvk)
		}
	}
	if res.LookupResource(schema.GroupVersionKind{Group: "networking.k8s.io", Version: "v1", Kind: "Ingress"}) != nil {
		t.Error("LookupResource(Ingress) found an unserved kind")
	}
	if got := res.GetConsumes(serviceGVK, "PATCH"); !slices.Contains(got, "application/apply-patch+yaml") {
		t.Errorf("GetConsumes(Service, PATCH) = %v, want application/apply-patch+yaml among them", got)
	}
}

// kubectl apply merges containers by name through the patch metadata in the
// v2 schema of Pod.
func TestStrategicMergeFromV2Schema(t *testing.T) {
	res := kubectlResources(t)
	meta := strategicpatch.NewPatchMetaFromOpenAPI(res.LookupResource(podGVK))
	specMeta, _, err := meta.LookupPatchMetadataForStruct("spec")
	if err != nil {
		t.Fatal(err)
	}
	_, pm, err := specMeta.LookupPatchMetadataForSlice("containers")
	if err != nil {
		t.Fatal(err)
	}
	if pm.GetPatchMergeKey() != "name" || !slices.Equal(pm.GetPatchStrategies(), []string{"merge"}) {
		t.Fatalf("containers patch meta = key %q strategies %v, want name [merge]", pm.GetPatchMergeKey(), pm.GetPatchStrategies())
	}
	original := `{"spec":{"containers":[{"name":"a","image":"nginx"},{"name":"b","image":"busybox"}]}}`
	patch := `{"spec":{"containers":[{"name":"b","image":"whoami"}]}}`
	merged, err := strategicpatch.StrategicMergePatchUsingLookupPatchMeta([]byte(original), []byte(patch), meta)
	if err != nil {
		t.Fatal(err)
	}
	var got struct {
		Spec struct {
			Containers []struct{ Name, Image string }
		}
	}
	if err := json.Unmarshal(merged, &got); err != nil {
		t.Fatal(err)
	}
	images := map[string]string{}
	for _, c := range got.Spec.Containers {
		images[c.Name] = c.Image
	}
	if len(images) != 2 || images["a"] != "nginx" || images["b"] != "whoami" {
		t.Errorf("merged containers = %+v, want a=nginx b=whoami", got.Spec.Containers)
	}
}

// resourcesGetter adapts parsed Resources to kubectl's validation.
type resourcesGetter struct{ res kubectlopenapi.Resources }

func (g resourcesGetter) OpenAPISchema() (kubectlopenapi.Resources, error) { return g.res, nil }

// kubectl 1.20 validates objects on the client against /openapi/v2.
func TestKubectlClientSideValidation(t *testing.T) {
	v := validation.NewSchemaValidation(resourcesGetter{kubectlResources(t)})
	tests := []struct {
		name    string
		obj     string
		wantErr string
	}{
		{"valid service", `{"apiVersion":"v1","kind":"Service","metadata":{"name":"web"},"spec":{"ports":[{"port":80,"targetPort":8080}]}}`, ""},
		{"unknown field", `{"apiVersion":"v1","kind":"Service","metadata":{"name":"web"},"spec":{"portz":[]}}`, "portz"},
		{"wrong type", `{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web"},"spec":{"replicas":"three"}}`, "replicas"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := v.ValidateBytes([]byte(tt.obj))
			switch {
			case tt.wantErr == "" && err != nil:
				t.Errorf("ValidateBytes() = %v, want nil", err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Errorf("ValidateBytes() = %v, want an error mentioning %q", err, tt.wantErr)
			}
		})
	}
}

// kubectl explain services.spec.ports renders from the v3 document.
func TestKubectlExplain(t *testing.T) {
	dc, _ := newDiscovery(t)
	var out bytes.Buffer
	gvr := schema.GroupVersionResource{Version: "v1", Resource: "services"}
	if err := explainv2.PrintModelDescription([]string{"spec", "ports"}, &out, dc.OpenAPIV3(), gvr, false, 0, "plaintext"); err != nil {
		t.Fatalf("explain: %v", err)
	}
	for _, want := range []string{"KIND:       Service", "VERSION:    v1", "FIELD: ports <[]ServicePort>", "targetPort"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("explain output lacks %q:\n%s", want, out.String())
		}
	}
	out.Reset()
	gvr = schema.GroupVersionResource{Group: "apps", Version: "v1", Resource: "deployments"}
	if err := explainv2.PrintModelDescription([]string{"spec", "replicas"}, &out, dc.OpenAPIV3(), gvr, false, 0, "plaintext"); err != nil {
		t.Fatalf("explain deployments: %v", err)
	}
	if !strings.Contains(out.String(), "GROUP:      apps") || !strings.Contains(out.String(), "replicas <integer>") {
		t.Errorf("explain deployments.spec.replicas:\n%s", out.String())
	}
}
