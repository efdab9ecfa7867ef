package endpointutil

import (
	"fmt"
	"net/netip"
	"reflect"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// HasSelector reports whether the endpoint controllers manage the Service's
// endpoints. An empty selector counts as none: it does not survive a
// protobuf round trip in Kubernetes either, so treating it as "select
// everything" would depend on the storage encoding.
func HasSelector(svc *corev1.Service) bool {
	return len(svc.Spec.Selector) > 0
}

// WantsEndpoints reports whether the controllers should derive endpoints
// for svc from its pods: it has a selector and is not of type ExternalName.
func WantsEndpoints(svc *corev1.Service) bool {
	return svc.Spec.Type != corev1.ServiceTypeExternalName && HasSelector(svc)
}

// SelectorMatches reports whether labels satisfy an equality-based Service
// selector. It avoids building a labels.Selector per call, which matters in
// informer callbacks that test every Service of a namespace.
func SelectorMatches(selector, labels map[string]string) bool {
	if len(selector) == 0 {
		return false
	}
	for k, v := range selector {
		if got, ok := labels[k]; !ok || got != v {
			return false
		}
	}
	return true
}

// IsHeadless reports whether the Service has no cluster IP.
func IsHeadless(svc *corev1.Service) bool {
	return svc.Spec.ClusterIP == corev1.ClusterIPNone || svc.Spec.ClusterIP == ""
}

// PodReadyCondition returns the pod's Ready condition, or nil.
func PodReadyCondition(pod *corev1.Pod) *corev1.PodCondition {
	for i := range pod.Status.Conditions {
		if pod.Status.Conditions[i].Type == corev1.PodReady {
			return &pod.Status.Conditions[i]
		}
	}
	return nil
}

// IsPodReady reports whether the pod's Ready condition is True.
func IsPodReady(pod *corev1.Pod) bool {
	c := PodReadyCondition(pod)
	return c != nil && c.Status == corev1.ConditionTrue
}

// IsPodTerminal reports whether the pod has finished (Succeeded or Failed).
func IsPodTerminal(pod *corev1.Pod) bool {
	return pod.Status.Phase == corev1.PodSucceeded || pod.Status.Phase == corev1.PodFailed
}

// PodIPs returns the pod's IPs, from status.podIPs or, when only the
// legacy field is set, status.podIP.
func PodIPs(pod *corev1.Pod) []string {
	if len(pod.Status.PodIPs) > 0 {
		ips := make([]string, 0, len(pod.Status.PodIPs))
		for _, ip := range pod.Status.PodIPs {
			ips = append(ips, ip.IP)
		}
		return ips
	}
	if pod.Status.PodIP != "" {
		return []string{pod.Status.PodIP}
	}
	return nil
}

// ShouldPodBeInEndpoints reports whether a pod is an endpoint candidate:
// not terminal, has an IP, and, unless includeTerminating, is not being
// deleted. The EndpointSlice controller includes terminating pods (marked
// terminating); the Endpoints controller includes them only for Services
// that publish not-ready addresses, as Kubernetes does.
func ShouldPodBeInEndpoints(pod *corev1.Pod, includeTerminating bool) bool {
	if IsPodTerminal(pod) {
		return false
	}
	if len(PodIPs(pod)) == 0 {
		return false
	}
	if !includeTerminating && pod.DeletionTimestamp != nil {
		return false
	}
	return true
}

// ShouldSetHostname reports whether the pod's endpoint carries its
// hostname: the pod names the Service as its subdomain (headless DNS
// records such as web-0.web.ns.svc).
func ShouldSetHostname(pod *corev1.Pod, svc *corev1.Service) bool {
	return pod.Spec.Hostname != "" && pod.Spec.Subdomain == svc.Name && pod.Namespace == svc.Namespace
}

// IsIPv6 reports whether s is an IPv6 address (false for IPv4, including
// IPv4-mapped IPv6, and for garbage).
func IsIPv6(s string) bool {
	a, err := netip.ParseAddr(s)
	return err == nil && a.Is6() && !a.Is4In6()
}

// IsIP reports whether s parses as an IP address.
func IsIP(s string) bool {
	_, err := netip.ParseAddr(s)
	return err == nil
}

// IPForFamily returns the pod's first IP of the given address type, or "".
func IPForFamily(pod *corev1.Pod, addrType discoveryv1.AddressType) string {
	for _, ip := range PodIPs(pod) {
		if !IsIP(ip) {
			continue
		}
		if IsIPv6(ip) == (addrType == discoveryv1.AddressTypeIPv6) {
			return ip
		}
	}
	return ""
}

// AddressTypes returns the address types a Service's endpoints use, in the
// Service's family order: its ipFamilies, else the family of its cluster
// IP, else (a headless Service from an API server that does not default
// ipFamilies) both.
func AddressTypes(svc *corev1.Service) []discoveryv1.AddressType {
	var out []discoveryv1.AddressType
	seen := map[discoveryv1.AddressType]bool{}
	for _, f := range svc.Spec.IPFamilies {
		t := discoveryv1.AddressTypeIPv4
		if f == corev1.IPv6Protocol {
			t = discoveryv1.AddressTypeIPv6
		}
		if !seen[t] {
			seen[t] = true
			out = append(out, t)
		}
	}
	if len(out) > 0 {
		return out
	}
	if !IsHeadless(svc) {
		if IsIPv6(svc.Spec.ClusterIP) {
			return []discoveryv1.AddressType{discoveryv1.AddressTypeIPv6}
		}
		return []discoveryv1.AddressType{discoveryv1.AddressTypeIPv4}
	}
	return []discoveryv1.AddressType{discoveryv1.AddressTypeIPv4, discoveryv1.AddressTypeIPv6}
}

// FindPort resolves a Service port's targetPort on a pod. A number is used
// as is (0 means "same as port", for objects that skipped defaulting); a
// name is looked up among the pod's container ports, and those of its
// restartable init containers (sidecars), with the same protocol.
func FindPort(pod *corev1.Pod, sp *corev1.ServicePort) (int32, error) {
	proto := sp.Protocol
	if proto == "" {
		proto = corev1.ProtocolTCP
	}
	switch sp.TargetPort.Type {
	case intstr.String:
		name := sp.TargetPort.StrVal
		if p, ok := findNamedPort(pod.Spec.Containers, name, proto, false); ok {
			return p, nil
		}
		if p, ok := findNamedPort(pod.Spec.InitContainers, name, proto, true); ok {
			return p, nil
		}
		return 0, fmt.Errorf("pod %s/%s has no %s container port named %q", pod.Namespace, pod.Name, proto, name)
	default:
		if sp.TargetPort.IntVal == 0 {
			return sp.Port, nil
		}
		return sp.TargetPort.IntVal, nil
	}
}

func findNamedPort(containers []corev1.Container, name string, proto corev1.Protocol, sidecarsOnly bool) (int32, bool) {
	for i := range containers {
		c := &containers[i]
		if sidecarsOnly && (c.RestartPolicy == nil || *c.RestartPolicy != corev1.ContainerRestartPolicyAlways) {
			continue
		}
		for _, p := range c.Ports {
			pp := p.Protocol
			if pp == "" {
				pp = corev1.ProtocolTCP
			}
			if p.Name == name && pp == proto {
				return p.ContainerPort, true
			}
		}
	}
	return 0, false
}

// endpointView is the part of a pod that endpoints are computed from.
type endpointView struct {
	UID         string
	IPs         []string
	Ready       bool
	ReadySince  int64
	Terminal    bool
	Terminating bool
	NodeName    string
	Hostname    string
	Subdomain   string
	Ports       [][]corev1.ContainerPort
}

func viewOf(pod *corev1.Pod) endpointView {
	v := endpointView{
		UID:         string(pod.UID),
		IPs:         PodIPs(pod),
		Ready:       IsPodReady(pod),
		Terminal:    IsPodTerminal(pod),
		Terminating: pod.DeletionTimestamp != nil,
		NodeName:    pod.Spec.NodeName,
		Hostname:    pod.Spec.Hostname,
		Subdomain:   pod.Spec.Subdomain,
	}
	if c := PodReadyCondition(pod); c != nil {
		v.ReadySince = c.LastTransitionTime.UnixNano()
	}
	for _, c := range pod.Spec.Containers {
		v.Ports = append(v.Ports, c.Ports)
	}
	for _, c := range pod.Spec.InitContainers {
		v.Ports = append(v.Ports, c.Ports)
	}
	return v
}

// EndpointChanged reports whether a pod update can change any endpoint
// derived from it (labels aside: a label change changes which Services
// select the pod, and callers compare labels themselves).
func EndpointChanged(old, cur *corev1.Pod) bool {
	return !reflect.DeepEqual(viewOf(old), viewOf(cur))
}
