package apiserver

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

var metaGV = schema.GroupVersion{Group: "meta.k8s.io", Version: "v1"}

// writeJSON writes a plain Go value as JSON.
func (s *Server) writeJSON(w http.ResponseWriter, code int, v any) {
	data, err := json.Marshal(v)
	if err != nil {
		s.writeError(w, apierrors.NewInternalError(err))
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_, _ = w.Write(data)
}

// encode serialises obj for gv with the chosen media type.
func (s *Server) encode(info runtime.SerializerInfo, gv schema.GroupVersion, obj runtime.Object) ([]byte, error) {
	var buf bytes.Buffer
	if err := s.codecs.EncoderForVersion(info.Serializer, gv).Encode(obj, &buf); err != nil {
		return nil, fmt.Errorf("encoding %T: %w", obj, err)
	}
	return buf.Bytes(), nil
}

// writeObject writes obj (after any requested transformation) with code.
func (s *Server) writeObject(w http.ResponseWriter, r *http.Request, code int, gv schema.GroupVersion, obj runtime.Object) {
	out, ok := s.negotiateOutput(r.Header.Get("Accept"), true)
	if !ok {
		s.writeError(w, notAcceptable(r.Header.Get("Accept")))
		return
	}
	obj, gv, err := s.transform(r, out, gv, obj)
	if err != nil {
		s.writeError(w, err)
		return
	}
	data, err := s.encode(out.info, gv, obj)
	if err != nil {
		s.writeError(w, apierrors.NewInternalError(err))
		return
	}
	w.Header().Set("Content-Type", out.info.MediaType)
	w.WriteHeader(code)
	_, _ = w.Write(data)
}

func notAcceptable(accept string) error {
	return apierrors.NewGenericServerResponse(http.StatusNotAcceptable, "", schema.GroupResource{}, "", fmt.Sprintf("only the following media types are accepted: application/json, application/yaml, application/vnd.kubernetes.protobuf (asked for %q)", accept), 0, false)
}

// writeError writes err as a metav1.Status. Errors that are not API errors
// become 500s.
func (s *Server) writeError(w http.ResponseWriter, err error) {
	var status apierrors.APIStatus
	if !errors.As(err, &status) {
		s.log.Error("internal error", "err", err)
		status = apierrors.NewInternalError(err)
	}
	st := status.Status()
	if st.Code == 0 {
		st.Code = http.StatusInternalServerError
	}
	st.Status = metav1.StatusFailure
	data, eerr := s.encode(s.jsonInfo, schema.GroupVersion{Version: "v1"}, &st)
	if eerr != nil {
		http.Error(w, st.Message, int(st.Code))
		return
	}
	w.Header().Set("Content-Type", runtime.ContentTypeJSON)
	w.WriteHeader(int(st.Code))
	_, _ = w.Write(data)
}

// transform turns obj into the form the client asked for: a Table, or
// PartialObjectMetadata(List).
func (s *Server) transform(r *http.Request, out output, gv schema.GroupVersion, obj runtime.Object) (runtime.Object, schema.GroupVersion, error) {
	if _, isStatus := obj.(*metav1.Status); isStatus {
		return obj, schema.GroupVersion{Version: "v1"}, nil
	}
	asGV := schema.GroupVersion{Group: "meta.k8s.io", Version: out.asVersion}
	switch out.as {
	case "Table":
		t, err := s.table(r, out, gv, obj)
		return t, asGV, err
	case "PartialObjectMetadata":
		if meta.IsListType(obj) {
			return nil, gv, apierrors.NewBadRequest("PartialObjectMetadata is not a list type; ask for PartialObjectMetadataList")
		}
		return partialMetadata(obj, asGV), asGV, nil
	case "PartialObjectMetadataList":
		if !meta.IsListType(obj) {
			return nil, gv, apierrors.NewBadRequest("PartialObjectMetadataList is a list type; ask for PartialObjectMetadata")
		}
		list, err := partialMetadataList(obj, asGV)
		return list, asGV, err
	}
	return obj, gv, nil
}

func partialMetadata(obj runtime.Object, gv schema.GroupVersion) *metav1.PartialObjectMetadata {
	acc, err := meta.Accessor(obj)
	pom := &metav1.PartialObjectMetadata{}
	if err == nil {
		m := metav1.ObjectMeta{}
		copyObjectMeta(&m, acc)
		pom.ObjectMeta = m
	}
	pom.TypeMeta = metav1.TypeMeta{APIVersion: gv.String(), Kind: "PartialObjectMetadata"}
	return pom
}

func partialMetadataList(obj runtime.Object, gv schema.GroupVersion) (*metav1.PartialObjectMetadataList, error) {
	items, err := meta.ExtractList(obj)
	if err != nil {
		return nil, err
	}
	list := &metav1.PartialObjectMetadataList{TypeMeta: metav1.TypeMeta{APIVersion: gv.String(), Kind: "PartialObjectMetadataList"}}
	if lm, err := meta.ListAccessor(obj); err == nil {
		list.ResourceVersion = lm.GetResourceVersion()
		list.Continue = lm.GetContinue()
		list.RemainingItemCount = lm.GetRemainingItemCount()
	}
	list.Items = make([]metav1.PartialObjectMetadata, 0, len(items))
	for _, item := range items {
		list.Items = append(list.Items, *partialMetadata(item, gv))
	}
	return list, nil
}

// copyObjectMeta copies every ObjectMeta field through the accessor.
func copyObjectMeta(m *metav1.ObjectMeta, acc metav1.Object) {
	if om, ok := acc.(*metav1.ObjectMeta); ok {
		*m = *om.DeepCopy()
		return
	}
	m.Name, m.GenerateName, m.Namespace = acc.GetName(), acc.GetGenerateName(), acc.GetNamespace()
	m.UID, m.ResourceVersion, m.Generation = acc.GetUID(), acc.GetResourceVersion(), acc.GetGeneration()
	m.CreationTimestamp, m.DeletionTimestamp = acc.GetCreationTimestamp(), acc.GetDeletionTimestamp()
	m.DeletionGracePeriodSeconds = acc.GetDeletionGracePeriodSeconds()
	m.Labels, m.Annotations = acc.GetLabels(), acc.GetAnnotations()
	m.OwnerReferences, m.Finalizers = acc.GetOwnerReferences(), acc.GetFinalizers()
	m.ManagedFields = acc.GetManagedFields()
}

// table renders obj as a Table with each row's object encoded as asked by
// includeObject (default Metadata).
func (s *Server) table(r *http.Request, out output, gv schema.GroupVersion, obj runtime.Object) (*metav1.Table, error) {
	t, err := s.c.Tables.Table(obj, s.c.Now())
	if err != nil {
		return nil, apierrors.NewInternalError(err)
	}
	if lm, err := meta.ListAccessor(obj); err == nil && meta.IsListType(obj) {
		t.ResourceVersion = lm.GetResourceVersion()
		t.Continue = lm.GetContinue()
		t.RemainingItemCount = lm.GetRemainingItemCount()
	} else if acc, err := meta.Accessor(obj); err == nil {
		t.ResourceVersion = acc.GetResourceVersion()
	}
	if isTrue(r.URL.Query().Get("noHeaders")) {
		t.ColumnDefinitions = nil
	}
	include := metav1.IncludeObjectPolicy(r.URL.Query().Get("includeObject"))
	if include == "" {
		include = metav1.IncludeMetadata
	}
	metaAs := schema.GroupVersion{Group: "meta.k8s.io", Version: out.asVersion}
	for i := range t.Rows {
		row := &t.Rows[i]
		src := row.Object.Object
		row.Object = runtime.RawExtension{}
		if src == nil {
			continue
		}
		var err error
		switch include {
		case metav1.IncludeNone:
		case metav1.IncludeObject:
			row.Object.Raw, err = s.encode(out.info, gv, src)
		case metav1.IncludeMetadata:
			row.Object.Raw, err = s.encode(out.info, metaAs, partialMetadata(src, metaAs))
		default:
			return nil, apierrors.NewBadRequest("includeObject must be one of None, Metadata or Object")
		}
		if err != nil {
			return nil, apierrors.NewInternalError(err)
		}
	}
	return t, nil
}

// parseInt64 parses an optional integer query parameter.
func parseInt64(r *http.Request, name string) (int64, error) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return 0, nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		return 0, apierrors.NewBadRequest(fmt.Sprintf("invalid %s %q: %v", name, v, err))
	}
	return n, nil
}
