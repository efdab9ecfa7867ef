package core

import (
	"fmt"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

var (
	supportedIPFamilies       = []corev1.IPFamily{corev1.IPv4Protocol, corev1.IPv6Protocol}
	supportedIPFamilyPolicies = []corev1.IPFamilyPolicy{
		corev1.IPFamilyPolicyPreferDualStack, corev1.IPFamilyPolicyRequireDualStack, corev1.IPFamilyPolicySingleStack,
	}
)

// validateServiceIPFields runs ValidateServiceClusterIPsRelatedFields and,
// when that passes, the checks of ipFamilyPolicy against the number of
// clusterIPs and families that the Kubernetes allocator makes.
func validateServiceIPFields(svc *corev1.Service) field.ErrorList {
	allErrs := ValidateServiceClusterIPsRelatedFields(svc)
	if len(allErrs) > 0 || svc.Spec.Type == corev1.ServiceTypeExternalName {
		return allErrs
	}
	policyPath := field.NewPath("spec", "ipFamilyPolicy")
	if p := svc.Spec.IPFamilyPolicy; p != nil && *p == corev1.IPFamilyPolicySingleStack {
		if len(svc.Spec.ClusterIPs) == 2 {
			allErrs = append(allErrs, field.Invalid(policyPath, p, "must be 'RequireDualStack' or 'PreferDualStack' when multiple cluster IPs are specified"))
		}
		if len(svc.Spec.IPFamilies) == 2 {
			allErrs = append(allErrs, field.Invalid(policyPath, p, "must be 'RequireDualStack' or 'PreferDualStack' when multiple IP families are specified"))
		}
	}
	return allErrs
}

// ValidateServiceClusterIPsRelatedFields checks clusterIP, clusterIPs,
// ipFamilies and ipFamilyPolicy of a non-ExternalName service on their own
// and against each other: clusterIPs[0] must equal clusterIP, "None" may only
// stand alone, there are at most two IPs and they are of different families,
// and each IP matches the family listed at its index.
func ValidateServiceClusterIPsRelatedFields(svc *corev1.Service) field.ErrorList {
	if svc.Spec.Type == corev1.ServiceTypeExternalName {
		return nil
	}
	var allErrs field.ErrorList
	spec := &svc.Spec
	specPath := field.NewPath("spec")
	ipsPath := specPath.Child("clusterIPs")
	famPath := specPath.Child("ipFamilies")

	if spec.ClusterIP != "" {
		if len(spec.ClusterIPs) == 0 {
			allErrs = append(allErrs, field.Required(ipsPath, ""))
		} else if spec.ClusterIPs[0] != spec.ClusterIP {
			allErrs = append(allErrs, field.Invalid(ipsPath, spec.ClusterIPs, "first value must match `clusterIP`"))
		}
	} else if len(spec.ClusterIPs) != 0 {
		allErrs = append(allErrs, field.Invalid(ipsPath, spec.ClusterIPs, "must be empty when `clusterIP` is not specified"))
	}

	seen := map[corev1.IPFamily]bool{}
	for i, fam := range spec.IPFamilies {
		if !containsValue(supportedIPFamilies, fam) {
			allErrs = append(allErrs, field.NotSupported(famPath.Index(i), fam, supportedIPFamilies))
		}
		if seen[fam] {
			allErrs = append(allErrs, field.Duplicate(famPath.Index(i), fam))
		}
		seen[fam] = true
	}
	if p := spec.IPFamilyPolicy; p != nil && !containsValue(supportedIPFamilyPolicies, *p) {
		allErrs = append(allErrs, field.NotSupported(specPath.Child("ipFamilyPolicy"), p, supportedIPFamilyPolicies))
	}

	ipErrs := validateClusterIPValues(spec.ClusterIPs, ipsPath)
	allErrs = append(allErrs, ipErrs...)
	if len(spec.ClusterIPs) > 2 {
		allErrs = append(allErrs, field.Invalid(ipsPath, spec.ClusterIPs, "may only hold up to 2 values"))
	}
	// Bad values would make the checks below report nonsense.
	if len(ipErrs) > 0 {
		return allErrs
	}
	if len(spec.ClusterIPs) > 1 && !isDualStack(spec.ClusterIPs, ipFamilyOf) {
		allErrs = append(allErrs, field.Invalid(ipsPath, spec.ClusterIPs, "may specify no more than one IP for each IP family"))
	}
	if !isHeadless(svc) {
		for i, ip := range spec.ClusterIPs {
			if i >= len(spec.IPFamilies) {
				break
			}
			if want, got := spec.IPFamilies[i], ipFamilyOf(ip); want != got && want != "" && containsValue(supportedIPFamilies, want) {
				msg := fmt.Sprintf("expected an %s value as indicated by `ipFamilies[%d]`", want, i)
				allErrs = append(allErrs, field.Invalid(ipsPath.Index(i), ip, msg))
			}
		}
	}
	return allErrs
}

// validateClusterIPValues checks each clusterIPs entry: a canonical IP, or
// "None" as the first and only value.
func validateClusterIPValues(ips []string, ipsPath *field.Path) field.ErrorList {
	var allErrs field.ErrorList
	for i, ip := range ips {
		if i == 0 && ip == corev1.ClusterIPNone {
			if len(ips) > 1 {
				allErrs = append(allErrs, field.Invalid(ipsPath, ips, "'None' must be the first and only value"))
			}
			continue
		}
		allErrs = append(allErrs, validation.IsValidIP(ipsPath.Index(i), ip)...)
	}
	return allErrs
}

// ValidateServiceFamiliesForCluster checks a defaulted, validated Service
// against the IP families the cluster serves (primary first), with the
// messages kube-apiserver uses. The registry calls it before it allocates.
// Headless services without a selector may name families the cluster does
// not serve, as in Kubernetes.
func ValidateServiceFamiliesForCluster(svc *corev1.Service, clusterFamilies []corev1.IPFamily) field.ErrorList {
	spec := &svc.Spec
	if spec.Type == corev1.ServiceTypeExternalName {
		return nil
	}
	if spec.ClusterIP == corev1.ClusterIPNone && len(spec.Selector) == 0 {
		return nil
	}
	var allErrs field.ErrorList
	reported := map[int]bool{}
	for i, ip := range spec.ClusterIPs {
		if ip == corev1.ClusterIPNone {
			break
		}
		if fam := ipFamilyOf(ip); fam != "" && !containsValue(clusterFamilies, fam) {
			allErrs = append(allErrs, field.Invalid(field.NewPath("spec", "clusterIPs").Index(i), spec.ClusterIPs, fmt.Sprintf("%s is not configured on this cluster", fam)))
			reported[i] = true
		}
	}
	if p := spec.IPFamilyPolicy; p != nil && *p == corev1.IPFamilyPolicyRequireDualStack && len(clusterFamilies) < 2 {
		allErrs = append(allErrs, field.Invalid(field.NewPath("spec", "ipFamilyPolicy"), p, "this cluster is not configured for dual-stack services"))
	}
	for i, fam := range spec.IPFamilies {
		if !reported[i] && !containsValue(clusterFamilies, fam) {
			allErrs = append(allErrs, field.Invalid(field.NewPath("spec", "ipFamilies").Index(i), fam, "not configured on this cluster"))
		}
	}
	return allErrs
}
