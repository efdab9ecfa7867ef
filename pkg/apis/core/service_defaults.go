package core

import (
	"slices"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// defaultServiceFamilies is the cluster family list DefaultService assumes:
// svcnet's default service CIDR (10.96.0.0/12) is single-stack IPv4.
var defaultServiceFamilies = []corev1.IPFamily{corev1.IPv4Protocol}

// DefaultService fills in the fields kube-apiserver fills in on a Service
// created against a single-stack IPv4 cluster. It is
// DefaultServiceWithFamilies(svc, []corev1.IPFamily{corev1.IPv4Protocol}).
func DefaultService(svc *corev1.Service) {
	DefaultServiceWithFamilies(svc, defaultServiceFamilies)
}

// DefaultServiceWithFamilies fills in a Service's defaults for a cluster that
// serves clusterFamilies (primary family first; one entry for single-stack,
// two for dual-stack):
//
//   - type ClusterIP; sessionAffinity None (which clears sessionAffinityConfig)
//     or, for ClientIP, a clientIP timeout of 10800 seconds;
//   - each port: protocol TCP, targetPort equal to port when unset;
//   - externalTrafficPolicy Cluster when the service is reachable from
//     outside (NodePort, LoadBalancer, or any type with externalIPs);
//   - internalTrafficPolicy Cluster for ClusterIP, NodePort and LoadBalancer;
//   - allocateLoadBalancerNodePorts true for LoadBalancer;
//   - status.loadBalancer.ingress[].ipMode VIP where an ip is set;
//   - clusterIPs [clusterIP] when only clusterIP is given;
//   - ipFamilyPolicy and ipFamilies, as the Kubernetes allocator sets them.
//
// Like Kubernetes, it does not set clusterIP from clusterIPs: a client that
// sets clusterIPs must set clusterIP too, and validation says so.
func DefaultServiceWithFamilies(svc *corev1.Service, clusterFamilies []corev1.IPFamily) {
	defaultServiceSpec(svc)
	if svc.Spec.ClusterIP != "" && len(svc.Spec.ClusterIPs) == 0 {
		svc.Spec.ClusterIPs = []string{svc.Spec.ClusterIP}
	}
	defaultIPFamilies(svc, clusterFamilies)
}

// defaultServiceSpec applies the static defaults of the v1 Service type,
// which do not depend on the cluster or on a previous version of the object.
func defaultServiceSpec(svc *corev1.Service) {
	spec := &svc.Spec
	if spec.Type == "" {
		spec.Type = corev1.ServiceTypeClusterIP
	}
	defaultSessionAffinity(spec)
	for i := range spec.Ports {
		p := &spec.Ports[i]
		if p.Protocol == "" {
			p.Protocol = corev1.ProtocolTCP
		}
		if p.TargetPort == intstr.FromInt32(0) || p.TargetPort == intstr.FromString("") {
			p.TargetPort = intstr.FromInt32(p.Port)
		}
	}
	if externallyAccessible(svc) && spec.ExternalTrafficPolicy == "" {
		spec.ExternalTrafficPolicy = corev1.ServiceExternalTrafficPolicyCluster
	}
	if spec.InternalTrafficPolicy == nil && spec.Type != corev1.ServiceTypeExternalName {
		policy := corev1.ServiceInternalTrafficPolicyCluster
		spec.InternalTrafficPolicy = &policy
	}
	if spec.Type == corev1.ServiceTypeLoadBalancer {
		if spec.AllocateLoadBalancerNodePorts == nil {
			allocate := true
			spec.AllocateLoadBalancerNodePorts = &allocate
		}
		for i := range svc.Status.LoadBalancer.Ingress {
			ing := &svc.Status.LoadBalancer.Ingress[i]
			if ing.IP != "" && ing.IPMode == nil {
				mode := corev1.LoadBalancerIPModeVIP
				ing.IPMode = &mode
			}
		}
	}
}

// defaultSessionAffinity defaults sessionAffinity and its config.
func defaultSessionAffinity(spec *corev1.ServiceSpec) {
	if spec.SessionAffinity == "" {
		spec.SessionAffinity = corev1.ServiceAffinityNone
	}
	switch spec.SessionAffinity {
	case corev1.ServiceAffinityNone:
		spec.SessionAffinityConfig = nil
	case corev1.ServiceAffinityClientIP:
		cfg := spec.SessionAffinityConfig
		if cfg == nil || cfg.ClientIP == nil || cfg.ClientIP.TimeoutSeconds == nil {
			timeout := corev1.DefaultClientIPServiceAffinitySeconds
			spec.SessionAffinityConfig = &corev1.SessionAffinityConfig{
				ClientIP: &corev1.ClientIPConfig{TimeoutSeconds: &timeout},
			}
		}
	}
}

// defaultIPFamilies sets ipFamilyPolicy and ipFamilies the way the
// Kubernetes service allocator does before it allocates:
//
//   - ExternalName services get neither.
//   - A missing policy is SingleStack, except for a headless service without
//     a selector, which is RequireDualStack.
//   - Families are inferred from valid clusterIPs, else the cluster's primary
//     family is used.
//   - A headless service without a selector that is not SingleStack gets both
//     families, whatever the cluster serves (its endpoints are managed by
//     hand). Any other service that is not SingleStack gets the second family
//     only when the cluster is dual-stack.
//
// Values it cannot make sense of are left for validation to report.
func defaultIPFamilies(svc *corev1.Service, clusterFamilies []corev1.IPFamily) {
	spec := &svc.Spec
	if spec.Type == corev1.ServiceTypeExternalName || len(clusterFamilies) == 0 {
		return
	}
	headlessNoSelector := spec.ClusterIP == corev1.ClusterIPNone && len(spec.Selector) == 0
	if spec.IPFamilyPolicy == nil {
		policy := corev1.IPFamilyPolicySingleStack
		if headlessNoSelector {
			policy = corev1.IPFamilyPolicyRequireDualStack
		}
		spec.IPFamilyPolicy = &policy
	}
	for i, ip := range spec.ClusterIPs {
		if ip == corev1.ClusterIPNone {
			break
		}
		if i < len(spec.IPFamilies) {
			continue
		}
		fam := ipFamilyOf(ip)
		if fam == "" || slices.Contains(spec.IPFamilies, fam) {
			// Leave bad or same-family IPs for validation to report.
			break
		}
		spec.IPFamilies = append(spec.IPFamilies, fam)
	}
	if len(spec.IPFamilies) == 0 {
		spec.IPFamilies = []corev1.IPFamily{clusterFamilies[0]}
	}
	if *spec.IPFamilyPolicy == corev1.IPFamilyPolicySingleStack || len(spec.IPFamilies) != 1 {
		return
	}
	if headlessNoSelector || len(clusterFamilies) > 1 {
		spec.IPFamilies = append(spec.IPFamilies, otherFamily(spec.IPFamilies[0]))
	}
}

// otherFamily returns the IP family that is not fam.
func otherFamily(fam corev1.IPFamily) corev1.IPFamily {
	if fam == corev1.IPv6Protocol {
		return corev1.IPv4Protocol
	}
	return corev1.IPv6Protocol
}

// externallyAccessible reports whether traffic from outside the cluster can
// reach the service, which is when externalTrafficPolicy applies.
func externallyAccessible(svc *corev1.Service) bool {
	switch svc.Spec.Type {
	case corev1.ServiceTypeLoadBalancer, corev1.ServiceTypeNodePort:
		return true
	case corev1.ServiceTypeClusterIP:
		return len(svc.Spec.ExternalIPs) > 0
	}
	return false
}

// needsHealthCheck reports whether the service needs a healthCheckNodePort:
// a LoadBalancer that keeps traffic on nodes with local endpoints.
func needsHealthCheck(svc *corev1.Service) bool {
	return svc.Spec.Type == corev1.ServiceTypeLoadBalancer &&
		svc.Spec.ExternalTrafficPolicy == corev1.ServiceExternalTrafficPolicyLocal
}

// isHeadless reports whether the service is headless: clusterIPs is exactly ["None"].
func isHeadless(svc *corev1.Service) bool {
	return len(svc.Spec.ClusterIPs) == 1 && svc.Spec.ClusterIPs[0] == corev1.ClusterIPNone
}
