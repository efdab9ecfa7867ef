package openapi

import (
	"fmt"
	"net/http"
	"sort"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/component-base/version"
	"k8s.io/kube-openapi/pkg/builder"
	"k8s.io/kube-openapi/pkg/builder3"
	"k8s.io/kube-openapi/pkg/common"
	"k8s.io/kube-openapi/pkg/spec3"
	"k8s.io/kube-openapi/pkg/validation/spec"

	generated "github.com/svcnet/svcnet/pkg/generated/openapi"
)

// bearerToken names the security scheme both documents declare.
const bearerToken = "BearerToken"

// plan is everything needed to build the documents: the routes of each
// group-version and the extensions of each definition.
type plan struct {
	gvs        []schema.GroupVersion // sorted, core first
	containers map[schema.GroupVersion]container
	exts       map[string]spec.Extensions
}

// newPlan lays out the routes of resources and names their kinds.
func newPlan(resources []Resource) (*plan, error) {
	scheme := runtime.NewScheme()
	if err := clientgoscheme.AddToScheme(scheme); err != nil {
		return nil, fmt.Errorf("building the type scheme: %w", err)
	}
	names := modelNamer{scheme: scheme}
	kinds := &definitionNamer{kinds: map[string][]schema.GroupVersionKind{}}
	meta := metaModels{
		status:          model(metav1.Status{}.OpenAPIModelName()),
		deleteOptions:   model(metav1.DeleteOptions{}.OpenAPIModelName()),
		watchEvent:      model(metav1.WatchEvent{}.OpenAPIModelName()),
		patch:           model(metav1.Patch{}.OpenAPIModelName()),
		apiResourceList: model(metav1.APIResourceList{}.OpenAPIModelName()),
	}
	p := &plan{containers: map[schema.GroupVersion]container{}}
	seen := map[schema.GroupVersionResource]bool{}
	for _, r := range resources {
		if err := r.validate(); err != nil {
			return nil, fmt.Errorf("resource %s/%s %s: %w", r.Group, r.Version, r.Plural, err)
		}
		gvr := r.groupVersion().WithResource(r.Plural)
		if seen[gvr] {
			return nil, fmt.Errorf("resource %v listed twice", gvr)
		}
		seen[gvr] = true
		l, err := newLayout(r, names, kinds, meta)
		if err != nil {
			return nil, fmt.Errorf("resource %v: %w", gvr, err)
		}
		c, ok := p.containers[l.gv]
		if !ok {
			c = container{root: l.root(), routes: []common.Route{resourceListRoute(l.gv, meta)}}
			p.gvs = append(p.gvs, l.gv)
		}
		c.routes = append(c.routes, l.routes()...)
		p.containers[l.gv] = c
	}
	sort.Slice(p.gvs, func(i, j int) bool { return gvPath(p.gvs[i]) < gvPath(p.gvs[j]) })
	// meta/v1 kinds, registered in every served group-version the way
	// metav1.AddToGroupVersion registers them. Status is unversioned, so it is
	// only ever core/v1.
	for _, gv := range p.gvs {
		kinds.add(meta.deleteOptions, gv.WithKind("DeleteOptions"))
		kinds.add(meta.watchEvent, gv.WithKind("WatchEvent"))
	}
	kinds.add(meta.status, metav1.Unversioned.WithKind("Status"))
	p.exts = kinds.extensions()
	return p, nil
}

// newLayout names the kinds of r and records them for the definition
// extensions.
func newLayout(r Resource, names modelNamer, kinds *definitionNamer, meta metaModels) (layout, error) {
	l := layout{r: r, gv: r.groupVersion(), meta: meta}
	var err error
	if l.kind, err = names.name(r.gvk()); err != nil {
		return l, err
	}
	kinds.add(l.kind, r.gvk())
	if l.list, err = names.name(r.listGVK()); err != nil {
		return l, err
	}
	kinds.add(l.list, r.listGVK())
	for _, s := range r.Subresources {
		sm := subModel{Subresource: s, gvk: s.gvk(r)}
		if sm.model, err = names.name(sm.gvk); err != nil {
			return l, fmt.Errorf("subresource %s: %w", s.Name, err)
		}
		kinds.add(sm.model, sm.gvk)
		l.subs = append(l.subs, sm)
	}
	return l, nil
}

// info is the info object of both documents.
func info() *spec.Info {
	return &spec.Info{InfoProps: spec.InfoProps{Title: "Kubernetes", Version: version.Get().GitVersion}}
}

// buildV2 builds the /openapi/v2 document: every group-version in one.
func (p *plan) buildV2() (*spec.Swagger, error) {
	containers := make([]common.RouteContainer, 0, len(p.gvs))
	for _, gv := range p.gvs {
		containers = append(containers, p.containers[gv])
	}
	cfg := &common.Config{
		ProtocolList:                   []string{"https"},
		Info:                           info(),
		CommonResponses:                map[int]spec.Response{http.StatusUnauthorized: {ResponseProps: spec.ResponseProps{Description: "Unauthorized"}}},
		GetDefinitions:                 generated.GetOpenAPIDefinitions,
		GetOperationIDAndTagsFromRoute: operationIDAndTags,
		GetDefinitionName:              getDefinitionName(p.exts),
		SecurityDefinitions: &spec.SecurityDefinitions{bearerToken: &spec.SecurityScheme{SecuritySchemeProps: spec.SecuritySchemeProps{
			Type: "apiKey", Name: "authorization", In: "header", Description: "Bearer Token authentication",
		}}},
		DefaultSecurity: []map[string][]string{{bearerToken: {}}},
		PostProcessSpec: pushDownV2,
	}
	sw, err := builder.BuildOpenAPISpecFromRoutes(containers, cfg)
	if err != nil {
		return nil, fmt.Errorf("building the OpenAPI v2 document: %w", err)
	}
	return sw, nil
}

// buildV3 builds one /openapi/v3 document per group-version, keyed by the
// group-version's path ("api/v1", "apis/apps/v1").
func (p *plan) buildV3() (map[string]*spec3.OpenAPI, error) {
	// The generated definitions embed their references, so v3 needs its own
	// copy with #/components/schemas/ references. It is computed once and
	// shared by the group-versions: the builder only adds the same extensions
	// to it whichever document it builds.
	defs := generated.GetOpenAPIDefinitions(func(name string) spec.Ref {
		return spec.MustCreateRef("#/components/schemas/" + common.EscapeJsonPointer(restName(name)))
	})
	out := make(map[string]*spec3.OpenAPI, len(p.gvs))
	for _, gv := range p.gvs {
		cfg := &common.OpenAPIV3Config{
			Info: info(),
			CommonResponses: map[int]*spec3.Response{
				http.StatusUnauthorized: {ResponseProps: spec3.ResponseProps{Description: "Unauthorized"}},
			},
			Definitions:                    defs,
			GetOperationIDAndTagsFromRoute: operationIDAndTags,
			GetDefinitionName:              getDefinitionName(p.exts),
			SecuritySchemes: spec3.SecuritySchemes{bearerToken: &spec3.SecurityScheme{SecuritySchemeProps: spec3.SecuritySchemeProps{
				Type: "apiKey", Name: "authorization", In: "header", Description: "Bearer Token authentication",
			}}},
			PostProcessSpec: pushDownV3,
		}
		doc, err := builder3.BuildOpenAPISpecFromRoutes([]common.RouteContainer{p.containers[gv]}, cfg)
		if err != nil {
			return nil, fmt.Errorf("building the OpenAPI v3 document of %v: %w", gv, err)
		}
		doc.SecurityRequirement = []map[string][]string{{bearerToken: {}}}
		out[gvPath(gv)] = doc
	}
	return out, nil
}
