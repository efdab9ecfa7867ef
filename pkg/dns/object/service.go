package object

import (
	"net/netip"
	"strings"
	"unique"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"
)

// TolerateUnreadyAnnotation is the legacy Service annotation that the DNS
// specification still honours: with it set to "true", every endpoint of the
// Service counts as ready.
const TolerateUnreadyAnnotation = "service.alpha.kubernetes.io/tolerate-unready-endpoints"

// Service is the part of a core/v1 Service that DNS answers need.
type Service struct {
	*noMeta

	// Namespace and Name identify the Service.
	Namespace, Name string
	// ClusterIPs are the virtual IPs, IPv4 and IPv6 alike. They are empty
	// for headless and ExternalName Services.
	ClusterIPs []netip.Addr
	// Headless is set when spec.clusterIP is "None".
	Headless bool
	// ExternalName is the fully qualified, lower-case CNAME target of an
	// ExternalName Service, and empty for every other type.
	ExternalName string
	// Ports are the Service's ports; only named ones get SRV records.
	Ports []Port
	// AllReady makes every endpoint count as ready: the Service publishes
	// not-ready addresses or carries TolerateUnreadyAnnotation.
	AllReady bool
}

// Port is one port of a Service or an EndpointSlice.
type Port struct {
	// Name is the port name; empty for an unnamed port.
	Name string
	// Protocol is "tcp", "udp" or "sctp", lower case as in SRV names.
	Protocol string
	// Port is the port number.
	Port int32
}

// ToService trims an API Service.
func ToService(s *corev1.Service) *Service {
	out := &Service{
		Namespace: intern(s.Namespace),
		Name:      s.Name,
		AllReady:  s.Spec.PublishNotReadyAddresses || s.Annotations[TolerateUnreadyAnnotation] == "true",
	}
	switch {
	case s.Spec.Type == corev1.ServiceTypeExternalName:
		if s.Spec.ExternalName != "" {
			out.ExternalName = fqdn(strings.ToLower(s.Spec.ExternalName))
		}
	case s.Spec.ClusterIP == corev1.ClusterIPNone:
		out.Headless = true
	default:
		ips := s.Spec.ClusterIPs
		if len(ips) == 0 && s.Spec.ClusterIP != "" {
			ips = []string{s.Spec.ClusterIP}
		}
		for _, ip := range ips {
			if a, err := netip.ParseAddr(ip); err == nil {
				out.ClusterIPs = append(out.ClusterIPs, a.Unmap())
			}
		}
	}
	if out.ExternalName == "" && len(s.Spec.Ports) > 0 {
		out.Ports = make([]Port, 0, len(s.Spec.Ports))
		for _, p := range s.Spec.Ports {
			out.Ports = append(out.Ports, Port{Name: p.Name, Protocol: protocol(string(p.Protocol)), Port: p.Port})
		}
	}
	return out
}

// GetNamespace implements metav1.Object.
func (s *Service) GetNamespace() string { return s.Namespace }

// SetNamespace implements metav1.Object.
func (s *Service) SetNamespace(ns string) { s.Namespace = ns }

// GetName implements metav1.Object.
func (s *Service) GetName() string { return s.Name }

// SetName implements metav1.Object.
func (s *Service) SetName(name string) { s.Name = name }

// DeepCopyObject implements runtime.Object.
func (s *Service) DeepCopyObject() runtime.Object {
	c := *s
	c.ClusterIPs = append([]netip.Addr(nil), s.ClusterIPs...)
	c.Ports = append([]Port(nil), s.Ports...)
	return &c
}

// protocol returns the lower-case SRV label of an API protocol, as a
// constant string so that no object holds a copy of its own.
func protocol(p string) string {
	switch p {
	case "", string(corev1.ProtocolTCP):
		return "tcp"
	case string(corev1.ProtocolUDP):
		return "udp"
	case string(corev1.ProtocolSCTP):
		return "sctp"
	}
	return strings.ToLower(p)
}

// intern returns the canonical copy of a string repeated across many
// objects (namespace names), so that each object does not keep its own.
func intern(s string) string { return unique.Make(s).Value() }

func fqdn(name string) string {
	if strings.HasSuffix(name, ".") {
		return name
	}
	return name + "."
}
