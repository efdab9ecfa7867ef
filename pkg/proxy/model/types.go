package model

import (
	"fmt"
	"net/netip"
	"time"

	v1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
)

// Family is the IP family a proxy programs. A model built for one family
// holds only that family's addresses.
type Family int

const (
	// IPv4 selects IPv4 addresses.
	IPv4 Family = iota
	// IPv6 selects IPv6 addresses.
	IPv6
)

// Has reports whether a is an address of family f.
func (f Family) Has(a netip.Addr) bool {
	if !a.IsValid() {
		return false
	}
	if f == IPv4 {
		return a.Is4() || a.Is4In6()
	}
	return a.Is6() && !a.Is4In6()
}

// addr parses s as an address of family f; the second result is false when
// s is not one.
func (f Family) addr(s string) (netip.Addr, bool) {
	a, err := netip.ParseAddr(s)
	if err != nil || !f.Has(a) {
		return netip.Addr{}, false
	}
	return a.Unmap(), true
}

// PortKey identifies one port of a Service: the port's name and protocol.
// EndpointSlice ports are matched to Service ports by this pair.
type PortKey struct {
	// Name is the port's name, empty for a Service's only port.
	Name string
	// Protocol is TCP, UDP or SCTP.
	Protocol v1.Protocol
}

// ServicePortName names one port of one Service.
type ServicePortName struct {
	types.NamespacedName
	// Port is the port's name, empty for a Service's only port.
	Port string
	// Protocol is TCP, UDP or SCTP.
	Protocol v1.Protocol
}

// Key returns the port's name and protocol.
func (n ServicePortName) Key() PortKey { return PortKey{Name: n.Port, Protocol: n.Protocol} }

// String returns "namespace/name:port/protocol", the form used in logs,
// comments and metrics.
func (n ServicePortName) String() string {
	return fmt.Sprintf("%s/%s:%s/%s", n.Namespace, n.Name, n.Port, n.Protocol)
}

// ServicePort is everything the proxy needs to know about one port of a
// Service.
type ServicePort struct {
	// Name names the port.
	Name ServicePortName
	// ClusterIP is the Service's ClusterIP of the model's family.
	ClusterIP netip.Addr
	// Port is the Service port.
	Port uint16
	// NodePort is the NodePort, 0 when the Service has none.
	NodePort uint16
	// ExternalIPs are the Service's spec.externalIPs of the model's family.
	ExternalIPs []netip.Addr
	// LoadBalancerIPs are the ingress IPs from the Service status (those
	// whose ipMode is not Proxy).
	LoadBalancerIPs []netip.Addr
	// SourceRanges are the loadBalancerSourceRanges of the model's family;
	// when set, LoadBalancer IPs accept traffic only from them.
	SourceRanges []netip.Prefix
	// AffinityTimeout is the ClientIP session affinity timeout, 0 when the
	// Service has no session affinity.
	AffinityTimeout time.Duration
	// ExternalLocal is externalTrafficPolicy Local: external traffic goes
	// only to endpoints on this node and keeps its client IP.
	ExternalLocal bool
	// InternalLocal is internalTrafficPolicy Local: cluster-internal
	// traffic goes only to endpoints on this node.
	InternalLocal bool
	// HealthCheckNodePort is the port of the Service's health check, set
	// for LoadBalancer Services with externalTrafficPolicy Local.
	HealthCheckNodePort uint16
}

// ExternallyAccessible reports whether the port is reachable from outside
// the cluster: through a NodePort, an external IP or a LoadBalancer IP.
func (p *ServicePort) ExternallyAccessible() bool {
	return p.NodePort != 0 || len(p.ExternalIPs) > 0 || len(p.LoadBalancerIPs) > 0
}

// Endpoint is one backend of a Service port.
type Endpoint struct {
	// Addr is the backend's IP and target port.
	Addr netip.AddrPort
	// NodeName is the node the backend runs on, empty when unknown.
	NodeName string
	// Ready is the EndpointSlice ready condition (nil counts as true).
	Ready bool
	// Serving is the serving condition (nil counts as Ready).
	Serving bool
	// Terminating is the terminating condition (nil counts as false).
	Terminating bool
}

// Service is the proxy's model of one Service: its ports, from the Service
// object, and its endpoints, from its EndpointSlices. Either part can be
// missing while the other exists. A Service value is never changed after it
// is built.
type Service struct {
	// Name is the Service's namespace and name.
	Name types.NamespacedName
	// Ports are the ports the proxy handles, sorted by name and protocol.
	// Empty when the Service does not exist, is out of scope (headless,
	// ExternalName, another proxy's) or has no ClusterIP of the family.
	Ports []*ServicePort
	// Endpoints are the endpoints of each port, sorted by address.
	Endpoints map[PortKey][]*Endpoint
}
