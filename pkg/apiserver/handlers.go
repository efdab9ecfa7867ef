package apiserver

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/svcnet/svcnet/pkg/registry/generic"
)

// request is one resource request after routing.
type request struct {
	info requestInfo
	res  *Resource
	gv   schema.GroupVersion
	// newFunc overrides the registry's object type (for scale).
	newFunc func() runtime.Object
}

func (req *request) newObject() runtime.Object {
	if req.newFunc != nil {
		return req.newFunc()
	}
	return req.res.Registry.New()
}

// serveResource routes /api and /apis requests.
func (s *Server) serveResource(w http.ResponseWriter, r *http.Request) {
	info, ok := parseRequestInfo(r)
	if !ok {
		s.serveDiscoveryPath(w, r)
		return
	}
	gv := schema.GroupVersion{Group: info.Group, Version: info.Version}
	res := s.resources[gv][info.Resource]
	if res == nil {
		s.writeError(w, apierrors.NewNotFound(schema.GroupResource{Group: info.Group, Resource: info.Resource}, info.Name))
		return
	}
	req := &request{info: info, res: res, gv: gv}
	if info.Subresource != "" {
		s.serveSubresource(w, r, req)
		return
	}
	if !res.Namespaced && info.Namespace != "" {
		s.writeError(w, apierrors.NewNotFound(schema.GroupResource{Group: info.Group, Resource: info.Resource}, info.Name))
		return
	}
	switch info.Verb {
	case "get":
		s.handleGet(w, r, req)
	case "list":
		s.handleList(w, r, req)
	case "watch":
		s.handleWatch(w, r, req)
	case "create":
		if info.Name != "" {
			s.writeError(w, apierrors.NewMethodNotSupported(res.groupResource(), "create on a named object"))
			return
		}
		s.handleCreate(w, r, req)
	case "update":
		s.handleUpdate(w, r, req, generic.MainResource)
	case "patch":
		s.handlePatch(w, r, req, generic.MainResource)
	case "delete":
		s.handleDelete(w, r, req)
	case "deletecollection":
		s.handleDeleteCollection(w, r, req)
	default:
		s.writeError(w, apierrors.NewMethodNotSupported(res.groupResource(), r.Method))
	}
}

func (res *Resource) groupResource() schema.GroupResource {
	return schema.GroupResource{Group: res.GroupVersion.Group, Resource: res.Plural}
}

func (s *Server) handleGet(w http.ResponseWriter, r *http.Request, req *request) {
	obj, err := req.res.Registry.Get(r.Context(), req.info.Namespace, req.info.Name)
	if err != nil {
		s.writeError(w, err)
		return
	}
	s.writeObject(w, r, http.StatusOK, req.gv, obj)
}

// listOptions parses the selection query parameters.
func listOptions(r *http.Request) (generic.ListOptions, error) {
	q := r.URL.Query()
	var opts generic.ListOptions
	var err error
	if opts.Labels, err = labels.Parse(q.Get("labelSelector")); err != nil {
		return opts, apierrors.NewBadRequest(fmt.Sprintf("unable to parse requirement: %v", err))
	}
	if opts.Fields, err = fields.ParseSelector(q.Get("fieldSelector")); err != nil {
		return opts, apierrors.NewBadRequest(fmt.Sprintf("invalid field selector: %v", err))
	}
	if opts.Limit, err = parseInt64(r, "limit"); err != nil {
		return opts, err
	}
	opts.Continue = q.Get("continue")
	if rv := q.Get("resourceVersion"); rv != "" {
		if opts.ResourceVersion, err = parseInt64(r, "resourceVersion"); err != nil {
			return opts, apierrors.NewBadRequest(fmt.Sprintf("invalid resourceVersion %q", rv))
		}
	}
	if opts.Continue != "" && opts.ResourceVersion != 0 {
		return opts, apierrors.NewBadRequest("specifying resource version is not allowed when using continue")
	}
	return opts, nil
}

func (s *Server) handleList(w http.ResponseWriter, r *http.Request, req *request) {
	opts, err := listOptions(r)
	if err != nil {
		s.writeError(w, err)
		return
	}
	// resourceVersion=0 means "any version": serve the latest.
	match := r.URL.Query().Get("resourceVersionMatch")
	if match != "Exact" {
		opts.ResourceVersion = 0
	}
	list, err := req.res.Registry.List(r.Context(), req.info.Namespace, opts)
	if err != nil {
		s.writeError(w, err)
		return
	}
	s.writeObject(w, r, http.StatusOK, req.gv, list)
}

// readBody reads a request body up to the size limit.
func (s *Server) readBody(r *http.Request) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(r.Body, s.c.MaxRequestBodyBytes+1))
	if err != nil {
		return nil, apierrors.NewBadRequest(fmt.Sprintf("reading request body: %v", err))
	}
	if int64(len(data)) > s.c.MaxRequestBodyBytes {
		return nil, apierrors.NewRequestEntityTooLargeError(fmt.Sprintf("limit is %d", s.c.MaxRequestBodyBytes))
	}
	return data, nil
}

// fieldValidation returns the request's fieldValidation directive.
func fieldValidation(r *http.Request) (string, error) {
	v := r.URL.Query().Get("fieldValidation")
	switch v {
	case "":
		return "Warn", nil
	case "Strict", "Warn", "Ignore":
		return v, nil
	}
	return "", apierrors.NewBadRequest(fmt.Sprintf("fieldValidation must be one of Ignore, Warn or Strict, not %q", v))
}

// decodeBody decodes a request body into a new object of the resource's
// kind, enforcing the request's field validation.
func (s *Server) decodeBody(w http.ResponseWriter, r *http.Request, req *request, data []byte, gvk schema.GroupVersionKind, into runtime.Object) (runtime.Object, error) {
	info, ok := s.inputInfo(r.Header.Get("Content-Type"))
	if !ok {
		return nil, unsupportedMediaType(r.Header.Get("Content-Type"))
	}
	if len(strings.TrimSpace(string(data))) == 0 {
		return nil, apierrors.NewBadRequest("the request body is empty")
	}
	mode, err := fieldValidation(r)
	if err != nil {
		return nil, err
	}
	dec := info.Serializer
	if info.StrictSerializer != nil && mode != "Ignore" {
		dec = info.StrictSerializer
	}
	obj, actual, err := dec.Decode(data, &gvk, into)
	if err != nil {
		if !runtime.IsStrictDecodingError(err) || obj == nil {
			return nil, apierrors.NewBadRequest(fmt.Sprintf("%s in version %q cannot be handled as a %s: %v", gvk.Kind, gvk.Version, gvk.Kind, err))
		}
		if mode == "Strict" {
			return nil, apierrors.NewBadRequest(fmt.Sprintf("%s in version %q cannot be handled as a %s: %v", gvk.Kind, gvk.Version, gvk.Kind, err))
		}
		if sde, ok := runtime.AsStrictDecodingError(err); ok {
			for _, msg := range sde.Errors() {
				w.Header().Add("Warning", fmt.Sprintf("299 - %q", msg))
			}
		}
	}
	if actual != nil && (actual.Kind != gvk.Kind || actual.GroupVersion() != gvk.GroupVersion()) {
		return nil, apierrors.NewBadRequest(fmt.Sprintf("the body of the request was in an unknown format or had the wrong kind: expected %s, got %s", gvk, actual))
	}
	return obj, nil
}

func (s *Server) kindOf(req *request) schema.GroupVersionKind {
	return req.gv.WithKind(req.res.Kind)
}

func isDryRun(r *http.Request) (bool, error) {
	for _, v := range r.URL.Query()["dryRun"] {
		if v != "All" {
			return false, apierrors.NewBadRequest(fmt.Sprintf("Invalid dry run value %q: only All is supported", v))
		}
		return true, nil
	}
	return false, nil
}

// checkNamespace sets or checks an object's namespace against the URL.
func checkNamespace(obj runtime.Object, req *request) error {
	acc, err := meta.Accessor(obj)
	if err != nil {
		return apierrors.NewBadRequest(err.Error())
	}
	if !req.res.Namespaced {
		return nil
	}
	switch ns := acc.GetNamespace(); {
	case ns == "":
		acc.SetNamespace(req.info.Namespace)
	case ns != req.info.Namespace:
		return apierrors.NewBadRequest("the namespace of the provided object does not match the namespace sent on the request")
	}
	return nil
}

func (s *Server) handleCreate(w http.ResponseWriter, r *http.Request, req *request) {
	ctx := r.Context()
	data, err := s.readBody(r)
	if err != nil {
		s.writeError(w, err)
		return
	}
	dryRun, err := isDryRun(r)
	if err != nil {
		s.writeError(w, err)
		return
	}
	obj, err := s.decodeBody(w, r, req, data, s.kindOf(req), req.res.Registry.New())
	if err != nil {
		s.writeError(w, err)
		return
	}
	if req.res.Namespaced && req.info.Namespace == "" {
		s.writeError(w, apierrors.NewBadRequest("the server could not find the requested resource: a namespace is required"))
		return
	}
	if err := checkNamespace(obj, req); err != nil {
		s.writeError(w, err)
		return
	}
	if err := s.admitNamespace(ctx, req); err != nil {
		s.writeError(w, err)
		return
	}
	out, err := req.res.Registry.Create(ctx, obj, generic.CreateOptions{DryRun: dryRun})
	if err != nil {
		s.writeError(w, err)
		return
	}
	s.writeObject(w, r, http.StatusCreated, req.gv, out)
}

func (s *Server) admitNamespace(ctx context.Context, req *request) error {
	if s.c.Namespaces == nil || !req.res.Namespaced {
		return nil
	}
	return s.c.Namespaces.Admit(ctx, req.info.Namespace)
}

func (s *Server) handleUpdate(w http.ResponseWriter, r *http.Request, req *request, sub generic.Subresource) {
	data, err := s.readBody(r)
	if err != nil {
		s.writeError(w, err)
		return
	}
	dryRun, err := isDryRun(r)
	if err != nil {
		s.writeError(w, err)
		return
	}
	obj, err := s.decodeBody(w, r, req, data, s.kindOf(req), req.res.Registry.New())
	if err != nil {
		s.writeError(w, err)
		return
	}
	if err := checkNamespace(obj, req); err != nil {
		s.writeError(w, err)
		return
	}
	if acc, _ := meta.Accessor(obj); acc.GetName() != req.info.Name {
		s.writeError(w, apierrors.NewBadRequest(fmt.Sprintf("the name of the object (%s) does not match the name on the URL (%s)", acc.GetName(), req.info.Name)))
		return
	}
	transform := func(_ context.Context, _ runtime.Object) (runtime.Object, error) {
		return obj.DeepCopyObject(), nil
	}
	out, created, err := req.res.Registry.Update(r.Context(), req.info.Namespace, req.info.Name, transform,
		generic.UpdateOptions{DryRun: dryRun, Subresource: sub, StatusValidate: req.res.Status})
	if err != nil {
		s.writeError(w, err)
		return
	}
	code := http.StatusOK
	if created {
		code = http.StatusCreated
	}
	s.writeObject(w, r, code, req.gv, out)
}

// deleteOptions reads DeleteOptions from the body or the query.
func (s *Server) deleteOptions(r *http.Request, req *request) (*metav1.DeleteOptions, error) {
	opts := &metav1.DeleteOptions{}
	data, err := s.readBody(r)
	if err != nil {
		return nil, err
	}
	if len(strings.TrimSpace(string(data))) > 0 {
		info, ok := s.inputInfo(r.Header.Get("Content-Type"))
		if !ok {
			return nil, unsupportedMediaType(r.Header.Get("Content-Type"))
		}
		gvk := req.gv.WithKind("DeleteOptions")
		if _, _, err := info.Serializer.Decode(data, &gvk, opts); err != nil {
			return nil, apierrors.NewBadRequest(fmt.Sprintf("decoding DeleteOptions: %v", err))
		}
	} else if err := metav1.ParameterCodec.DecodeParameters(r.URL.Query(), req.gv, opts); err != nil {
		return nil, apierrors.NewBadRequest(fmt.Sprintf("decoding DeleteOptions: %v", err))
	}
	if dry, err := isDryRun(r); err != nil {
		return nil, err
	} else if dry {
		opts.DryRun = []string{"All"}
	}
	return opts, nil
}

func (s *Server) handleDelete(w http.ResponseWriter, r *http.Request, req *request) {
	opts, err := s.deleteOptions(r, req)
	if err != nil {
		s.writeError(w, err)
		return
	}
	obj, _, err := req.res.Registry.Delete(r.Context(), req.info.Namespace, req.info.Name, opts)
	if err != nil {
		s.writeError(w, err)
		return
	}
	s.writeObject(w, r, http.StatusOK, req.gv, obj)
}

func (s *Server) handleDeleteCollection(w http.ResponseWriter, r *http.Request, req *request) {
	lopts, err := listOptions(r)
	if err != nil {
		s.writeError(w, err)
		return
	}
	dopts, err := s.deleteOptions(r, req)
	if err != nil {
		s.writeError(w, err)
		return
	}
	list, err := req.res.Registry.DeleteCollection(r.Context(), req.info.Namespace, lopts, dopts)
	if err != nil {
		s.writeError(w, err)
		return
	}
	s.writeObject(w, r, http.StatusOK, req.gv, list)
}

func unsupportedMediaType(ct string) error {
	return &apierrors.StatusError{ErrStatus: metav1.Status{
		Status: metav1.StatusFailure, Code: http.StatusUnsupportedMediaType,
		Reason:  metav1.StatusReasonUnsupportedMediaType,
		Message: fmt.Sprintf("the body of the request was in an unknown format - accepted media types include: application/json, application/yaml, application/vnd.kubernetes.protobuf (got %q)", ct),
	}}
}
