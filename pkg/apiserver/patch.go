package apiserver

import (
	"context"
	"fmt"
	"mime"
	"net/http"

	jsonpatch "gopkg.in/evanphx/json-patch.v4"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/strategicpatch"

	"github.com/svcnet/svcnet/pkg/registry/generic"
)

// maxJSONPatchOperations bounds the work one JSON patch can ask for.
const maxJSONPatchOperations = 10000

// handlePatch applies a JSON, merge or strategic merge patch to the current
// object inside the store's optimistic-update loop, so that concurrent
// patches never conflict with each other.
func (s *Server) handlePatch(w http.ResponseWriter, r *http.Request, req *request, sub generic.Subresource) {
	patch, err := s.readBody(r)
	if err != nil {
		s.writeError(w, err)
		return
	}
	dryRun, err := isDryRun(r)
	if err != nil {
		s.writeError(w, err)
		return
	}
	pt, err := patchType(r)
	if err != nil {
		s.writeError(w, err)
		return
	}
	transform := func(ctx context.Context, cur runtime.Object) (runtime.Object, error) {
		if cur == nil {
			return nil, apierrors.NewNotFound(req.res.groupResource(), req.info.Name)
		}
		return s.applyPatch(w, r, req, pt, patch, cur)
	}
	out, _, err := req.res.Registry.Update(r.Context(), req.info.Namespace, req.info.Name, transform,
		generic.UpdateOptions{DryRun: dryRun, Subresource: sub, StatusValidate: req.res.Status})
	if err != nil {
		s.writeError(w, err)
		return
	}
	s.writeObject(w, r, http.StatusOK, req.gv, out)
}

// patchType returns the request's supported patch type.
func patchType(r *http.Request) (types.PatchType, error) {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil {
		return "", unsupportedMediaType(r.Header.Get("Content-Type"))
	}
	switch pt := types.PatchType(mt); pt {
	case types.JSONPatchType, types.MergePatchType, types.StrategicMergePatchType:
		return pt, nil
	}
	return "", unsupportedMediaType(mt)
}

// applyPatch returns cur with patch applied, decoded with the request's
// field validation.
func (s *Server) applyPatch(w http.ResponseWriter, r *http.Request, req *request, pt types.PatchType, patch []byte, cur runtime.Object) (runtime.Object, error) {
	gvk := s.kindOf(req)
	if pt == "" {
		return nil, unsupportedMediaType(r.Header.Get("Content-Type"))
	}
	cur.GetObjectKind().SetGroupVersionKind(gvk)
	curJSON, err := runtime.Encode(s.codecs.LegacyCodec(req.gv), cur)
	if err != nil {
		return nil, apierrors.NewInternalError(err)
	}
	var patched []byte
	switch pt {
	case types.JSONPatchType:
		p, err := jsonpatch.DecodePatch(patch)
		if err != nil {
			return nil, apierrors.NewBadRequest(err.Error())
		}
		if len(p) > maxJSONPatchOperations {
			return nil, apierrors.NewRequestEntityTooLargeError(fmt.Sprintf("The allowed maximum operations in a JSON patch is %d, got %d", maxJSONPatchOperations, len(p)))
		}
		if patched, err = p.Apply(curJSON); err != nil {
			return nil, apierrors.NewGenericServerResponse(http.StatusUnprocessableEntity, "", req.res.groupResource(), req.info.Name, err.Error(), 0, false)
		}
	case types.MergePatchType:
		if patched, err = jsonpatch.MergePatch(curJSON, patch); err != nil {
			return nil, apierrors.NewBadRequest(err.Error())
		}
	case types.StrategicMergePatchType:
		schema, err := strategicpatch.NewPatchMetaFromStruct(req.newObject())
		if err != nil {
			return nil, apierrors.NewInternalError(err)
		}
		if patched, err = strategicpatch.StrategicMergePatchUsingLookupPatchMeta(curJSON, patch, schema); err != nil {
			return nil, apierrors.NewBadRequest(err.Error())
		}
	}
	r2 := r.Clone(r.Context())
	r2.Header.Set("Content-Type", runtime.ContentTypeJSON)
	obj, err := s.decodeBody(w, r2, req, patched, gvk, req.newObject())
	if err != nil {
		return nil, err
	}
	if acc, err := meta.Accessor(obj); err == nil {
		if acc.GetName() != req.info.Name {
			return nil, apierrors.NewBadRequest(fmt.Sprintf("the name of the object (%s) does not match the name on the URL (%s)", acc.GetName(), req.info.Name))
		}
		if req.res.Namespaced && acc.GetNamespace() != req.info.Namespace {
			return nil, apierrors.NewBadRequest("the namespace of the object does not match the namespace on the request")
		}
	}
	return obj, nil
}
