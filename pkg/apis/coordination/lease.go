package coordination

import (
	"strings"

	coordinationv1 "k8s.io/api/coordination/v1"
	apimachineryvalidation "k8s.io/apimachinery/pkg/api/validation"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// validStrategies are the Kubernetes-defined coordinated lease strategies.
var validStrategies = []coordinationv1.CoordinatedLeaseStrategy{coordinationv1.OldestEmulationVersion}

// ValidateLease validates a Lease: a DNS-1123 subdomain name, a positive
// leaseDurationSeconds, non-negative leaseTransitions, and a known (or
// domain-qualified) strategy, which preferredHolder requires.
func ValidateLease(lease *coordinationv1.Lease) field.ErrorList {
	allErrs := apimachineryvalidation.ValidateObjectMeta(&lease.ObjectMeta, true, apimachineryvalidation.NameIsDNSSubdomain, field.NewPath("metadata"))
	return append(allErrs, validateLeaseSpec(&lease.Spec, field.NewPath("spec"))...)
}

// ValidateLeaseUpdate validates a Lease update; every spec field may change.
func ValidateLeaseUpdate(newLease, oldLease *coordinationv1.Lease) field.ErrorList {
	allErrs := apimachineryvalidation.ValidateObjectMetaUpdate(&newLease.ObjectMeta, &oldLease.ObjectMeta, field.NewPath("metadata"))
	return append(allErrs, validateLeaseSpec(&newLease.Spec, field.NewPath("spec"))...)
}

// validateLeaseSpec checks a lease spec.
func validateLeaseSpec(spec *coordinationv1.LeaseSpec, fldPath *field.Path) field.ErrorList {
	var allErrs field.ErrorList
	if d := spec.LeaseDurationSeconds; d != nil && *d <= 0 {
		allErrs = append(allErrs, field.Invalid(fldPath.Child("leaseDurationSeconds"), *d, "must be greater than 0"))
	}
	if n := spec.LeaseTransitions; n != nil && *n < 0 {
		allErrs = append(allErrs, field.Invalid(fldPath.Child("leaseTransitions"), *n, "must be greater than or equal to 0"))
	}
	if spec.Strategy != nil {
		allErrs = append(allErrs, validateStrategy(*spec.Strategy, fldPath.Child("strategy"))...)
	}
	if spec.PreferredHolder != nil && *spec.PreferredHolder != "" && (spec.Strategy == nil || *spec.Strategy == "") {
		allErrs = append(allErrs, field.Forbidden(fldPath.Child("preferredHolder"), "may only be specified if `strategy` is defined"))
	}
	return allErrs
}

// validateStrategy accepts the Kubernetes-defined strategies and custom,
// domain-qualified ones.
func validateStrategy(s coordinationv1.CoordinatedLeaseStrategy, fldPath *field.Path) field.ErrorList {
	if strings.Contains(string(s), "/") {
		var allErrs field.ErrorList
		for _, msg := range validation.IsQualifiedName(string(s)) {
			allErrs = append(allErrs, field.Invalid(fldPath, s, msg))
		}
		return allErrs
	}
	for _, v := range validStrategies {
		if s == v {
			return nil
		}
	}
	return field.ErrorList{field.NotSupported(fldPath, s, validStrategies)}
}
