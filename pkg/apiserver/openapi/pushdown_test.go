package openapi

import (
	"testing"
)

// A path whose operations all take fieldValidation (PATCH alone, or the POST
// of binding) still declares it on each operation, where kubectl looks.
func TestOperationLevelParams(t *testing.T) {
	s, err := NewService([]Resource{
		{Version: "v1", Kind: "Service", Plural: "services", Namespaced: true, Verbs: []string{VerbPatch}},
		{Version: "v1", Kind: "Pod", Plural: "pods", Namespaced: true, Verbs: []string{VerbGet},
			Subresources: []Subresource{{Name: "binding", Kind: "Binding"}, {Name: "status", Verbs: []string{VerbPatch}}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct{ method, path string }{
		{"PATCH", "/api/v1/namespaces/{namespace}/services/{name}"},
		{"POST", "/api/v1/namespaces/{namespace}/pods/{name}/binding"},
		{"PATCH", "/api/v1/namespaces/{namespace}/pods/{name}/status"},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.path, func(t *testing.T) {
			for _, name := range operationLevelParams() {
				item := s.V2().Paths.Paths[tt.path]
				for _, p := range item.Parameters {
					if p.Name == name {
						t.Errorf("v2 path declares %s", name)
					}
				}
				if !hasV2Param(v2Op(t, s.V2(), tt.method, tt.path).Parameters, name) {
					t.Errorf("v2 operation lacks %s", name)
				}
				doc := s.V3("api/v1")
				for _, p := range doc.Paths.Paths[tt.path].Parameters {
					if p.Name == name {
						t.Errorf("v3 path declares %s", name)
					}
				}
				found := false
				for _, p := range v3Op(doc, tt.method, tt.path).Parameters {
					found = found || (p.Name == name && p.In == "query")
				}
				if !found {
					t.Errorf("v3 operation lacks %s", name)
				}
			}
		})
	}
}
