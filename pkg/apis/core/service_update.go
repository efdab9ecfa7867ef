package core

import (
	"net"

	corev1 "k8s.io/api/core/v1"
	apimachineryvalidation "k8s.io/apimachinery/pkg/api/validation"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

var supportedLoadBalancerIPModes = []corev1.LoadBalancerIPMode{corev1.LoadBalancerIPModeProxy, corev1.LoadBalancerIPModeVIP}

// ValidateServiceUpdate validates newSvc, defaulted with DefaultServiceUpdate,
// as a replacement for oldSvc. On top of ValidateService it enforces that
// clusterIPs and ipFamilies keep their primary value ("may not change once
// set"), that a secondary one is released only with ipFamilyPolicy
// SingleStack, that loadBalancerClass and healthCheckNodePort do not change
// on a LoadBalancer, and the usual metadata rules. Changes to, from or within
// ExternalName services may change clusterIPs freely, as in Kubernetes.
func ValidateServiceUpdate(newSvc, oldSvc *corev1.Service) field.ErrorList {
	allErrs := apimachineryvalidation.ValidateObjectMetaUpdate(&newSvc.ObjectMeta, &oldSvc.ObjectMeta, field.NewPath("metadata"))
	allErrs = append(allErrs, validateClusterIPsUpdate(newSvc, oldSvc)...)
	allErrs = append(allErrs, validateIPFamiliesUpdate(newSvc, oldSvc)...)
	if oldSvc.Spec.Type == corev1.ServiceTypeLoadBalancer && newSvc.Spec.Type == corev1.ServiceTypeLoadBalancer &&
		!stringPtrEqual(oldSvc.Spec.LoadBalancerClass, newSvc.Spec.LoadBalancerClass) {
		allErrs = append(allErrs, field.Invalid(field.NewPath("spec", "loadBalancerClass"), newSvc.Spec.LoadBalancerClass, "may not change once set"))
	}
	if needsHealthCheck(oldSvc) && needsHealthCheck(newSvc) && oldSvc.Spec.HealthCheckNodePort != newSvc.Spec.HealthCheckNodePort {
		allErrs = append(allErrs, field.Forbidden(field.NewPath("spec", "healthCheckNodePort"), "field is immutable"))
	}
	return append(allErrs, ValidateService(newSvc)...)
}

// validateClusterIPsUpdate checks how clusterIPs changed: existing values stay,
// a secondary may be added, and removing one needs ipFamilyPolicy SingleStack.
func validateClusterIPsUpdate(newSvc, oldSvc *corev1.Service) field.ErrorList {
	if newSvc.Spec.Type == corev1.ServiceTypeExternalName || oldSvc.Spec.Type == corev1.ServiceTypeExternalName {
		return nil
	}
	if isHeadless(oldSvc) && isHeadless(newSvc) {
		return nil
	}
	var allErrs field.ErrorList
	ipsPath := field.NewPath("spec", "clusterIPs")
	oldIPs, newIPs := oldSvc.Spec.ClusterIPs, newSvc.Spec.ClusterIPs
	switch {
	case len(oldIPs) == len(newIPs):
		for i := range oldIPs {
			if oldIPs[i] != newIPs[i] {
				allErrs = append(allErrs, field.Invalid(ipsPath.Index(i), newIPs, "may not change once set"))
			}
		}
	case len(oldIPs) > len(newIPs):
		if len(newIPs) == 0 {
			allErrs = append(allErrs, field.Invalid(ipsPath.Index(0), newIPs, "primary clusterIP can not be unset"))
		} else if newIPs[0] != oldIPs[0] {
			allErrs = append(allErrs, field.Invalid(ipsPath.Index(0), newIPs, "may not change once set"))
		}
		if len(newIPs) == 1 && policyString(newSvc.Spec.IPFamilyPolicy) != string(corev1.IPFamilyPolicySingleStack) {
			allErrs = append(allErrs, field.Invalid(field.NewPath("spec", "ipFamilyPolicy"), newSvc.Spec.IPFamilyPolicy, "must be set to 'SingleStack' when releasing the secondary clusterIP"))
		}
	default:
		if len(oldIPs) > 0 && newIPs[0] != oldIPs[0] {
			allErrs = append(allErrs, field.Invalid(ipsPath.Index(0), newIPs, "may not change once set"))
		}
	}
	return allErrs
}

// validateIPFamiliesUpdate checks how ipFamilies changed, with the same rules
// as clusterIPs. Headless services may change families freely.
func validateIPFamiliesUpdate(newSvc, oldSvc *corev1.Service) field.ErrorList {
	if newSvc.Spec.Type == corev1.ServiceTypeExternalName || oldSvc.Spec.Type == corev1.ServiceTypeExternalName {
		return nil
	}
	if isHeadless(oldSvc) || isHeadless(newSvc) {
		return nil
	}
	var allErrs field.ErrorList
	famPath := field.NewPath("spec", "ipFamilies")
	oldFams, newFams := oldSvc.Spec.IPFamilies, newSvc.Spec.IPFamilies
	switch {
	case len(oldFams) == len(newFams):
		for i := range oldFams {
			if oldFams[i] != newFams[i] {
				allErrs = append(allErrs, field.Invalid(famPath.Index(0), newFams, "may not change once set"))
			}
		}
	case len(oldFams) > len(newFams):
		if len(newSvc.Spec.ClusterIPs) == 0 {
			allErrs = append(allErrs, field.Invalid(famPath.Index(0), newFams, "primary ipFamily can not be unset"))
		}
		if len(newFams) > 0 && newFams[0] != oldFams[0] {
			allErrs = append(allErrs, field.Invalid(famPath.Index(0), newSvc.Spec.ClusterIPs, "may not change once set"))
		}
		if len(newFams) == 1 && policyString(newSvc.Spec.IPFamilyPolicy) != string(corev1.IPFamilyPolicySingleStack) {
			allErrs = append(allErrs, field.Invalid(field.NewPath("spec", "ipFamilyPolicy"), newSvc.Spec.IPFamilyPolicy, "must be set to 'SingleStack' when releasing the secondary ipFamily"))
		}
	default:
		if len(oldFams) > 0 && len(newFams) > 0 && newFams[0] != oldFams[0] {
			allErrs = append(allErrs, field.Invalid(famPath.Index(0), newSvc.Spec.ClusterIPs, "may not change once set"))
		}
	}
	return allErrs
}

// ValidateServiceStatusUpdate validates an update of the status subresource:
// metadata rules and status.loadBalancer.
func ValidateServiceStatusUpdate(newSvc, oldSvc *corev1.Service) field.ErrorList {
	allErrs := apimachineryvalidation.ValidateObjectMetaUpdate(&newSvc.ObjectMeta, &oldSvc.ObjectMeta, field.NewPath("metadata"))
	return append(allErrs, ValidateLoadBalancerStatus(&newSvc.Status.LoadBalancer, field.NewPath("status", "loadBalancer"), &newSvc.Spec)...)
}

// ValidateLoadBalancerStatus checks status.loadBalancer: ingress only on
// LoadBalancer services, valid IPs with an ipMode, hostnames that are DNS
// names and not IPs.
func ValidateLoadBalancerStatus(status *corev1.LoadBalancerStatus, fldPath *field.Path, spec *corev1.ServiceSpec) field.ErrorList {
	ingPath := fldPath.Child("ingress")
	if spec.Type != corev1.ServiceTypeLoadBalancer && len(status.Ingress) != 0 {
		return field.ErrorList{field.Forbidden(ingPath, "may only be used when `spec.type` is 'LoadBalancer'")}
	}
	var allErrs field.ErrorList
	for i, ing := range status.Ingress {
		idxPath := ingPath.Index(i)
		if ing.IP != "" {
			allErrs = append(allErrs, validation.IsValidIP(idxPath.Child("ip"), ing.IP)...)
		}
		switch {
		case ing.IPMode == nil && ing.IP != "":
			allErrs = append(allErrs, field.Required(idxPath.Child("ipMode"), "must be specified when `ip` is set"))
		case ing.IPMode != nil && ing.IP == "":
			allErrs = append(allErrs, field.Forbidden(idxPath.Child("ipMode"), "may not be specified when `ip` is not set"))
		case ing.IPMode != nil && !containsValue(supportedLoadBalancerIPModes, *ing.IPMode):
			allErrs = append(allErrs, field.NotSupported(idxPath.Child("ipMode"), ing.IPMode, supportedLoadBalancerIPModes))
		}
		if ing.Hostname != "" {
			allErrs = append(allErrs, ValidateDNS1123Subdomain(ing.Hostname, idxPath.Child("hostname"))...)
			if net.ParseIP(ing.Hostname) != nil {
				allErrs = append(allErrs, field.Invalid(idxPath.Child("hostname"), ing.Hostname, "must be a DNS name, not an IP address"))
			}
		}
	}
	return allErrs
}
