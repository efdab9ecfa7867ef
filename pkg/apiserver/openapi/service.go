package openapi

import (
	"net/http"
	"strings"

	"k8s.io/kube-openapi/pkg/handler"
	"k8s.io/kube-openapi/pkg/handler3"
	"k8s.io/kube-openapi/pkg/spec3"
	"k8s.io/kube-openapi/pkg/validation/spec"
)

// Paths the documents are served at.
const (
	PathV2 = "/openapi/v2"
	PathV3 = "/openapi/v3"
)

// Service holds the built OpenAPI documents and serves them.
type Service struct {
	v2  *spec.Swagger
	v3  map[string]*spec3.OpenAPI
	h2  *handler.OpenAPIService
	h3  *handler3.OpenAPIService
	gvs map[string]bool // keys of v3
}

// NewService builds the v2 document and the per-group-version v3 documents of
// resources. It fails when a resource is malformed, listed twice, or names a
// kind without a Go type in client-go's scheme or without a generated
// definition.
func NewService(resources []Resource) (*Service, error) {
	p, err := newPlan(resources)
	if err != nil {
		return nil, err
	}
	v2, err := p.buildV2()
	if err != nil {
		return nil, err
	}
	v3, err := p.buildV3()
	if err != nil {
		return nil, err
	}
	s := &Service{
		v2:  v2,
		v3:  v3,
		h2:  handler.NewOpenAPIService(v2),
		h3:  handler3.NewOpenAPIService(),
		gvs: make(map[string]bool, len(v3)),
	}
	for path, doc := range v3 {
		s.h3.UpdateGroupVersion(path, doc)
		s.gvs[path] = true
	}
	return s, nil
}

// Install registers the document handlers on mux for GET (and HEAD):
//
//   - /openapi/v2, as JSON or, when asked for
//     application/com.github.proto-openapi.spec.v2@v1.0+protobuf, as protobuf;
//   - /openapi/v3, the index of the group-version documents;
//   - /openapi/v3/api/v1, /openapi/v3/apis/<group>/<version>: one document
//     each, as JSON or protobuf, cacheable forever when the ?hash= of the
//     index is given.
//
// Unknown group-versions answer 404.
func (s *Service) Install(mux *http.ServeMux) {
	s.h2.RegisterOpenAPIVersionedService(PathV2, getOnly{mux})
	mux.Handle("GET "+PathV3, http.HandlerFunc(s.h3.HandleDiscovery))
	mux.Handle("GET "+PathV3+"/{gv...}", http.HandlerFunc(s.serveGroupVersion))
}

// serveGroupVersion serves one v3 document; kube-openapi's handler answers an
// empty 200 for unknown group-versions, so those are turned away first.
func (s *Service) serveGroupVersion(w http.ResponseWriter, r *http.Request) {
	if !s.gvs[strings.TrimPrefix(r.URL.Path, PathV3+"/")] {
		http.NotFound(w, r)
		return
	}
	s.h3.HandleGroupVersion(w, r)
}

// V2 returns the v2 document. Callers must not modify it.
func (s *Service) V2() *spec.Swagger { return s.v2 }

// V3 returns the v3 document of a group-version path such as "api/v1" or
// "apis/apps/v1", or nil. Callers must not modify it.
func (s *Service) V3(gvPath string) *spec3.OpenAPI { return s.v3[gvPath] }

// getOnly adapts a ServeMux to kube-openapi's PathHandler, registering
// handlers for GET (and so HEAD) only.
type getOnly struct{ mux *http.ServeMux }

// Handle registers h for GET requests to path.
func (g getOnly) Handle(path string, h http.Handler) { g.mux.Handle("GET "+path, h) }
