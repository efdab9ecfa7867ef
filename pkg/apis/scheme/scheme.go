// Package scheme builds the runtime.Scheme of every type svcnet's API server
// serves, and the codecs that encode them on the wire and in etcd.
//
// svcnet serves the external (versioned) types of k8s.io/api directly: there
// is no internal version and no conversion. The scheme is built by a
// constructor, never held in a package variable, so that two servers in one
// process (as the tests and the lab run them) never share mutable state.
package scheme

import (
	appsv1 "k8s.io/api/apps/v1"
	authenticationv1 "k8s.io/api/authentication/v1"
	authorizationv1 "k8s.io/api/authorization/v1"
	autoscalingv1 "k8s.io/api/autoscaling/v1"
	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	eventsv1 "k8s.io/api/events/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	metav1beta1 "k8s.io/apimachinery/pkg/apis/meta/v1beta1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/runtime/serializer"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
)

// New returns a scheme holding every served group-version plus the
// meta.k8s.io types (Status, Table, WatchEvent, options) used on the wire.
func New() *runtime.Scheme {
	s := runtime.NewScheme()
	for _, add := range []func(*runtime.Scheme) error{
		corev1.AddToScheme,
		appsv1.AddToScheme,
		autoscalingv1.AddToScheme,
		discoveryv1.AddToScheme,
		coordinationv1.AddToScheme,
		eventsv1.AddToScheme,
		networkingv1.AddToScheme,
		authenticationv1.AddToScheme,
		authorizationv1.AddToScheme,
		metav1beta1.AddMetaToScheme,
	} {
		utilruntime.Must(add(s))
	}
	// Options and meta types are registered into every served version, as
	// kube-apiserver does, so that query parameters decode for each group.
	for _, gv := range []schema.GroupVersion{
		corev1.SchemeGroupVersion, appsv1.SchemeGroupVersion, autoscalingv1.SchemeGroupVersion,
		discoveryv1.SchemeGroupVersion, coordinationv1.SchemeGroupVersion,
		eventsv1.SchemeGroupVersion, networkingv1.SchemeGroupVersion,
		authenticationv1.SchemeGroupVersion, authorizationv1.SchemeGroupVersion,
	} {
		metav1.AddToGroupVersion(s, gv)
	}
	utilruntime.Must(metav1.AddMetaToScheme(s))
	s.AddUnversionedTypes(metav1.Unversioned, &metav1.Status{}, &metav1.APIVersions{},
		&metav1.APIGroupList{}, &metav1.APIGroup{}, &metav1.APIResourceList{})
	return s
}

// Codecs returns the codec factory for s.
func Codecs(s *runtime.Scheme) serializer.CodecFactory {
	return serializer.NewCodecFactory(s, serializer.EnableStrict)
}
