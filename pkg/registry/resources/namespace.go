package resources

import (
	"context"
	"fmt"
	"net/http"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/svcnet/svcnet/pkg/apiserver"
	"github.com/svcnet/svcnet/pkg/registry/generic"
)

var namespacesGR = schema.GroupResource{Resource: "namespaces"}

func forbiddenTerminating(namespace string) error {
	return apierrors.NewForbidden(schema.GroupResource{}, "",
		fmt.Errorf("unable to create new content in namespace %s because it is being terminated", namespace))
}

// configureNamespaces makes namespace deletion two-phased, as in
// Kubernetes: a delete marks the namespace Terminating; the namespace
// controller removes its content and then clears spec.finalizers through
// the finalize subresource, after which the namespace leaves storage.
func configureNamespaces(c *generic.Config) {
	c.PrepareForDelete = func(obj runtime.Object) {
		obj.(*corev1.Namespace).Status.Phase = corev1.NamespaceTerminating
	}
	c.ReadyToDelete = func(obj runtime.Object) bool {
		ns := obj.(*corev1.Namespace)
		return len(ns.Finalizers) == 0 && len(ns.Spec.Finalizers) == 0
	}
}

// finalizeHandler serves namespaces/<name>/finalize: it replaces only
// spec.finalizers.
func (s *Set) finalizeHandler(sr *apiserver.SubresourceRequest) {
	name := sr.Name
	if sr.R.Method != http.MethodPut {
		sr.Error(apierrors.NewMethodNotSupported(schema.GroupResource{Resource: "namespaces/finalize"}, sr.R.Method))
		return
	}
	body := &corev1.Namespace{}
	if err := sr.Decode(corev1.SchemeGroupVersion.WithKind("Namespace"), body); err != nil {
		sr.Error(err)
		return
	}
	out, _, err := s.byName["namespaces"].Update(sr.R.Context(), "", sr.Name, func(_ context.Context, cur runtime.Object) (runtime.Object, error) {
		if cur == nil {
			return nil, apierrors.NewNotFound(namespacesGR, name)
		}
		ns := cur.(*corev1.Namespace)
		ns.Spec.Finalizers = body.Spec.Finalizers
		return ns, nil
	}, generic.UpdateOptions{Subresource: generic.AllFields})
	if err != nil {
		sr.Error(err)
		return
	}
	sr.Object(http.StatusOK, corev1.SchemeGroupVersion, out)
}
