package object

import (
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/tools/cache"
)

// Compile-time checks that the trimmed types fit client-go's stores.
var (
	_ metav1.Object  = (*Service)(nil)
	_ runtime.Object = (*Service)(nil)
	_ metav1.Object  = (*EndpointSlice)(nil)
	_ runtime.Object = (*EndpointSlice)(nil)
	_ metav1.Object  = (*Pod)(nil)
	_ runtime.Object = (*Pod)(nil)
)

// Transform is a cache.TransformFunc that trims Services, EndpointSlices and
// Pods. It is idempotent, as client-go requires: already trimmed objects
// and objects of other types pass through unchanged.
func Transform(obj any) (any, error) {
	switch o := obj.(type) {
	case *corev1.Service:
		return ToService(o), nil
	case *discoveryv1.EndpointSlice:
		return ToEndpointSlice(o), nil
	case *corev1.Pod:
		return ToPod(o), nil
	case cache.DeletedFinalStateUnknown:
		inner, err := Transform(o.Obj)
		if err != nil {
			return nil, err
		}
		o.Obj = inner
		return o, nil
	}
	return obj, nil
}

var _ cache.TransformFunc = Transform
