package object

import (
	"net/netip"

	discoveryv1 "k8s.io/api/discovery/v1"
	"k8s.io/apimachinery/pkg/runtime"
)

// EndpointSlice is the part of a discovery/v1 EndpointSlice that DNS
// answers need.
type EndpointSlice struct {
	*noMeta

	// Namespace and Name identify the slice.
	Namespace, Name string
	// Service is the owning Service's name, from the
	// kubernetes.io/service-name label; empty slices without it are kept
	// but never answered from.
	Service string
	// Ports are the slice's ports: the Service's target ports as resolved
	// for these endpoints.
	Ports []Port
	// Endpoints are the IP endpoints; FQDN slices have none.
	Endpoints []Endpoint
}

// Endpoint is one endpoint of a slice.
type Endpoint struct {
	// Addr is the endpoint's first address. The API says all addresses of
	// an endpoint are fungible and that consumers may use the first.
	Addr netip.Addr
	// Hostname is the endpoint's hostname field, or empty.
	Hostname string
	// Ready is the ready condition; an unset condition means ready.
	Ready bool
}

// ToEndpointSlice trims an API EndpointSlice.
func ToEndpointSlice(s *discoveryv1.EndpointSlice) *EndpointSlice {
	out := &EndpointSlice{
		Namespace: intern(s.Namespace),
		Name:      s.Name,
		Service:   s.Labels[discoveryv1.LabelServiceName],
	}
	if len(s.Ports) > 0 {
		out.Ports = make([]Port, 0, len(s.Ports))
		for _, p := range s.Ports {
			port := Port{Protocol: "tcp"}
			if p.Name != nil {
				port.Name = *p.Name
			}
			if p.Protocol != nil {
				port.Protocol = protocol(string(*p.Protocol))
			}
			if p.Port != nil {
				port.Port = *p.Port
			}
			out.Ports = append(out.Ports, port)
		}
	}
	if s.AddressType != discoveryv1.AddressTypeIPv4 && s.AddressType != discoveryv1.AddressTypeIPv6 {
		return out
	}
	out.Endpoints = make([]Endpoint, 0, len(s.Endpoints))
	for _, e := range s.Endpoints {
		if len(e.Addresses) == 0 {
			continue
		}
		a, err := netip.ParseAddr(e.Addresses[0])
		if err != nil {
			continue
		}
		ep := Endpoint{Addr: a.Unmap(), Ready: e.Conditions.Ready == nil || *e.Conditions.Ready}
		if e.Hostname != nil {
			ep.Hostname = *e.Hostname
		}
		out.Endpoints = append(out.Endpoints, ep)
	}
	return out
}

// GetNamespace implements metav1.Object.
func (s *EndpointSlice) GetNamespace() string { return s.Namespace }

// SetNamespace implements metav1.Object.
func (s *EndpointSlice) SetNamespace(ns string) { s.Namespace = ns }

// GetName implements metav1.Object.
func (s *EndpointSlice) GetName() string { return s.Name }

// SetName implements metav1.Object.
func (s *EndpointSlice) SetName(name string) { s.Name = name }

// DeepCopyObject implements runtime.Object.
func (s *EndpointSlice) DeepCopyObject() runtime.Object {
	c := *s
	c.Ports = append([]Port(nil), s.Ports...)
	c.Endpoints = append([]Endpoint(nil), s.Endpoints...)
	return &c
}
