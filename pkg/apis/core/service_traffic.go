package core

import (
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

var (
	supportedExternalTrafficPolicies = []corev1.ServiceExternalTrafficPolicy{
		corev1.ServiceExternalTrafficPolicyCluster, corev1.ServiceExternalTrafficPolicyLocal,
	}
	supportedInternalTrafficPolicies = []corev1.ServiceInternalTrafficPolicy{
		corev1.ServiceInternalTrafficPolicyCluster, corev1.ServiceInternalTrafficPolicyLocal,
	}
	supportedTrafficDistributions = []string{
		corev1.ServiceTrafficDistributionPreferClose,
		corev1.ServiceTrafficDistributionPreferSameZone,
		corev1.ServiceTrafficDistributionPreferSameNode,
	}
)

// lbOnlyMsg is the detail for fields that only LoadBalancer services may set.
const lbOnlyMsg = "may only be used when `type` is 'LoadBalancer'"

// validateLoadBalancerFields checks loadBalancerSourceRanges (or its
// annotation), allocateLoadBalancerNodePorts and loadBalancerClass.
func validateLoadBalancerFields(svc *corev1.Service) field.ErrorList {
	var allErrs field.ErrorList
	isLB := svc.Spec.Type == corev1.ServiceTypeLoadBalancer
	if len(svc.Spec.LoadBalancerSourceRanges) > 0 {
		// kube-apiserver names this path with a capital L; keep it.
		fldPath := field.NewPath("spec", "LoadBalancerSourceRanges")
		if !isLB {
			allErrs = append(allErrs, field.Forbidden(fldPath, lbOnlyMsg))
		}
		for i, value := range svc.Spec.LoadBalancerSourceRanges {
			// Values may be space-padded, a leftover from the annotation.
			allErrs = append(allErrs, validation.IsValidCIDR(fldPath.Index(i), strings.TrimSpace(value))...)
		}
	} else if val, ok := svc.Annotations[corev1.AnnotationLoadBalancerSourceRangesKey]; ok {
		fldPath := field.NewPath("metadata", "annotations").Key(corev1.AnnotationLoadBalancerSourceRangesKey)
		if !isLB {
			allErrs = append(allErrs, field.Forbidden(fldPath, lbOnlyMsg))
		}
		if val = strings.TrimSpace(val); val != "" {
			for _, cidr := range strings.Split(val, ",") {
				allErrs = append(allErrs, validation.IsValidCIDR(fldPath, strings.TrimSpace(cidr))...)
			}
		}
	}
	if svc.Spec.AllocateLoadBalancerNodePorts != nil && !isLB {
		allErrs = append(allErrs, field.Forbidden(field.NewPath("spec", "allocateLoadBalancerNodePorts"), lbOnlyMsg))
	}
	if isLB && svc.Spec.AllocateLoadBalancerNodePorts == nil {
		// kube-apiserver reports this one without the "spec." prefix.
		allErrs = append(allErrs, field.Required(field.NewPath("allocateLoadBalancerNodePorts"), ""))
	}
	if svc.Spec.LoadBalancerClass != nil {
		classPath := field.NewPath("spec", "loadBalancerClass")
		if isLB {
			allErrs = append(allErrs, ValidateQualifiedName(*svc.Spec.LoadBalancerClass, classPath)...)
		} else {
			allErrs = append(allErrs, field.Forbidden(classPath, lbOnlyMsg))
		}
	}
	return allErrs
}

// validateExternalTrafficPolicy checks externalTrafficPolicy and
// healthCheckNodePort against the service type.
func validateExternalTrafficPolicy(svc *corev1.Service) field.ErrorList {
	var allErrs field.ErrorList
	specPath := field.NewPath("spec")
	etp := svc.Spec.ExternalTrafficPolicy
	switch {
	case !externallyAccessible(svc):
		if etp != "" {
			allErrs = append(allErrs, field.Invalid(specPath.Child("externalTrafficPolicy"), etp, "may only be set for externally-accessible services"))
		}
	case etp == "":
		allErrs = append(allErrs, field.Required(specPath.Child("externalTrafficPolicy"), ""))
	case !containsValue(supportedExternalTrafficPolicies, etp):
		allErrs = append(allErrs, field.NotSupported(specPath.Child("externalTrafficPolicy"), etp, supportedExternalTrafficPolicies))
	}

	hcPath := specPath.Child("healthCheckNodePort")
	hc := svc.Spec.HealthCheckNodePort
	switch {
	case !needsHealthCheck(svc):
		if hc != 0 {
			allErrs = append(allErrs, field.Invalid(hcPath, hc, "may only be set when `type` is 'LoadBalancer' and `externalTrafficPolicy` is 'Local'"))
		}
	case hc == 0:
		allErrs = append(allErrs, field.Required(hcPath, ""))
	default:
		for _, msg := range validation.IsValidPortNum(int(hc)) {
			allErrs = append(allErrs, field.Invalid(hcPath, hc, msg))
		}
	}
	return allErrs
}

// validateInternalTrafficPolicy checks internalTrafficPolicy. It is required
// for every type but ExternalName, and tolerated there for compatibility.
func validateInternalTrafficPolicy(svc *corev1.Service) field.ErrorList {
	fldPath := field.NewPath("spec", "internalTrafficPolicy")
	itp := svc.Spec.InternalTrafficPolicy
	if itp == nil {
		switch svc.Spec.Type {
		case corev1.ServiceTypeClusterIP, corev1.ServiceTypeNodePort, corev1.ServiceTypeLoadBalancer:
			return field.ErrorList{field.Required(fldPath, "")}
		}
		return nil
	}
	if !containsValue(supportedInternalTrafficPolicies, *itp) {
		return field.ErrorList{field.NotSupported(fldPath, *itp, supportedInternalTrafficPolicies)}
	}
	return nil
}

// validateTrafficDistribution checks the optional trafficDistribution.
func validateTrafficDistribution(svc *corev1.Service) field.ErrorList {
	td := svc.Spec.TrafficDistribution
	if td == nil || containsValue(supportedTrafficDistributions, *td) {
		return nil
	}
	return field.ErrorList{field.NotSupported(field.NewPath("spec", "trafficDistribution"), *td, supportedTrafficDistributions)}
}
