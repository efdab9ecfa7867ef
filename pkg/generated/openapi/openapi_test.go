package openapi

import (
	"reflect"
	"testing"

	"k8s.io/kube-openapi/pkg/common"
	"k8s.io/kube-openapi/pkg/validation/spec"
)

// definitions returns the generated definitions with v2 references.
func definitions() map[string]common.OpenAPIDefinition {
	return GetOpenAPIDefinitions(func(name string) spec.Ref {
		return spec.MustCreateRef("#/definitions/" + common.EscapeJsonPointer(name))
	})
}

func TestDefinitionNames(t *testing.T) {
	defs := definitions()
	for _, name := range []string{
		"io.k8s.api.core.v1.Service",
		"io.k8s.api.core.v1.Binding",
		"io.k8s.api.apps.v1.Deployment",
		"io.k8s.api.autoscaling.v1.Scale",
		"io.k8s.api.discovery.v1.EndpointSlice",
		"io.k8s.api.coordination.v1.Lease",
		"io.k8s.api.events.v1.Event",
		"io.k8s.api.networking.v1.Ingress",
		"io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta",
		"io.k8s.apimachinery.pkg.apis.meta.v1.Patch",
		"io.k8s.apimachinery.pkg.runtime.RawExtension",
		"io.k8s.apimachinery.pkg.util.intstr.IntOrString",
		"io.k8s.apimachinery.pkg.api.resource.Quantity",
		"io.k8s.apimachinery.pkg.version.Info",
	} {
		t.Run(name, func(t *testing.T) {
			if _, ok := defs[name]; !ok {
				t.Errorf("no definition named %s", name)
			}
		})
	}
}

// Every definition's dependencies are generated too, so any closure the
// server builds is complete.
func TestDependenciesClosed(t *testing.T) {
	defs := definitions()
	for name, def := range defs {
		for _, dep := range def.Dependencies {
			if _, ok := defs[dep]; !ok {
				t.Errorf("%s depends on %s, which is not generated", name, dep)
			}
		}
	}
}

// The list and patch extensions of k8s.io/api's struct tags are carried into
// the schemas; kubectl apply's strategic merge patch depends on them.
func TestListExtensions(t *testing.T) {
	defs := definitions()
	tests := []struct {
		def, field string
		want       spec.Extensions
	}{
		{"io.k8s.api.core.v1.PodSpec", "containers", spec.Extensions{
			"x-kubernetes-list-map-keys":   []interface{}{"name"},
			"x-kubernetes-list-type":       "map",
			"x-kubernetes-patch-merge-key": "name",
			"x-kubernetes-patch-strategy":  "merge",
		}},
		{"io.k8s.api.core.v1.ServiceSpec", "ports", spec.Extensions{
			"x-kubernetes-list-map-keys":   []interface{}{"port", "protocol"},
			"x-kubernetes-list-type":       "map",
			"x-kubernetes-patch-merge-key": "port",
			"x-kubernetes-patch-strategy":  "merge",
		}},
		{"io.k8s.api.discovery.v1.EndpointSlice", "endpoints", spec.Extensions{
			"x-kubernetes-list-type": "atomic",
		}},
		{"io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta", "finalizers", spec.Extensions{
			"x-kubernetes-list-type":      "set",
			"x-kubernetes-patch-strategy": "merge",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.def+"."+tt.field, func(t *testing.T) {
			prop, ok := defs[tt.def].Schema.Properties[tt.field]
			if !ok {
				t.Fatalf("%s has no property %s", tt.def, tt.field)
			}
			if !reflect.DeepEqual(prop.Extensions, tt.want) {
				t.Errorf("extensions = %v, want %v", prop.Extensions, tt.want)
			}
		})
	}
}
