package apiserver

import (
	"context"
	"fmt"
	"net/http"

	autoscalingv1 "k8s.io/api/autoscaling/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/svcnet/svcnet/pkg/registry/generic"
)

var scaleGV = autoscalingv1.SchemeGroupVersion

// serveSubresource routes <resource>/<name>/<subresource> requests.
func (s *Server) serveSubresource(w http.ResponseWriter, r *http.Request, req *request) {
	res := req.res
	switch {
	case req.info.Name == "":
		s.writeError(w, apierrors.NewNotFound(res.groupResource(), ""))
	case req.info.Subresource == "status" && res.Status != nil:
		switch req.info.Verb {
		case "get":
			s.handleGet(w, r, req)
		case "update":
			s.handleUpdate(w, r, req, generic.StatusSubresource)
		case "patch":
			s.handlePatch(w, r, req, generic.StatusSubresource)
		default:
			s.writeError(w, apierrors.NewMethodNotSupported(res.groupResource(), req.info.Verb))
		}
	case req.info.Subresource == "scale" && res.Scale != nil:
		s.serveScale(w, r, req)
	default:
		h, ok := res.Subresources[req.info.Subresource]
		if !ok {
			s.writeError(w, apierrors.NewNotFound(schema.GroupResource{Group: res.GroupVersion.Group, Resource: res.Plural + "/" + req.info.Subresource}, req.info.Name))
			return
		}
		h.Handler(&SubresourceRequest{Namespace: req.info.Namespace, Name: req.info.Name, W: w, R: r, s: s, req: req})
	}
}

// serveScale serves the autoscaling/v1 Scale view of a workload.
func (s *Server) serveScale(w http.ResponseWriter, r *http.Request, req *request) {
	res := req.res
	ctx := r.Context()
	switch req.info.Verb {
	case "get":
		obj, err := res.Registry.Get(ctx, req.info.Namespace, req.info.Name)
		if err != nil {
			s.writeError(w, err)
			return
		}
		s.writeObject(w, r, http.StatusOK, scaleGV, res.Scale.Get(obj))
	case "update", "patch":
		dryRun, err := isDryRun(r)
		if err != nil {
			s.writeError(w, err)
			return
		}
		body, err := s.readBody(r)
		if err != nil {
			s.writeError(w, err)
			return
		}
		scaleReq := &request{info: req.info, gv: scaleGV, res: &Resource{GroupVersion: scaleGV, Kind: "Scale", Plural: res.Plural, Registry: res.Registry},
			newFunc: func() runtime.Object { return &autoscalingv1.Scale{} }}
		transform := func(ctx context.Context, cur runtime.Object) (runtime.Object, error) {
			if cur == nil {
				return nil, apierrors.NewNotFound(res.groupResource(), req.info.Name)
			}
			scale, err := s.desiredScale(w, r, scaleReq, body, res.Scale.Get(cur))
			if err != nil {
				return nil, err
			}
			if scale.Spec.Replicas < 0 {
				return nil, apierrors.NewBadRequest(fmt.Sprintf("spec.replicas: Invalid value: %d: must be greater than or equal to 0", scale.Spec.Replicas))
			}
			out := cur.DeepCopyObject()
			res.Scale.Set(out, scale.Spec.Replicas)
			return out, nil
		}
		out, _, err := res.Registry.Update(ctx, req.info.Namespace, req.info.Name, transform, generic.UpdateOptions{DryRun: dryRun})
		if err != nil {
			s.writeError(w, err)
			return
		}
		s.writeObject(w, r, http.StatusOK, scaleGV, res.Scale.Get(out))
	default:
		s.writeError(w, apierrors.NewMethodNotSupported(res.groupResource(), req.info.Verb))
	}
}

// desiredScale decodes a PUT body or applies a PATCH to the current Scale.
func (s *Server) desiredScale(w http.ResponseWriter, r *http.Request, req *request, body []byte, cur *autoscalingv1.Scale) (*autoscalingv1.Scale, error) {
	var obj runtime.Object
	var err error
	if r.Method == http.MethodPut {
		obj, err = s.decodeBody(w, r, req, body, scaleGV.WithKind("Scale"), &autoscalingv1.Scale{})
	} else {
		pt, perr := patchType(r)
		if perr != nil {
			return nil, perr
		}
		obj, err = s.applyPatch(w, r, req, pt, body, cur)
	}
	if err != nil {
		return nil, err
	}
	scale := obj.(*autoscalingv1.Scale)
	if rv := scale.ResourceVersion; rv != "" && rv != cur.ResourceVersion {
		return nil, apierrors.NewConflict(schema.GroupResource{Group: req.gv.Group, Resource: req.res.Plural}, cur.Name,
			fmt.Errorf("the object has been modified; please apply your changes to the latest version and try again"))
	}
	return scale, nil
}

// SubresourceRequest is a request to a custom subresource, with the
// server's encoding and error conventions at hand.
type SubresourceRequest struct {
	Namespace, Name string
	W               http.ResponseWriter
	R               *http.Request
	s               *Server
	req             *request
}

// Decode reads the request body into into, which must be of kind gvk.
func (sr *SubresourceRequest) Decode(gvk schema.GroupVersionKind, into runtime.Object) error {
	body, err := sr.s.readBody(sr.R)
	if err != nil {
		return err
	}
	_, err = sr.s.decodeBody(sr.W, sr.R, &request{info: sr.req.info, gv: gvk.GroupVersion(), res: &Resource{GroupVersion: gvk.GroupVersion(), Kind: gvk.Kind}}, body, gvk, into)
	return err
}

// Error writes err as a Status.
func (sr *SubresourceRequest) Error(err error) { sr.s.writeError(sr.W, err) }

// Object writes obj, encoded for gv, with code.
func (sr *SubresourceRequest) Object(code int, gv schema.GroupVersion, obj runtime.Object) {
	sr.s.writeObject(sr.W, sr.R, code, gv, obj)
}
