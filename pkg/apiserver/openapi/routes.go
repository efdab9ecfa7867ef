package openapi

import (
	"net/http"
	"strings"

	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/kube-openapi/pkg/common"
)

// Media types of requests and responses.
const (
	mediaAny         = "*/*"
	mediaJSON        = "application/json"
	mediaYAML        = "application/yaml"
	mediaProtobuf    = "application/vnd.kubernetes.protobuf"
	mediaJSONWatch   = "application/json;stream=watch"
	mediaProtoWatch  = "application/vnd.kubernetes.protobuf;stream=watch"
	mediaJSONPatch   = "application/json-patch+json"
	mediaMergePatch  = "application/merge-patch+json"
	mediaStrategic   = "application/strategic-merge-patch+json"
	mediaApplyPatchY = "application/apply-patch+yaml"
)

func producesObject() []string { return []string{mediaJSON, mediaYAML, mediaProtobuf} }

func producesStream() []string {
	return []string{mediaJSON, mediaYAML, mediaProtobuf, mediaJSONWatch, mediaProtoWatch}
}

func consumesPatch() []string {
	return []string{mediaJSONPatch, mediaMergePatch, mediaStrategic, mediaApplyPatchY}
}

// metaModels names the meta/v1 definitions every group-version uses.
type metaModels struct {
	status, deleteOptions, watchEvent, patch, apiResourceList model
}

// layout lays out the routes of one resource the way kube-apiserver's
// installer does.
type layout struct {
	r    Resource
	gv   schema.GroupVersion
	kind model // the resource's kind
	list model // its list kind
	subs []subModel
	meta metaModels
}

// subModel is a subresource with the definition name of its kind.
type subModel struct {
	Subresource
	gvk   schema.GroupVersionKind
	model model
}

// root is the group-version's URL prefix, e.g. /api/v1.
func (l layout) root() string { return "/" + gvPath(l.gv) }

// scope is "Namespaced" in operation IDs of namespaced resources.
func (l layout) scope() string {
	if l.r.Namespaced {
		return "Namespaced"
	}
	return ""
}

// collection is the path of the resource's collection, in its namespace if
// namespaced. With watch, it is the deprecated /watch/ form.
func (l layout) collection(watch bool) string {
	p := l.root()
	if watch {
		p += "/watch"
	}
	if l.r.Namespaced {
		p += "/namespaces/{namespace}"
	}
	return p + "/" + l.r.Plural
}

// op returns a route with the fields every operation of the resource shares:
// ID, tags, description, the pretty and path parameters and the
// x-kubernetes-action and x-kubernetes-group-version-kind extensions.
func (l layout) op(method, path, verb, rest, action string, gvk schema.GroupVersionKind, doc string) *route {
	params := []common.Parameter{prettyParam()}
	if strings.Contains(path, "{namespace}") {
		params = append(params, namespaceParam())
	}
	if strings.Contains(path, "{name}") {
		params = append(params, nameParam(l.r.Kind))
	}
	return &route{
		method:   method,
		path:     path,
		id:       operationID(verb, l.gv, rest),
		tags:     []string{tag(l.gv)},
		doc:      doc,
		params:   params,
		consumes: []string{mediaAny},
		produces: producesObject(),
		meta:     map[string]interface{}{extensionAction: action, extensionGVK: gvkObject(gvk)},
	}
}

// routes returns every route of the resource and its subresources.
func (l layout) routes() []common.Route {
	var out []common.Route
	add := func(rt *route) { out = append(out, rt) }
	if l.r.has(VerbList) {
		l.addList(add)
	}
	if l.r.has(VerbWatch) {
		l.addWatch(add)
	}
	l.addCollectionWrites(add)
	l.addItem(add)
	for _, s := range l.subs {
		l.addSubresource(add, s)
	}
	return out
}

// addList adds list in a namespace (or of a cluster-scoped resource) and list
// across all namespaces.
func (l layout) addList(add func(*route)) {
	kind, gvk := l.r.Kind, l.r.gvk()
	doc := "list or watch objects of kind " + kind
	rt := l.op(http.MethodGet, l.collection(false), "list", l.scope()+kind, "list", gvk, doc)
	l.listed(rt)
	add(rt)
	if l.r.Namespaced {
		rt := l.op(http.MethodGet, l.root()+"/"+l.r.Plural, "list", kind+"ForAllNamespaces", "list", gvk, doc)
		l.listed(rt)
		add(rt)
	}
}

// listed makes rt a list operation.
func (l layout) listed(rt *route) {
	rt.params = append(rt.params, listParams(true)...)
	rt.produces = producesStream()
	rt.codes = []common.StatusCodeResponse{response{http.StatusOK, "OK", l.list}}
}

// addWatch adds the deprecated /watch/ paths: one object, a collection, and a
// collection across all namespaces.
func (l layout) addWatch(add func(*route)) {
	kind, gvk := l.r.Kind, l.r.gvk()
	watched := func(rt *route) *route {
		rt.params = append(rt.params, listParams(true)...)
		rt.produces = producesStream()
		rt.codes = []common.StatusCodeResponse{response{http.StatusOK, "OK", l.meta.watchEvent}}
		return rt
	}
	add(watched(l.op(http.MethodGet, l.collection(true)+"/{name}", "watch", l.scope()+kind, "watch", gvk,
		"watch changes to an object of kind "+kind+". deprecated: use the 'watch' parameter with a list operation instead, filtered to a single item with the 'fieldSelector' parameter.")))
	listDoc := "watch individual changes to a list of " + kind + ". deprecated: use the 'watch' parameter with a list operation instead."
	add(watched(l.op(http.MethodGet, l.collection(true), "watch", l.scope()+kind+"List", "watchlist", gvk, listDoc)))
	if l.r.Namespaced {
		add(watched(l.op(http.MethodGet, l.root()+"/watch/"+l.r.Plural, "watch", kind+"ListForAllNamespaces", "watchlist", gvk, listDoc)))
	}
}

// addCollectionWrites adds create and deletecollection.
func (l layout) addCollectionWrites(add func(*route)) {
	kind, gvk := l.r.Kind, l.r.gvk()
	if l.r.has(VerbCreate) {
		rt := l.op(http.MethodPost, l.collection(false), "create", l.scope()+kind, "post", gvk, "create a "+kind)
		l.created(rt, l.kind)
		add(rt)
	}
	if l.r.has(VerbDeleteCollection) {
		rt := l.op(http.MethodDelete, l.collection(false), "delete", "Collection"+l.scope()+kind, "deletecollection", gvk, "delete collection of "+kind)
		rt.params = append(rt.params, listParams(false)...)
		rt.params = append(rt.params, deleteParams()...)
		rt.params = append(rt.params, bodyParam(false))
		rt.body = l.meta.deleteOptions
		rt.codes = []common.StatusCodeResponse{response{http.StatusOK, "OK", l.meta.status}}
		add(rt)
	}
}

// addItem adds get, update, patch and delete of one object.
func (l layout) addItem(add func(*route)) {
	kind, gvk := l.r.Kind, l.r.gvk()
	item := l.collection(false) + "/{name}"
	if l.r.has(VerbGet) {
		rt := l.op(http.MethodGet, item, "read", l.scope()+kind, "get", gvk, "read the specified "+kind)
		rt.codes = []common.StatusCodeResponse{response{http.StatusOK, "OK", l.kind}}
		add(rt)
	}
	if l.r.has(VerbUpdate) {
		rt := l.op(http.MethodPut, item, "replace", l.scope()+kind, "put", gvk, "replace the specified "+kind)
		l.replaced(rt, l.kind)
		add(rt)
	}
	if l.r.has(VerbPatch) {
		rt := l.op(http.MethodPatch, item, "patch", l.scope()+kind, "patch", gvk, "partially update the specified "+kind)
		l.patched(rt, l.kind)
		add(rt)
	}
	if l.r.has(VerbDelete) {
		rt := l.op(http.MethodDelete, item, "delete", l.scope()+kind, "delete", gvk, "delete a "+kind)
		rt.params = append(rt.params, deleteParams()...)
		rt.params = append(rt.params, bodyParam(false))
		rt.body = l.meta.deleteOptions
		rt.codes = []common.StatusCodeResponse{
			response{http.StatusOK, "OK", l.meta.status},
			response{http.StatusAccepted, "Accepted", l.meta.status},
		}
		add(rt)
	}
}

// addSubresource adds the operations of one subresource, e.g.
// readCoreV1NamespacedServiceStatus or createCoreV1NamespacedPodBinding.
func (l layout) addSubresource(add func(*route), s subModel) {
	kind := l.r.Kind
	path := l.collection(false) + "/{name}/" + s.Name
	rest := l.scope() + kind + camel(s.Name, true)
	for _, verb := range s.verbs() {
		switch verb {
		case VerbGet:
			rt := l.op(http.MethodGet, path, "read", rest, "get", s.gvk, "read "+s.Name+" of the specified "+kind)
			rt.codes = []common.StatusCodeResponse{response{http.StatusOK, "OK", s.model}}
			add(rt)
		case VerbUpdate:
			rt := l.op(http.MethodPut, path, "replace", rest, "put", s.gvk, "replace "+s.Name+" of the specified "+kind)
			l.replaced(rt, s.model)
			add(rt)
		case VerbPatch:
			rt := l.op(http.MethodPatch, path, "patch", rest, "patch", s.gvk, "partially update "+s.Name+" of the specified "+kind)
			l.patched(rt, s.model)
			add(rt)
		case VerbCreate:
			rt := l.op(http.MethodPost, path, "create", rest, "post", s.gvk, "create "+s.Name+" of a "+kind)
			l.created(rt, s.model)
			add(rt)
		}
	}
}

// created makes rt a create (POST) operation of m.
func (l layout) created(rt *route, m model) {
	rt.params = append(rt.params, writeParams()...)
	rt.params = append(rt.params, bodyParam(true))
	rt.body = m
	rt.codes = []common.StatusCodeResponse{
		response{http.StatusOK, "OK", m},
		response{http.StatusCreated, "Created", m},
		response{http.StatusAccepted, "Accepted", m},
	}
}

// replaced makes rt an update (PUT) operation of m.
func (l layout) replaced(rt *route, m model) {
	rt.params = append(rt.params, writeParams()...)
	rt.params = append(rt.params, bodyParam(true))
	rt.body = m
	rt.codes = []common.StatusCodeResponse{
		response{http.StatusOK, "OK", m},
		response{http.StatusCreated, "Created", m},
	}
}

// patched makes rt a PATCH operation of m, accepting the four patch types.
func (l layout) patched(rt *route, m model) {
	rt.params = append(rt.params, writeParams()...)
	rt.params = append(rt.params, forceParam(), bodyParam(true))
	rt.body = l.meta.patch
	rt.consumes = consumesPatch()
	rt.codes = []common.StatusCodeResponse{
		response{http.StatusOK, "OK", m},
		response{http.StatusCreated, "Created", m},
	}
}

// resourceListRoute is GET /api/v1/ (or /apis/<group>/<version>/), which
// returns the group-version's APIResourceList.
func resourceListRoute(gv schema.GroupVersion, meta metaModels) *route {
	return &route{
		method:   http.MethodGet,
		path:     "/" + gvPath(gv) + "/",
		id:       operationID("get", gv, "APIResources"),
		tags:     []string{tag(gv)},
		doc:      "get available resources",
		consumes: producesObject(),
		produces: producesObject(),
		codes:    []common.StatusCodeResponse{response{http.StatusOK, "OK", meta.apiResourceList}},
	}
}
