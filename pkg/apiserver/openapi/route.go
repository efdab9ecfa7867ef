package openapi

import (
	"k8s.io/kube-openapi/pkg/common"
)

// The types in this file implement kube-openapi's route interfaces
// (common.RouteContainer, common.Route, common.Parameter and
// common.StatusCodeResponse) with plain data, so that kube-openapi's v2 and v3
// builders can lay out our operations without go-restful.

// model names an OpenAPI definition. kube-openapi asks a request or response
// sample for its name through the OpenAPIModelName method, so a model stands in
// for a Go object of the kind.
type model string

// OpenAPIModelName returns the definition name, e.g. "io.k8s.api.core.v1.Service".
func (m model) OpenAPIModelName() string { return string(m) }

// container is a common.RouteContainer: the routes of one group-version.
type container struct {
	root   string
	routes []common.Route
}

var _ common.RouteContainer = container{}

func (c container) RootPath() string                   { return c.root }
func (c container) PathParameters() []common.Parameter { return nil }
func (c container) Routes() []common.Route             { return c.routes }

// route is a common.Route: one operation on one path.
type route struct {
	method   string
	path     string
	id       string // the full operation ID, e.g. listCoreV1NamespacedService
	tags     []string
	doc      string
	params   []common.Parameter
	consumes []string
	produces []string
	meta     map[string]interface{}
	body     interface{} // request body sample (a model), or nil
	codes    []common.StatusCodeResponse
}

var _ common.Route = &route{}

func (r *route) Method() string                                   { return r.method }
func (r *route) Path() string                                     { return r.path }
func (r *route) OperationName() string                            { return r.id }
func (r *route) Parameters() []common.Parameter                   { return r.params }
func (r *route) Description() string                              { return r.doc }
func (r *route) Consumes() []string                               { return r.consumes }
func (r *route) Produces() []string                               { return r.produces }
func (r *route) Metadata() map[string]interface{}                 { return r.meta }
func (r *route) RequestPayloadSample() interface{}                { return r.body }
func (r *route) ResponsePayloadSample() interface{}               { return nil }
func (r *route) StatusCodeResponses() []common.StatusCodeResponse { return r.codes }

// operationIDAndTags is the builders' GetOperationIDAndTagsFromRoute hook.
func operationIDAndTags(r common.Route) (string, []string, error) {
	if rt, ok := r.(*route); ok {
		return rt.id, rt.tags, nil
	}
	return r.OperationName(), nil, nil
}

// param is a common.Parameter.
type param struct {
	name     string
	doc      string
	required bool
	kind     common.ParameterKind
	dataType string // "string", "integer" or "boolean"; ignored for bodies
}

var _ common.Parameter = param{}

func (p param) Name() string               { return p.name }
func (p param) Description() string        { return p.doc }
func (p param) Required() bool             { return p.required }
func (p param) Kind() common.ParameterKind { return p.kind }
func (p param) DataType() string           { return p.dataType }

// AllowMultiple is false, which the builders render as uniqueItems: true, as
// kube-apiserver's documents have it.
func (p param) AllowMultiple() bool { return false }

// response is a common.StatusCodeResponse.
type response struct {
	code  int
	msg   string
	model model
}

var _ common.StatusCodeResponse = response{}

func (r response) Code() int          { return r.code }
func (r response) Message() string    { return r.msg }
func (r response) Model() interface{} { return r.model }
