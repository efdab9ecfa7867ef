package model

import (
	"net/netip"
	"slices"
	"strings"
	"time"

	v1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
)

// ProxyNameLabel is the Service label that assigns a Service to a named
// proxy. A proxy handles the Services without the label and those whose
// label equals its own name.
const ProxyNameLabel = "service.kubernetes.io/service-proxy-name"

// defaultAffinityTimeout is Kubernetes' default ClientIP affinity timeout
// (three hours), used when a Service asks for affinity without a timeout.
const defaultAffinityTimeout = 10800 * time.Second

// Scope decides which Services a proxy handles and which addresses it keeps.
type Scope struct {
	// Family is the IP family of the addresses kept.
	Family Family
	// ProxyName is the proxy's name for ProxyNameLabel; empty handles only
	// unlabelled Services.
	ProxyName string
}

// ServicePorts trims svc to the ports the proxy programs. It returns nil
// for Services out of scope: headless and ExternalName Services, Services
// labelled for another proxy, and Services without a ClusterIP of the
// family.
func (s Scope) ServicePorts(svc *v1.Service) []*ServicePort {
	if svc == nil || !s.handles(svc) {
		return nil
	}
	clusterIP, ok := s.clusterIP(svc)
	if !ok {
		return nil
	}
	shared := ServicePort{
		ClusterIP:       clusterIP,
		ExternalIPs:     s.addrs(svc.Spec.ExternalIPs),
		LoadBalancerIPs: s.ingressIPs(svc),
		SourceRanges:    s.prefixes(svc.Spec.LoadBalancerSourceRanges),
		AffinityTimeout: affinityTimeout(svc),
		ExternalLocal:   svc.Spec.ExternalTrafficPolicy == v1.ServiceExternalTrafficPolicyLocal,
		InternalLocal: svc.Spec.InternalTrafficPolicy != nil &&
			*svc.Spec.InternalTrafficPolicy == v1.ServiceInternalTrafficPolicyLocal,
		HealthCheckNodePort: uint16(svc.Spec.HealthCheckNodePort),
	}
	if svc.Spec.Type != v1.ServiceTypeLoadBalancer {
		shared.LoadBalancerIPs, shared.SourceRanges = nil, nil
	}
	ports := make([]*ServicePort, 0, len(svc.Spec.Ports))
	for i := range svc.Spec.Ports {
		sp := &svc.Spec.Ports[i]
		if !supportedProtocol(sp.Protocol) || sp.Port <= 0 || sp.Port > 65535 {
			continue
		}
		p := shared
		p.Name = ServicePortName{NamespacedName: nsName(svc.Namespace, svc.Name), Port: sp.Name, Protocol: sp.Protocol}
		p.Port = uint16(sp.Port)
		if svc.Spec.Type == v1.ServiceTypeNodePort || svc.Spec.Type == v1.ServiceTypeLoadBalancer {
			p.NodePort = uint16(sp.NodePort)
		}
		// Traffic policy Local matters only for traffic from outside.
		p.ExternalLocal = p.ExternalLocal && p.ExternallyAccessible()
		if !p.ExternalLocal {
			p.HealthCheckNodePort = 0
		}
		ports = append(ports, &p)
	}
	slices.SortFunc(ports, func(a, b *ServicePort) int { return comparePortKey(a.Name.Key(), b.Name.Key()) })
	return ports
}

func (s Scope) handles(svc *v1.Service) bool {
	if svc.Spec.Type == v1.ServiceTypeExternalName {
		return false
	}
	if svc.Spec.ClusterIP == v1.ClusterIPNone || svc.Spec.ClusterIP == "" {
		return false
	}
	name, labelled := svc.Labels[ProxyNameLabel]
	return !labelled || (s.ProxyName != "" && name == s.ProxyName)
}

func (s Scope) clusterIP(svc *v1.Service) (netip.Addr, bool) {
	ips := svc.Spec.ClusterIPs
	if len(ips) == 0 {
		ips = []string{svc.Spec.ClusterIP}
	}
	for _, ip := range ips {
		if a, ok := s.Family.addr(ip); ok {
			return a, true
		}
	}
	return netip.Addr{}, false
}

func (s Scope) addrs(in []string) []netip.Addr {
	var out []netip.Addr
	for _, ip := range in {
		if a, ok := s.Family.addr(ip); ok && !slices.Contains(out, a) {
			out = append(out, a)
		}
	}
	return out
}

func (s Scope) ingressIPs(svc *v1.Service) []netip.Addr {
	var ips []string
	for _, ing := range svc.Status.LoadBalancer.Ingress {
		if ing.IPMode != nil && *ing.IPMode == v1.LoadBalancerIPModeProxy {
			continue
		}
		ips = append(ips, ing.IP)
	}
	return s.addrs(ips)
}

func (s Scope) prefixes(in []string) []netip.Prefix {
	var out []netip.Prefix
	for _, c := range in {
		p, err := netip.ParsePrefix(strings.TrimSpace(c))
		if err != nil || !s.Family.Has(p.Addr()) {
			continue
		}
		out = append(out, p.Masked())
	}
	return out
}

func affinityTimeout(svc *v1.Service) time.Duration {
	if svc.Spec.SessionAffinity != v1.ServiceAffinityClientIP {
		return 0
	}
	c := svc.Spec.SessionAffinityConfig
	if c != nil && c.ClientIP != nil && c.ClientIP.TimeoutSeconds != nil && *c.ClientIP.TimeoutSeconds > 0 {
		return time.Duration(*c.ClientIP.TimeoutSeconds) * time.Second
	}
	return defaultAffinityTimeout
}

func nsName(namespace, name string) types.NamespacedName {
	return types.NamespacedName{Namespace: namespace, Name: name}
}

func supportedProtocol(p v1.Protocol) bool {
	return p == v1.ProtocolTCP || p == v1.ProtocolUDP || p == v1.ProtocolSCTP
}

func comparePortKey(a, b PortKey) int {
	if c := strings.Compare(a.Name, b.Name); c != 0 {
		return c
	}
	return strings.Compare(string(a.Protocol), string(b.Protocol))
}
