package networking

import (
	"net"

	networkingv1 "k8s.io/api/networking/v1"
	apimachineryvalidation "k8s.io/apimachinery/pkg/api/validation"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// serviceCIDRSpec mirrors the field layout of Kubernetes' internal
// ServiceCIDRSpec, so that errors print the value kube-apiserver prints.
type serviceCIDRSpec struct {
	CIDRs []string
}

// ValidateServiceCIDR validates a ServiceCIDR: a DNS-1123 subdomain name and
// one or two valid CIDRs, of different IP families when there are two.
func ValidateServiceCIDR(cidr *networkingv1.ServiceCIDR) field.ErrorList {
	allErrs := apimachineryvalidation.ValidateObjectMeta(&cidr.ObjectMeta, false, apimachineryvalidation.NameIsDNSSubdomain, field.NewPath("metadata"))
	fldPath := field.NewPath("spec", "cidrs")
	cidrs := cidr.Spec.CIDRs
	switch {
	case len(cidrs) == 0:
		return append(allErrs, field.Required(fldPath, "at least one CIDR required"))
	case len(cidrs) > 2:
		return append(allErrs, field.Invalid(fldPath, serviceCIDRSpec{cidrs}, "may only hold up to 2 values"))
	case len(cidrs) == 2 && !dualStackCIDRs(cidrs):
		return append(allErrs, field.Invalid(fldPath, serviceCIDRSpec{cidrs}, "may specify no more than one IP for each IP family, i.e 192.168.0.0/24 and 2001:db8::/64"))
	}
	for i, c := range cidrs {
		allErrs = append(allErrs, validation.IsValidCIDR(fldPath.Index(i), c)...)
	}
	return allErrs
}

// ValidateServiceCIDRUpdate validates a ServiceCIDR update: the CIDRs may not change.
func ValidateServiceCIDRUpdate(newCIDR, oldCIDR *networkingv1.ServiceCIDR) field.ErrorList {
	allErrs := apimachineryvalidation.ValidateObjectMetaUpdate(&newCIDR.ObjectMeta, &oldCIDR.ObjectMeta, field.NewPath("metadata"))
	return append(allErrs, apimachineryvalidation.ValidateImmutableField(newCIDR.Spec.CIDRs, oldCIDR.Spec.CIDRs, field.NewPath("spec", "cidrs"))...)
}

// ValidateServiceCIDRStatusUpdate validates an update of a ServiceCIDR's status.
func ValidateServiceCIDRStatusUpdate(newCIDR, oldCIDR *networkingv1.ServiceCIDR) field.ErrorList {
	return apimachineryvalidation.ValidateObjectMetaUpdate(&newCIDR.ObjectMeta, &oldCIDR.ObjectMeta, field.NewPath("metadata"))
}

// dualStackCIDRs reports whether both CIDRs parse and are of different families.
func dualStackCIDRs(cidrs []string) bool {
	v4 := 0
	for _, c := range cidrs {
		ip, _, err := net.ParseCIDR(c)
		if err != nil {
			return false
		}
		if ip.To4() != nil {
			v4++
		}
	}
	return v4 == 1
}
