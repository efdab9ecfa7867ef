package core

import (
	"fmt"
	"net"

	corev1 "k8s.io/api/core/v1"
	apimachineryvalidation "k8s.io/apimachinery/pkg/api/validation"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// Messages shared by several validators; they are the strings kube-apiserver uses.
const (
	// FieldImmutableErrorMsg is the detail of an Invalid error on a field that may not change.
	FieldImmutableErrorMsg = apimachineryvalidation.FieldImmutableErrorMsg
	// isNegativeErrorMsg is the detail for a negative value in a non-negative field.
	isNegativeErrorMsg = apimachineryvalidation.IsNegativeErrorMsg
	// isNotPositiveErrorMsg is the detail for a value that must be above zero.
	isNotPositiveErrorMsg = "must be greater than zero"
)

// supportedPortProtocols lists the protocols a port may use, sorted as
// kube-apiserver prints them in "supported values".
var supportedPortProtocols = []corev1.Protocol{corev1.ProtocolSCTP, corev1.ProtocolTCP, corev1.ProtocolUDP}

// ValidateNodeName checks a Node name (or a reference to one): a DNS-1123 subdomain.
var ValidateNodeName = apimachineryvalidation.NameIsDNSSubdomain

// ValidateDNS1123Label returns an Invalid error for each way value is not a
// DNS-1123 label.
func ValidateDNS1123Label(value string, fldPath *field.Path) field.ErrorList {
	var allErrs field.ErrorList
	for _, msg := range validation.IsDNS1123Label(value) {
		allErrs = append(allErrs, field.Invalid(fldPath, value, msg))
	}
	return allErrs
}

// ValidateDNS1123Subdomain returns an Invalid error for each way value is not
// a DNS-1123 subdomain.
func ValidateDNS1123Subdomain(value string, fldPath *field.Path) field.ErrorList {
	var allErrs field.ErrorList
	for _, msg := range validation.IsDNS1123Subdomain(value) {
		allErrs = append(allErrs, field.Invalid(fldPath, value, msg))
	}
	return allErrs
}

// ValidateQualifiedName returns an Invalid error for each way value is not
// what Kubernetes calls a qualified name (an optional DNS prefix, a slash,
// and a name of at most 63 characters), as label keys and appProtocols are.
func ValidateQualifiedName(value string, fldPath *field.Path) field.ErrorList {
	var allErrs field.ErrorList
	for _, msg := range validation.IsQualifiedName(value) {
		allErrs = append(allErrs, field.Invalid(fldPath, value, msg))
	}
	return allErrs
}

// ValidateNonSpecialIP rejects addresses that make no sense as a destination
// for service traffic: unspecified, loopback and link-local ones. It is used
// for Endpoints, EndpointSlices and Service externalIPs.
func ValidateNonSpecialIP(ipAddress string, fldPath *field.Path) field.ErrorList {
	var allErrs field.ErrorList
	ip := net.ParseIP(ipAddress)
	if ip == nil {
		return append(allErrs, field.Invalid(fldPath, ipAddress, "must be a valid IP address"))
	}
	if ip.IsUnspecified() {
		allErrs = append(allErrs, field.Invalid(fldPath, ipAddress, fmt.Sprintf("may not be unspecified (%v)", ipAddress)))
	}
	if ip.IsLoopback() {
		allErrs = append(allErrs, field.Invalid(fldPath, ipAddress, "may not be in the loopback range (127.0.0.0/8, ::1/128)"))
	}
	if ip.IsLinkLocalUnicast() {
		allErrs = append(allErrs, field.Invalid(fldPath, ipAddress, "may not be in the link-local range (169.254.0.0/16, fe80::/10)"))
	}
	if ip.IsLinkLocalMulticast() {
		allErrs = append(allErrs, field.Invalid(fldPath, ipAddress, "may not be in the link-local multicast range (224.0.0.0/24, ff02::/10)"))
	}
	return allErrs
}

// ValidatePortNumOrName checks a port given as a number (1-65535) or as an
// IANA_SVC_NAME, as targetPort and probe ports are.
func ValidatePortNumOrName(port intstr.IntOrString, fldPath *field.Path) field.ErrorList {
	var allErrs field.ErrorList
	switch port.Type {
	case intstr.Int:
		for _, msg := range validation.IsValidPortNum(port.IntValue()) {
			allErrs = append(allErrs, field.Invalid(fldPath, port.IntValue(), msg))
		}
	case intstr.String:
		for _, msg := range validation.IsValidPortName(port.StrVal) {
			allErrs = append(allErrs, field.Invalid(fldPath, port.StrVal, msg))
		}
	default:
		allErrs = append(allErrs, field.InternalError(fldPath, fmt.Errorf("unknown type: %v", port.Type)))
	}
	return allErrs
}

// validateNonnegative is ValidateNonnegativeField for any integer width.
func validateNonnegative[T int32 | int64](value T, fldPath *field.Path) field.ErrorList {
	return apimachineryvalidation.ValidateNonnegativeField(int64(value), fldPath)
}

// validateProtocol checks a port protocol: required, and one of TCP, UDP, SCTP.
func validateProtocol(protocol corev1.Protocol, fldPath *field.Path) field.ErrorList {
	if protocol == "" {
		return field.ErrorList{field.Required(fldPath, "")}
	}
	for _, p := range supportedPortProtocols {
		if p == protocol {
			return nil
		}
	}
	return field.ErrorList{field.NotSupported(fldPath, protocol, supportedPortProtocols)}
}

// validateImmutable returns "field is immutable" when newVal and oldVal differ.
func validateImmutable(newVal, oldVal any, fldPath *field.Path) field.ErrorList {
	return apimachineryvalidation.ValidateImmutableField(newVal, oldVal, fldPath)
}

// ipFamilyOf returns the family of a valid IP string, or "" when it does not parse.
func ipFamilyOf(ip string) corev1.IPFamily {
	parsed := net.ParseIP(ip)
	switch {
	case parsed == nil:
		return ""
	case parsed.To4() != nil:
		return corev1.IPv4Protocol
	default:
		return corev1.IPv6Protocol
	}
}

// cidrFamilyOf returns the family of a CIDR string, or "" when it does not parse.
func cidrFamilyOf(cidr string) corev1.IPFamily {
	ip, _, err := net.ParseCIDR(cidr)
	if err != nil {
		return ""
	}
	return ipFamilyOf(ip.String())
}

// isDualStack reports whether values holds both an IPv4 and an IPv6 value,
// using family to classify each value. Like Kubernetes, it does not count:
// callers check the length separately.
func isDualStack(values []string, family func(string) corev1.IPFamily) bool {
	seen := map[corev1.IPFamily]bool{}
	for _, v := range values {
		seen[family(v)] = true
	}
	return seen[corev1.IPv4Protocol] && seen[corev1.IPv6Protocol]
}
