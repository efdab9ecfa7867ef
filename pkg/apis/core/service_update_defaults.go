package core

import (
	"slices"

	corev1 "k8s.io/api/core/v1"
)

// DefaultServiceUpdate is DefaultService for an update: call it instead of
// DefaultService when newSvc replaces oldSvc. It assumes a single-stack IPv4
// cluster; see DefaultServiceUpdateWithFamilies.
func DefaultServiceUpdate(newSvc, oldSvc *corev1.Service) {
	DefaultServiceUpdateWithFamilies(newSvc, oldSvc, defaultServiceFamilies)
}

// DefaultServiceUpdateWithFamilies defaults newSvc, which replaces oldSvc,
// the way kube-apiserver prepares a Service update. On top of the static
// defaults it:
//
//   - keeps values the server allocated when the client left them out
//     (clusterIP/clusterIPs, nodePorts matched by port name, and
//     healthCheckNodePort), so that re-applying the original manifest works;
//   - keeps clusterIP and clusterIPs in step when a client changed only one;
//   - drops fields the new type no longer uses (clusterIPs and IP families
//     when moving to ExternalName, nodePorts when moving to ClusterIP,
//     healthCheckNodePort, allocateLoadBalancerNodePorts, loadBalancerClass
//     and externalTrafficPolicy), but only when the client did not change
//     them, so that a deliberate change still fails validation;
//   - trims the secondary clusterIP and family when the policy goes from
//     dual-stack to SingleStack;
//   - keeps the old ipFamilyPolicy when the client sent none.
//
// Status is left alone: keeping the stored status is the registry's job.
func DefaultServiceUpdateWithFamilies(newSvc, oldSvc *corev1.Service, clusterFamilies []corev1.IPFamily) {
	defaultServiceSpec(newSvc)
	patchAllocatedValues(newSvc, oldSvc)
	normalizeClusterIPsOnUpdate(newSvc, oldSvc)
	dropTypeDependentFields(newSvc, oldSvc)
	trimForDualStackDowngrade(newSvc, oldSvc)
	if newSvc.Spec.IPFamilyPolicy == nil && oldSvc.Spec.IPFamilyPolicy != nil && needsClusterIP(newSvc) {
		policy := *oldSvc.Spec.IPFamilyPolicy
		newSvc.Spec.IPFamilyPolicy = &policy
	}
	defaultIPFamilies(newSvc, clusterFamilies)
}

// patchAllocatedValues copies allocated values from oldSvc into newSvc where
// the client left them empty and the value still applies.
func patchAllocatedValues(newSvc, oldSvc *corev1.Service) {
	if needsClusterIP(oldSvc) && needsClusterIP(newSvc) {
		if newSvc.Spec.ClusterIP == "" {
			newSvc.Spec.ClusterIP = oldSvc.Spec.ClusterIP
		}
		if len(newSvc.Spec.ClusterIPs) == 0 {
			newSvc.Spec.ClusterIPs = slices.Clone(oldSvc.Spec.ClusterIPs)
		}
	}
	if needsNodePort(oldSvc) && needsNodePort(newSvc) {
		byName := map[string]int32{}
		for _, p := range oldSvc.Spec.Ports {
			byName[p.Name] = p.NodePort
		}
		for i := range newSvc.Spec.Ports {
			if p := &newSvc.Spec.Ports[i]; p.NodePort == 0 {
				p.NodePort = byName[p.Name]
			}
		}
	}
	if needsHealthCheck(oldSvc) && needsHealthCheck(newSvc) && newSvc.Spec.HealthCheckNodePort == 0 {
		newSvc.Spec.HealthCheckNodePort = oldSvc.Spec.HealthCheckNodePort
	}
}

// normalizeClusterIPsOnUpdate infers what a client meant when it changed
// only one of clusterIP and clusterIPs.
func normalizeClusterIPsOnUpdate(newSvc, oldSvc *corev1.Service) {
	oldSpec, newSpec := &oldSvc.Spec, &newSvc.Spec
	// An old client that knows only clusterIP dropped clusterIPs.
	if len(oldSpec.ClusterIPs) > 0 && len(newSpec.ClusterIPs) == 0 && oldSpec.ClusterIP == newSpec.ClusterIP {
		newSpec.ClusterIPs = slices.Clone(oldSpec.ClusterIPs)
	}
	if oldSpec.ClusterIP == newSpec.ClusterIP {
		return
	}
	sameList := slices.Equal(oldSpec.ClusterIPs, newSpec.ClusterIPs)
	switch {
	case oldSpec.ClusterIP != "" && newSpec.ClusterIP == "":
		// Clearing clusterIP clears clusterIPs too, unless they were changed
		// as well (then validation decides).
		if sameList {
			newSpec.ClusterIPs = nil
		}
	case sameList:
		newSpec.ClusterIPs = []string{newSpec.ClusterIP}
	}
}

// dropTypeDependentFields clears fields that no longer apply after a type
// change, when the client left them as they were.
func dropTypeDependentFields(newSvc, oldSvc *corev1.Service) {
	oldSpec, newSpec := &oldSvc.Spec, &newSvc.Spec
	if needsClusterIP(oldSvc) && !needsClusterIP(newSvc) {
		if oldSpec.ClusterIP == newSpec.ClusterIP && slices.Equal(oldSpec.ClusterIPs, newSpec.ClusterIPs) {
			newSpec.ClusterIP = ""
			newSpec.ClusterIPs = nil
		}
		if slices.Equal(oldSpec.IPFamilies, newSpec.IPFamilies) {
			newSpec.IPFamilies = nil
		}
		if policyString(oldSpec.IPFamilyPolicy) == policyString(newSpec.IPFamilyPolicy) {
			newSpec.IPFamilyPolicy = nil
		}
	}
	if needsNodePort(oldSvc) && !needsNodePort(newSvc) && noNewNodePorts(newSvc, oldSvc) {
		for i := range newSpec.Ports {
			newSpec.Ports[i].NodePort = 0
		}
	}
	if needsHealthCheck(oldSvc) && !needsHealthCheck(newSvc) && oldSpec.HealthCheckNodePort == newSpec.HealthCheckNodePort {
		newSpec.HealthCheckNodePort = 0
	}
	if oldSpec.Type == corev1.ServiceTypeLoadBalancer && newSpec.Type != corev1.ServiceTypeLoadBalancer {
		if o, n := oldSpec.AllocateLoadBalancerNodePorts, newSpec.AllocateLoadBalancerNodePorts; o != nil && n != nil && *o == *n {
			newSpec.AllocateLoadBalancerNodePorts = nil
		}
		if stringPtrEqual(oldSpec.LoadBalancerClass, newSpec.LoadBalancerClass) {
			newSpec.LoadBalancerClass = nil
		}
	}
	if externallyAccessible(oldSvc) && !externallyAccessible(newSvc) && oldSpec.ExternalTrafficPolicy == newSpec.ExternalTrafficPolicy {
		newSpec.ExternalTrafficPolicy = ""
	}
}

// trimForDualStackDowngrade drops the secondary clusterIP and family when the
// client moved the policy from a dual-stack one to SingleStack.
func trimForDualStackDowngrade(newSvc, oldSvc *corev1.Service) {
	oldPolicy := policyString(oldSvc.Spec.IPFamilyPolicy)
	wasDual := oldPolicy == string(corev1.IPFamilyPolicyRequireDualStack) || oldPolicy == string(corev1.IPFamilyPolicyPreferDualStack)
	if !wasDual || policyString(newSvc.Spec.IPFamilyPolicy) != string(corev1.IPFamilyPolicySingleStack) {
		return
	}
	if len(newSvc.Spec.ClusterIPs) > 1 {
		newSvc.Spec.ClusterIPs = newSvc.Spec.ClusterIPs[:1]
	}
	if len(newSvc.Spec.IPFamilies) > 1 {
		newSvc.Spec.IPFamilies = newSvc.Spec.IPFamilies[:1]
	}
}

// noNewNodePorts reports whether every nodePort in newSvc was already in oldSvc.
func noNewNodePorts(newSvc, oldSvc *corev1.Service) bool {
	old := map[int32]bool{}
	for _, p := range oldSvc.Spec.Ports {
		old[p.NodePort] = true
	}
	for _, p := range newSvc.Spec.Ports {
		if p.NodePort != 0 && !old[p.NodePort] {
			return false
		}
	}
	return true
}

// needsClusterIP reports whether the service type has a clusterIP ("None" included).
func needsClusterIP(svc *corev1.Service) bool {
	return svc.Spec.Type != corev1.ServiceTypeExternalName
}

// needsNodePort reports whether the service type allocates nodePorts.
func needsNodePort(svc *corev1.Service) bool {
	return svc.Spec.Type == corev1.ServiceTypeNodePort || svc.Spec.Type == corev1.ServiceTypeLoadBalancer
}

// policyString returns the policy, or "" for nil.
func policyString(p *corev1.IPFamilyPolicy) string {
	if p == nil {
		return ""
	}
	return string(*p)
}

// stringPtrEqual reports whether two optional strings are both nil or equal.
func stringPtrEqual(a, b *string) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return *a == *b
}
