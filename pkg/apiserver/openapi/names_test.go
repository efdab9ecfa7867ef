package openapi

import (
	"encoding/json"
	"testing"

	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
)

func TestOperationNames(t *testing.T) {
	tests := []struct {
		verb, rest string
		gv         schema.GroupVersion
		wantID     string
		wantTag    string
		wantPath   string
	}{
		{"list", "NamespacedService", schema.GroupVersion{Version: "v1"}, "listCoreV1NamespacedService", "core_v1", "api/v1"},
		{"read", "NamespacedDeploymentScale", schema.GroupVersion{Group: "apps", Version: "v1"}, "readAppsV1NamespacedDeploymentScale", "apps_v1", "apis/apps/v1"},
		{"list", "EndpointSliceForAllNamespaces", schema.GroupVersion{Group: "discovery.k8s.io", Version: "v1"}, "listDiscoveryV1EndpointSliceForAllNamespaces", "discovery_v1", "apis/discovery.k8s.io/v1"},
		{"create", "ClusterRole", schema.GroupVersion{Group: "rbac.authorization.k8s.io", Version: "v1beta1"}, "createRbacAuthorizationV1beta1ClusterRole", "rbacAuthorization_v1beta1", "apis/rbac.authorization.k8s.io/v1beta1"},
		{"delete", "CollectionNamespacedLease", schema.GroupVersion{Group: "coordination.k8s.io", Version: "v1"}, "deleteCoordinationV1CollectionNamespacedLease", "coordination_v1", "apis/coordination.k8s.io/v1"},
	}
	for _, tt := range tests {
		t.Run(tt.wantID, func(t *testing.T) {
			if got := operationID(tt.verb, tt.gv, tt.rest); got != tt.wantID {
				t.Errorf("operationID() = %q, want %q", got, tt.wantID)
			}
			if got := tag(tt.gv); got != tt.wantTag {
				t.Errorf("tag() = %q, want %q", got, tt.wantTag)
			}
			if got := gvPath(tt.gv); got != tt.wantPath {
				t.Errorf("gvPath() = %q, want %q", got, tt.wantPath)
			}
		})
	}
}

func TestModelNames(t *testing.T) {
	scheme := runtime.NewScheme()
	if err := clientgoscheme.AddToScheme(scheme); err != nil {
		t.Fatal(err)
	}
	n := modelNamer{scheme: scheme}
	tests := []struct {
		gvk     schema.GroupVersionKind
		want    model
		wantErr bool
	}{
		{gvk: schema.GroupVersionKind{Version: "v1", Kind: "Service"}, want: "io.k8s.api.core.v1.Service"},
		{gvk: schema.GroupVersionKind{Group: "apps", Version: "v1", Kind: "DeploymentList"}, want: "io.k8s.api.apps.v1.DeploymentList"},
		{gvk: schema.GroupVersionKind{Group: "autoscaling", Version: "v1", Kind: "Scale"}, want: "io.k8s.api.autoscaling.v1.Scale"},
		{gvk: schema.GroupVersionKind{Group: "discovery.k8s.io", Version: "v1", Kind: "EndpointSlice"}, want: "io.k8s.api.discovery.v1.EndpointSlice"},
		{gvk: schema.GroupVersionKind{Version: "v1", Kind: "NoSuchKind"}, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.gvk.String(), func(t *testing.T) {
			got, err := n.name(tt.gvk)
			if (err != nil) != tt.wantErr {
				t.Fatalf("name() error = %v, wantErr %v", err, tt.wantErr)
			}
			if got != tt.want {
				t.Errorf("name() = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestRestName(t *testing.T) {
	tests := map[string]string{
		"k8s.io/api/core/v1.Service":                      "io.k8s.api.core.v1.Service",
		"k8s.io/apimachinery/pkg/apis/meta/v1.ObjectMeta": "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta",
		"io.k8s.api.core.v1.Service":                      "io.k8s.api.core.v1.Service",
	}
	for in, want := range tests {
		t.Run(in, func(t *testing.T) {
			if got := restName(in); got != want {
				t.Errorf("restName(%q) = %q, want %q", in, got, want)
			}
		})
	}
}

func TestDefinitionNamerExtensions(t *testing.T) {
	d := &definitionNamer{kinds: map[string][]schema.GroupVersionKind{}}
	opts := model("io.k8s.apimachinery.pkg.apis.meta.v1.DeleteOptions")
	d.add(opts, schema.GroupVersionKind{Group: "apps", Version: "v1", Kind: "DeleteOptions"})
	d.add(opts, schema.GroupVersionKind{Version: "v1", Kind: "DeleteOptions"})
	d.add(opts, schema.GroupVersionKind{Group: "apps", Version: "v1", Kind: "DeleteOptions"}) // duplicate
	exts := d.extensions()
	b, err := json.Marshal(exts[string(opts)])
	if err != nil {
		t.Fatal(err)
	}
	want := `{"x-kubernetes-group-version-kind":[{"group":"","kind":"DeleteOptions","version":"v1"},{"group":"apps","kind":"DeleteOptions","version":"v1"}]}`
	if string(b) != want {
		t.Errorf("extensions = %s\nwant %s", b, want)
	}
	name, ext := getDefinitionName(exts)("k8s.io/apimachinery/pkg/apis/meta/v1.DeleteOptions")
	if name != string(opts) || ext == nil {
		t.Errorf("getDefinitionName(go path) = %q, %v; want %q with extensions", name, ext, opts)
	}
	if _, ext := getDefinitionName(exts)("io.k8s.api.core.v1.PodSpec"); ext != nil {
		t.Errorf("getDefinitionName(PodSpec) extensions = %v, want none", ext)
	}
}
