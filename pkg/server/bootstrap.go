package server

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"time"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	networkingv1 "k8s.io/api/networking/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/svcnet/svcnet/pkg/registry/generic"
)

// systemNamespaces exist from the start, as in every Kubernetes cluster.
var systemNamespaces = []string{"default", "kube-system", "kube-public", "kube-node-lease"}

// bootstrap creates the objects every cluster starts with. Each step is
// idempotent, so restarts and several servers are safe.
func (s *Server) bootstrap(ctx context.Context) error {
	for _, name := range systemNamespaces {
		if err := s.ensure(ctx, "namespaces", &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}}); err != nil {
			return err
		}
	}
	cidr := &networkingv1.ServiceCIDR{
		ObjectMeta: metav1.ObjectMeta{Name: "kubernetes"},
		Spec:       networkingv1.ServiceCIDRSpec{CIDRs: []string{s.c.ServiceCIDR.String()}},
	}
	if err := s.ensure(ctx, "servicecidrs.networking.k8s.io", cidr); err != nil {
		return err
	}
	if err := s.markServiceCIDRReady(ctx); err != nil {
		return err
	}
	svc := &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Name: "kubernetes", Namespace: "default",
			Labels: map[string]string{"component": "apiserver", "provider": "kubernetes"}},
		Spec: corev1.ServiceSpec{
			ClusterIP: firstIP(s.c.ServiceCIDR).String(),
			Ports: []corev1.ServicePort{{Name: "https", Protocol: corev1.ProtocolTCP, Port: 443,
				TargetPort: intstr.FromInt32(int32(s.Port()))}},
			SessionAffinity: corev1.ServiceAffinityNone,
		},
	}
	if err := s.ensure(ctx, "services", svc); err != nil {
		return err
	}
	if err := s.ensure(ctx, "services", kubeDNSService(nthIP(s.c.ServiceCIDR, 10))); err != nil {
		return err
	}
	return s.reconcileAPIEndpoints(ctx)
}

// ensure creates obj unless an object of that name exists.
func (s *Server) ensure(ctx context.Context, resource string, obj runtime.Object) error {
	_, err := s.set.Registry(resource).Create(ctx, obj, generic.CreateOptions{})
	if err != nil && !apierrors.IsAlreadyExists(err) {
		return fmt.Errorf("creating %s: %w", resource, err)
	}
	return nil
}

// markServiceCIDRReady sets the default ServiceCIDR's Ready condition.
func (s *Server) markServiceCIDRReady(ctx context.Context) error {
	_, _, err := s.set.Registry("servicecidrs.networking.k8s.io").Update(ctx, "", "kubernetes",
		func(_ context.Context, cur runtime.Object) (runtime.Object, error) {
			c := cur.(*networkingv1.ServiceCIDR)
			for _, cond := range c.Status.Conditions {
				if cond.Type == networkingv1.ServiceCIDRConditionReady && cond.Status == metav1.ConditionTrue {
					return c, nil
				}
			}
			c.Status.Conditions = []metav1.Condition{{Type: networkingv1.ServiceCIDRConditionReady, Status: metav1.ConditionTrue,
				Reason: "", Message: "Kubernetes Service CIDR is ready", LastTransitionTime: metav1.NewTime(s.c.Now().Truncate(time.Second))}}
			return c, nil
		}, generic.UpdateOptions{Subresource: generic.AllFields})
	return err
}

// reconcileAPIEndpoints points the kubernetes Service's Endpoints and
// EndpointSlice at this API server.
func (s *Server) reconcileAPIEndpoints(ctx context.Context) error {
	ip := s.c.AdvertiseAddress.String()
	port := int32(s.Port())
	ep := &corev1.Endpoints{
		ObjectMeta: metav1.ObjectMeta{Name: "kubernetes", Namespace: "default",
			Labels: map[string]string{"endpointslice.kubernetes.io/skip-mirror": "true"}},
		Subsets: []corev1.EndpointSubset{{
			Addresses: []corev1.EndpointAddress{{IP: ip}},
			Ports:     []corev1.EndpointPort{{Name: "https", Port: port, Protocol: corev1.ProtocolTCP}},
		}},
	}
	ready := true
	family := discoveryv1.AddressTypeIPv4
	if net.ParseIP(ip).To4() == nil {
		family = discoveryv1.AddressTypeIPv6
	}
	slice := &discoveryv1.EndpointSlice{
		ObjectMeta: metav1.ObjectMeta{Name: "kubernetes", Namespace: "default",
			Labels: map[string]string{discoveryv1.LabelServiceName: "kubernetes", discoveryv1.LabelManagedBy: "kube-apiserver"}},
		AddressType: family,
		Endpoints:   []discoveryv1.Endpoint{{Addresses: []string{ip}, Conditions: discoveryv1.EndpointConditions{Ready: &ready}}},
		Ports:       []discoveryv1.EndpointPort{{Name: strPtr("https"), Port: &port, Protocol: protoPtr(corev1.ProtocolTCP)}},
	}
	for _, item := range []struct {
		resource string
		obj      runtime.Object
		apply    func(cur runtime.Object) runtime.Object
	}{
		{"endpoints", ep, func(cur runtime.Object) runtime.Object {
			c := cur.(*corev1.Endpoints)
			c.Subsets, c.Labels = ep.Subsets, ep.Labels
			return c
		}},
		{"endpointslices.discovery.k8s.io", slice, func(cur runtime.Object) runtime.Object {
			c := cur.(*discoveryv1.EndpointSlice)
			c.AddressType, c.Endpoints, c.Ports, c.Labels = slice.AddressType, slice.Endpoints, slice.Ports, slice.Labels
			return c
		}},
	} {
		reg := s.set.Registry(item.resource)
		_, err := reg.Create(ctx, item.obj, generic.CreateOptions{Trusted: true})
		if apierrors.IsAlreadyExists(err) {
			_, _, err = reg.Update(ctx, "default", "kubernetes", func(_ context.Context, cur runtime.Object) (runtime.Object, error) {
				return item.apply(cur), nil
			}, generic.UpdateOptions{Subresource: generic.AllFields})
		}
		if err != nil {
			return fmt.Errorf("reconciling the kubernetes %s: %w", item.resource, err)
		}
	}
	return nil
}

// nthIP returns the n-th address of a prefix (10.96.0.10 for n=10).
func nthIP(p netip.Prefix, n int) netip.Addr {
	a := p.Masked().Addr()
	for i := 0; i < n; i++ {
		a = a.Next()
	}
	return a
}

func strPtr(s string) *string                     { return &s }
func protoPtr(p corev1.Protocol) *corev1.Protocol { return &p }

// kubeDNSService is the cluster DNS Service: no selector (each node's agent
// publishes its own DNS server as an endpoint) and internalTrafficPolicy
// Local, so every pod asks its own node.
func kubeDNSService(clusterIP netip.Addr) *corev1.Service {
	local := corev1.ServiceInternalTrafficPolicyLocal
	return &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Name: "kube-dns", Namespace: "kube-system",
			Labels: map[string]string{"k8s-app": "kube-dns", "kubernetes.io/name": "CoreDNS", "kubernetes.io/cluster-service": "true"}},
		Spec: corev1.ServiceSpec{
			ClusterIP:             clusterIP.String(),
			InternalTrafficPolicy: &local,
			Ports: []corev1.ServicePort{
				{Name: "dns", Port: 53, Protocol: corev1.ProtocolUDP},
				{Name: "dns-tcp", Port: 53, Protocol: corev1.ProtocolTCP},
				{Name: "metrics", Port: 9153, Protocol: corev1.ProtocolTCP},
			},
		},
	}
}
