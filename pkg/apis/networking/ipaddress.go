package networking

import (
	networkingv1 "k8s.io/api/networking/v1"
	apimachineryvalidation "k8s.io/apimachinery/pkg/api/validation"
	"k8s.io/apimachinery/pkg/api/validation/path"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// parentReference mirrors the field layout of Kubernetes' internal
// ParentReference, so that errors print the value kube-apiserver prints.
type parentReference struct {
	Group     string
	Resource  string
	Namespace string
	Name      string
}

// ValidateIPAddressName checks an IPAddress name: an IP address in
// canonical form, such as "10.96.0.10" or "fd00::a".
func ValidateIPAddressName(name string, _ bool) []string {
	var msgs []string
	for _, err := range validation.IsValidIP(&field.Path{}, name) {
		msgs = append(msgs, err.Detail)
	}
	return msgs
}

// ValidateIPAddress validates an IPAddress: its name is the address, and
// spec.parentRef names the owning object (resource and name required).
func ValidateIPAddress(ip *networkingv1.IPAddress) field.ErrorList {
	allErrs := apimachineryvalidation.ValidateObjectMeta(&ip.ObjectMeta, false, ValidateIPAddressName, field.NewPath("metadata"))
	return append(allErrs, validateParentReference(ip.Spec.ParentRef, field.NewPath("spec"))...)
}

// ValidateIPAddressUpdate validates an IPAddress update: parentRef may not change.
func ValidateIPAddressUpdate(newIP, oldIP *networkingv1.IPAddress) field.ErrorList {
	allErrs := apimachineryvalidation.ValidateObjectMetaUpdate(&newIP.ObjectMeta, &oldIP.ObjectMeta, field.NewPath("metadata"))
	if !parentRefEqual(newIP.Spec.ParentRef, oldIP.Spec.ParentRef) {
		allErrs = append(allErrs, field.Invalid(field.NewPath("spec", "parentRef"), mirror(newIP.Spec.ParentRef), apimachineryvalidation.FieldImmutableErrorMsg))
	}
	return allErrs
}

// validateParentReference checks spec.parentRef.
func validateParentReference(ref *networkingv1.ParentReference, specPath *field.Path) field.ErrorList {
	if ref == nil {
		return field.ErrorList{field.Required(specPath.Child("parentRef"), "")}
	}
	var allErrs field.ErrorList
	fldPath := specPath.Child("parentRef")
	// The core group is "", so group cannot be required.
	if ref.Group != "" {
		for _, msg := range validation.IsDNS1123Subdomain(ref.Group) {
			allErrs = append(allErrs, field.Invalid(fldPath.Child("group"), ref.Group, msg))
		}
	}
	allErrs = append(allErrs, validatePathSegment(ref.Resource, true, fldPath.Child("resource"))...)
	allErrs = append(allErrs, validatePathSegment(ref.Name, true, fldPath.Child("name"))...)
	return append(allErrs, validatePathSegment(ref.Namespace, false, fldPath.Child("namespace"))...)
}

// validatePathSegment checks a value that becomes a URL path segment.
func validatePathSegment(value string, required bool, fldPath *field.Path) field.ErrorList {
	if value == "" {
		if required {
			return field.ErrorList{field.Required(fldPath, "")}
		}
		return nil
	}
	var allErrs field.ErrorList
	for _, msg := range path.IsValidPathSegmentName(value) {
		allErrs = append(allErrs, field.Invalid(fldPath, value, msg))
	}
	return allErrs
}

// mirror converts a parent reference for printing; nil stays nil.
func mirror(ref *networkingv1.ParentReference) *parentReference {
	if ref == nil {
		return nil
	}
	return &parentReference{ref.Group, ref.Resource, ref.Namespace, ref.Name}
}

// parentRefEqual reports whether two parent references are both nil or equal.
func parentRefEqual(a, b *networkingv1.ParentReference) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return *a == *b
}
