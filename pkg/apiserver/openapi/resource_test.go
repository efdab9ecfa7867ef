package openapi

import (
	"slices"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/runtime/schema"
)

func TestResourceValidate(t *testing.T) {
	tests := []struct {
		name    string
		r       Resource
		wantErr string // substring; empty means valid
	}{
		{name: "minimal", r: Resource{Version: "v1", Kind: "Service", Plural: "services"}},
		{name: "no plural", r: Resource{Version: "v1", Kind: "Service"}, wantErr: "required"},
		{name: "no version", r: Resource{Kind: "Service", Plural: "services"}, wantErr: "required"},
		{name: "unknown verb", r: Resource{Version: "v1", Kind: "Service", Plural: "services", Verbs: []string{"get", "proxy"}}, wantErr: `unknown verb "proxy"`},
		{name: "unnamed subresource", r: Resource{Version: "v1", Kind: "Pod", Plural: "pods", Subresources: []Subresource{{}}}, wantErr: "without a name"},
		{name: "subresource twice", r: Resource{Version: "v1", Kind: "Pod", Plural: "pods", Subresources: []Subresource{{Name: "status"}, {Name: "status"}}}, wantErr: "twice"},
		{name: "subresource group without version", r: Resource{Version: "v1", Kind: "Pod", Plural: "pods", Subresources: []Subresource{{Name: "eviction", Group: "policy"}}}, wantErr: "without a version"},
		{name: "subresource list verb", r: Resource{Version: "v1", Kind: "Pod", Plural: "pods", Subresources: []Subresource{{Name: "status", Verbs: []string{"list"}}}}, wantErr: `verb "list" not supported`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.r.validate()
			switch {
			case tt.wantErr == "" && err != nil:
				t.Fatalf("validate() = %v, want nil", err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Fatalf("validate() = %v, want error containing %q", err, tt.wantErr)
			}
		})
	}
}

func TestSubresourceDefaults(t *testing.T) {
	deploy := Resource{Group: "apps", Version: "v1", Kind: "Deployment", Plural: "deployments"}
	pod := Resource{Version: "v1", Kind: "Pod", Plural: "pods"}
	tests := []struct {
		name      string
		parent    Resource
		sub       Subresource
		wantGVK   schema.GroupVersionKind
		wantVerbs []string
	}{
		{
			name: "status inherits everything", parent: deploy, sub: Subresource{Name: "status"},
			wantGVK:   schema.GroupVersionKind{Group: "apps", Version: "v1", Kind: "Deployment"},
			wantVerbs: []string{"get", "update", "patch"},
		},
		{
			name: "scale in another group", parent: deploy, sub: Subresource{Name: "scale", Group: "autoscaling", Version: "v1", Kind: "Scale"},
			wantGVK:   schema.GroupVersionKind{Group: "autoscaling", Version: "v1", Kind: "Scale"},
			wantVerbs: []string{"get", "update", "patch"},
		},
		{
			name: "binding is create only", parent: pod, sub: Subresource{Name: "binding", Kind: "Binding"},
			wantGVK:   schema.GroupVersionKind{Version: "v1", Kind: "Binding"},
			wantVerbs: []string{"create"},
		},
		{
			name: "core kind under a named group", parent: deploy, sub: Subresource{Name: "thing", Version: "v1", Kind: "Binding"},
			wantGVK:   schema.GroupVersionKind{Version: "v1", Kind: "Binding"},
			wantVerbs: []string{"get", "update", "patch"},
		},
		{
			name: "explicit verbs", parent: pod, sub: Subresource{Name: "status", Verbs: []string{"get"}},
			wantGVK:   schema.GroupVersionKind{Version: "v1", Kind: "Pod"},
			wantVerbs: []string{"get"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.sub.gvk(tt.parent); got != tt.wantGVK {
				t.Errorf("gvk() = %v, want %v", got, tt.wantGVK)
			}
			if got := tt.sub.verbs(); !slices.Equal(got, tt.wantVerbs) {
				t.Errorf("verbs() = %v, want %v", got, tt.wantVerbs)
			}
		})
	}
}

func TestResourceDefaults(t *testing.T) {
	r := Resource{Version: "v1", Kind: "Service", Plural: "services"}
	if got, want := r.listGVK(), (schema.GroupVersionKind{Version: "v1", Kind: "ServiceList"}); got != want {
		t.Errorf("listGVK() = %v, want %v", got, want)
	}
	r.ListKind = "Other"
	if got := r.listGVK().Kind; got != "Other" {
		t.Errorf("listGVK().Kind = %q, want Other", got)
	}
	if !r.has(VerbDeleteCollection) {
		t.Error("a resource without Verbs should serve deletecollection")
	}
	r.Verbs = []string{VerbGet}
	if r.has(VerbList) {
		t.Error("a get-only resource should not serve list")
	}
}
