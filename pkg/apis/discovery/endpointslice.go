package discovery

import (
	"fmt"
	"net"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	apimachineryvalidation "k8s.io/apimachinery/pkg/api/validation"
	metav1validation "k8s.io/apimachinery/pkg/apis/meta/v1/validation"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/svcnet/svcnet/pkg/apis/core"
)

// Limits on an EndpointSlice, as in Kubernetes.
const (
	maxEndpoints      = 1000
	maxAddresses      = 100
	maxPorts          = 20000
	maxTopologyLabels = 16
	maxZoneHints      = 8
	maxNodeHints      = 8
)

var (
	supportedAddressTypes  = []string{string(discoveryv1.AddressTypeFQDN), string(discoveryv1.AddressTypeIPv4), string(discoveryv1.AddressTypeIPv6)}
	supportedPortProtocols = []string{string(corev1.ProtocolSCTP), string(corev1.ProtocolTCP), string(corev1.ProtocolUDP)}
)

// DefaultEndpointSlice gives each port an empty name and protocol TCP when unset.
func DefaultEndpointSlice(slice *discoveryv1.EndpointSlice) {
	for i := range slice.Ports {
		p := &slice.Ports[i]
		if p.Name == nil {
			name := ""
			p.Name = &name
		}
		if p.Protocol == nil {
			proto := corev1.ProtocolTCP
			p.Protocol = &proto
		}
	}
}

// ValidateEndpointSlice validates an EndpointSlice on create: a DNS-1123
// subdomain name, a supported addressType, at most 1000 endpoints each with
// 1 to 100 addresses of that type, and ports with unique names.
func ValidateEndpointSlice(slice *discoveryv1.EndpointSlice) field.ErrorList {
	allErrs := apimachineryvalidation.ValidateObjectMeta(&slice.ObjectMeta, true, apimachineryvalidation.NameIsDNSSubdomain, field.NewPath("metadata"))
	allErrs = append(allErrs, validateAddressType(slice.AddressType)...)
	allErrs = append(allErrs, validateEndpoints(slice.Endpoints, slice.AddressType, field.NewPath("endpoints"))...)
	return append(allErrs, validatePorts(slice.Ports, field.NewPath("ports"))...)
}

// ValidateEndpointSliceUpdate validates an EndpointSlice update; addressType
// may not change.
func ValidateEndpointSliceUpdate(newSlice, oldSlice *discoveryv1.EndpointSlice) field.ErrorList {
	allErrs := apimachineryvalidation.ValidateObjectMetaUpdate(&newSlice.ObjectMeta, &oldSlice.ObjectMeta, field.NewPath("metadata"))
	allErrs = append(allErrs, ValidateEndpointSlice(newSlice)...)
	return append(allErrs, apimachineryvalidation.ValidateImmutableField(newSlice.AddressType, oldSlice.AddressType, field.NewPath("addressType"))...)
}

// validateAddressType checks addressType: IPv4, IPv6 or FQDN.
func validateAddressType(t discoveryv1.AddressType) field.ErrorList {
	fldPath := field.NewPath("addressType")
	if t == "" {
		return field.ErrorList{field.Required(fldPath, "")}
	}
	for _, s := range supportedAddressTypes {
		if string(t) == s {
			return nil
		}
	}
	return field.ErrorList{field.NotSupported(fldPath, t, supportedAddressTypes)}
}

// validateEndpoints checks the endpoints of a slice.
func validateEndpoints(endpoints []discoveryv1.Endpoint, addrType discoveryv1.AddressType, fldPath *field.Path) field.ErrorList {
	if len(endpoints) > maxEndpoints {
		return field.ErrorList{field.TooMany(fldPath, len(endpoints), maxEndpoints)}
	}
	var allErrs field.ErrorList
	for i := range endpoints {
		ep := &endpoints[i]
		idxPath := fldPath.Index(i)
		addrPath := idxPath.Child("addresses")
		if len(ep.Addresses) == 0 {
			allErrs = append(allErrs, field.Required(addrPath, "must contain at least 1 address"))
		} else if len(ep.Addresses) > maxAddresses {
			allErrs = append(allErrs, field.TooMany(addrPath, len(ep.Addresses), maxAddresses))
		}
		for j, addr := range ep.Addresses {
			allErrs = append(allErrs, validateAddress(addr, addrType, addrPath.Index(j))...)
		}
		if ep.NodeName != nil {
			for _, msg := range core.ValidateNodeName(*ep.NodeName, false) {
				allErrs = append(allErrs, field.Invalid(idxPath.Child("nodeName"), *ep.NodeName, msg))
			}
		}
		topoPath := idxPath.Child("deprecatedTopology")
		if len(ep.DeprecatedTopology) > maxTopologyLabels {
			allErrs = append(allErrs, field.TooMany(topoPath, len(ep.DeprecatedTopology), maxTopologyLabels))
		}
		allErrs = append(allErrs, metav1validation.ValidateLabels(ep.DeprecatedTopology, topoPath)...)
		if ep.Hostname != nil {
			allErrs = append(allErrs, core.ValidateDNS1123Label(*ep.Hostname, idxPath.Child("hostname"))...)
		}
		if ep.Hints != nil {
			allErrs = append(allErrs, validateHints(ep.Hints, idxPath.Child("hints"))...)
		}
	}
	return allErrs
}

// validateAddress checks one address against the slice's address type.
func validateAddress(addr string, addrType discoveryv1.AddressType, fldPath *field.Path) field.ErrorList {
	switch addrType {
	case discoveryv1.AddressTypeIPv4, discoveryv1.AddressTypeIPv6:
		if errs := validation.IsValidIP(fldPath, addr); len(errs) > 0 {
			return errs
		}
		isV4 := net.ParseIP(addr).To4() != nil
		if isV4 != (addrType == discoveryv1.AddressTypeIPv4) {
			return field.ErrorList{field.Invalid(fldPath, addr, fmt.Sprintf("must be a valid %s address", addrType))}
		}
		return core.ValidateNonSpecialIP(addr, fldPath)
	case discoveryv1.AddressTypeFQDN:
		return validation.IsFullyQualifiedDomainName(fldPath, addr)
	}
	return nil
}

// validateHints checks zone and node hints: at most 8 of each, no repeats.
func validateHints(hints *discoveryv1.EndpointHints, fldPath *field.Path) field.ErrorList {
	var allErrs field.ErrorList
	zonesPath := fldPath.Child("forZones")
	if len(hints.ForZones) > maxZoneHints {
		allErrs = append(allErrs, field.TooMany(zonesPath, len(hints.ForZones), maxZoneHints))
	} else {
		seen := map[string]bool{}
		for i, z := range hints.ForZones {
			namePath := zonesPath.Index(i).Child("name")
			if seen[z.Name] {
				allErrs = append(allErrs, field.Duplicate(namePath, z.Name))
			}
			seen[z.Name] = true
			for _, msg := range validation.IsValidLabelValue(z.Name) {
				allErrs = append(allErrs, field.Invalid(namePath, z.Name, msg))
			}
		}
	}
	nodesPath := fldPath.Child("forNodes")
	if len(hints.ForNodes) > maxNodeHints {
		return append(allErrs, field.TooMany(nodesPath, len(hints.ForNodes), maxNodeHints))
	}
	seen := map[string]bool{}
	for i, n := range hints.ForNodes {
		namePath := nodesPath.Index(i).Child("name")
		if seen[n.Name] {
			allErrs = append(allErrs, field.Duplicate(namePath, n.Name))
		}
		seen[n.Name] = true
		for _, msg := range core.ValidateNodeName(n.Name, false) {
			allErrs = append(allErrs, field.Invalid(namePath, n.Name, msg))
		}
	}
	return allErrs
}

// validatePorts checks the ports of a slice: at most maxPorts, unique
// DNS-1123 label names (empty allowed once), supported protocols. Like
// Kubernetes, it does not range-check port numbers.
func validatePorts(ports []discoveryv1.EndpointPort, fldPath *field.Path) field.ErrorList {
	if len(ports) > maxPorts {
		return field.ErrorList{field.TooMany(fldPath, len(ports), maxPorts)}
	}
	var allErrs field.ErrorList
	names := map[string]bool{}
	for i, p := range ports {
		idxPath := fldPath.Index(i)
		name := ""
		if p.Name != nil {
			name = *p.Name
		}
		if name != "" {
			allErrs = append(allErrs, core.ValidateDNS1123Label(name, idxPath.Child("name"))...)
		}
		if names[name] {
			allErrs = append(allErrs, field.Duplicate(idxPath.Child("name"), name))
		}
		names[name] = true
		if p.Protocol == nil {
			allErrs = append(allErrs, field.Required(idxPath.Child("protocol"), ""))
		} else if !contains(supportedPortProtocols, string(*p.Protocol)) {
			allErrs = append(allErrs, field.NotSupported(idxPath.Child("protocol"), *p.Protocol, supportedPortProtocols))
		}
		if p.AppProtocol != nil {
			allErrs = append(allErrs, core.ValidateQualifiedName(*p.AppProtocol, idxPath.Child("appProtocol"))...)
		}
	}
	return allErrs
}

// contains reports whether list holds v.
func contains(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}
