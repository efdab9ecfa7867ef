package core

import (
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"
	apimachineryvalidation "k8s.io/apimachinery/pkg/api/validation"
	metav1validation "k8s.io/apimachinery/pkg/apis/meta/v1/validation"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// maxClientIPServiceAffinitySeconds is the longest ClientIP affinity timeout (one day).
const maxClientIPServiceAffinitySeconds int32 = 86400

var (
	supportedSessionAffinities = []corev1.ServiceAffinity{corev1.ServiceAffinityClientIP, corev1.ServiceAffinityNone}
	supportedServiceTypes      = []corev1.ServiceType{
		corev1.ServiceTypeClusterIP, corev1.ServiceTypeExternalName,
		corev1.ServiceTypeLoadBalancer, corev1.ServiceTypeNodePort,
	}
)

// ValidateServiceName checks a Service name: a DNS-1035 label, because it
// becomes a DNS label and environment variable prefix.
var ValidateServiceName = apimachineryvalidation.NameIsDNS1035Label

// servicePortKey mirrors the field layout of Kubernetes' internal ServicePort
// type, so that a duplicate-port error prints the same value kube-apiserver prints.
type servicePortKey struct {
	Name        string
	Protocol    corev1.Protocol
	AppProtocol *string
	Port        int32
	TargetPort  intstr.IntOrString
	NodePort    int32
}

// ValidateService validates a defaulted Service on create. It checks
// everything that can be checked without knowing the cluster: allocation
// (free IPs and ports, ranges, configured IP families) is the registry's job.
func ValidateService(svc *corev1.Service) field.ErrorList {
	metaPath := field.NewPath("metadata")
	allErrs := apimachineryvalidation.ValidateObjectMeta(&svc.ObjectMeta, true, ValidateServiceName, metaPath)
	allErrs = append(allErrs, validateTopologyAnnotations(svc, metaPath)...)

	specPath := field.NewPath("spec")
	allErrs = append(allErrs, validateServiceTypeShape(svc, specPath)...)

	allNames := map[string]bool{}
	for i := range svc.Spec.Ports {
		allErrs = append(allErrs, validateServicePort(&svc.Spec.Ports[i], len(svc.Spec.Ports) > 1, allNames, specPath.Child("ports").Index(i))...)
	}
	if svc.Spec.Selector != nil {
		allErrs = append(allErrs, metav1validation.ValidateLabels(svc.Spec.Selector, specPath.Child("selector"))...)
	}
	allErrs = append(allErrs, validateSessionAffinity(&svc.Spec, specPath)...)
	allErrs = append(allErrs, validateServiceIPFields(svc)...)
	for i, ip := range svc.Spec.ExternalIPs {
		idxPath := specPath.Child("externalIPs").Index(i)
		if errs := validation.IsValidIP(idxPath, ip); len(errs) != 0 {
			allErrs = append(allErrs, errs...)
		} else {
			allErrs = append(allErrs, ValidateNonSpecialIP(ip, idxPath)...)
		}
	}
	if svc.Spec.Type == "" {
		allErrs = append(allErrs, field.Required(specPath.Child("type"), ""))
	} else if !containsValue(supportedServiceTypes, svc.Spec.Type) {
		allErrs = append(allErrs, field.NotSupported(specPath.Child("type"), svc.Spec.Type, supportedServiceTypes))
	}
	allErrs = append(allErrs, validateServiceNodePorts(svc, specPath.Child("ports"))...)
	allErrs = append(allErrs, validateDuplicateServicePorts(svc, specPath.Child("ports"))...)
	allErrs = append(allErrs, validateLoadBalancerFields(svc)...)
	allErrs = append(allErrs, validateExternalTrafficPolicy(svc)...)
	allErrs = append(allErrs, validateInternalTrafficPolicy(svc)...)
	allErrs = append(allErrs, validateTrafficDistribution(svc)...)
	return allErrs
}

// validateTopologyAnnotations checks that the deprecated and current topology
// annotations agree when both are given.
func validateTopologyAnnotations(svc *corev1.Service, metaPath *field.Path) field.ErrorList {
	hints, hintsSet := svc.Annotations[corev1.DeprecatedAnnotationTopologyAwareHints]
	mode, modeSet := svc.Annotations[corev1.AnnotationTopologyMode]
	if hintsSet && modeSet && hints != mode {
		msg := fmt.Sprintf("must match annotations[%s] when both are specified", corev1.DeprecatedAnnotationTopologyAwareHints)
		return field.ErrorList{field.Invalid(metaPath.Child("annotations").Key(corev1.AnnotationTopologyMode), mode, msg)}
	}
	return nil
}

// validateServiceTypeShape checks the rules that tie ports, clusterIPs and
// externalName to the service type.
func validateServiceTypeShape(svc *corev1.Service, specPath *field.Path) field.ErrorList {
	var allErrs field.ErrorList
	spec := &svc.Spec
	if len(spec.Ports) == 0 && !isHeadless(svc) && spec.Type != corev1.ServiceTypeExternalName {
		allErrs = append(allErrs, field.Required(specPath.Child("ports"), ""))
	}
	switch spec.Type {
	case corev1.ServiceTypeLoadBalancer, corev1.ServiceTypeNodePort:
		if isHeadless(svc) {
			msg := fmt.Sprintf("may not be set to 'None' for %s services", spec.Type)
			allErrs = append(allErrs, field.Invalid(specPath.Child("clusterIPs").Index(0), spec.ClusterIPs[0], msg))
		}
	case corev1.ServiceTypeExternalName:
		if len(spec.ClusterIPs) > 0 {
			allErrs = append(allErrs, field.Forbidden(specPath.Child("clusterIPs"), "may not be set for ExternalName services"))
		}
		if len(spec.IPFamilies) > 0 {
			allErrs = append(allErrs, field.Forbidden(specPath.Child("ipFamilies"), "may not be set for ExternalName services"))
		}
		if spec.IPFamilyPolicy != nil {
			allErrs = append(allErrs, field.Forbidden(specPath.Child("ipFamilyPolicy"), "may not be set for ExternalName services"))
		}
		// The name may end in a dot to mark it fully qualified.
		cname := strings.TrimSuffix(spec.ExternalName, ".")
		if cname == "" {
			allErrs = append(allErrs, field.Required(specPath.Child("externalName"), ""))
		} else {
			allErrs = append(allErrs, ValidateDNS1123Subdomain(cname, specPath.Child("externalName"))...)
		}
	}
	return allErrs
}

// validateServicePort checks one entry of spec.ports. allNames collects the
// names seen so far, to find duplicates.
func validateServicePort(sp *corev1.ServicePort, requireName bool, allNames map[string]bool, fldPath *field.Path) field.ErrorList {
	var allErrs field.ErrorList
	if requireName && sp.Name == "" {
		allErrs = append(allErrs, field.Required(fldPath.Child("name"), ""))
	} else if sp.Name != "" {
		allErrs = append(allErrs, ValidateDNS1123Label(sp.Name, fldPath.Child("name"))...)
		if allNames[sp.Name] {
			allErrs = append(allErrs, field.Duplicate(fldPath.Child("name"), sp.Name))
		}
		allNames[sp.Name] = true
	}
	for _, msg := range validation.IsValidPortNum(int(sp.Port)) {
		allErrs = append(allErrs, field.Invalid(fldPath.Child("port"), sp.Port, msg))
	}
	allErrs = append(allErrs, validateProtocol(sp.Protocol, fldPath.Child("protocol"))...)
	allErrs = append(allErrs, ValidatePortNumOrName(sp.TargetPort, fldPath.Child("targetPort"))...)
	if sp.AppProtocol != nil {
		allErrs = append(allErrs, ValidateQualifiedName(*sp.AppProtocol, fldPath.Child("appProtocol"))...)
	}
	return allErrs
}

// validateSessionAffinity checks sessionAffinity and sessionAffinityConfig.
func validateSessionAffinity(spec *corev1.ServiceSpec, specPath *field.Path) field.ErrorList {
	var allErrs field.ErrorList
	if spec.SessionAffinity == "" {
		allErrs = append(allErrs, field.Required(specPath.Child("sessionAffinity"), ""))
	} else if !containsValue(supportedSessionAffinities, spec.SessionAffinity) {
		allErrs = append(allErrs, field.NotSupported(specPath.Child("sessionAffinity"), spec.SessionAffinity, supportedSessionAffinities))
	}
	cfgPath := specPath.Child("sessionAffinityConfig")
	switch spec.SessionAffinity {
	case corev1.ServiceAffinityClientIP:
		allErrs = append(allErrs, validateClientIPAffinityConfig(spec.SessionAffinityConfig, cfgPath)...)
	case corev1.ServiceAffinityNone:
		if spec.SessionAffinityConfig != nil {
			allErrs = append(allErrs, field.Forbidden(cfgPath, fmt.Sprintf("must not be set when session affinity is %s", corev1.ServiceAffinityNone)))
		}
	}
	return allErrs
}

// validateClientIPAffinityConfig checks the config of ClientIP affinity.
func validateClientIPAffinityConfig(cfg *corev1.SessionAffinityConfig, fldPath *field.Path) field.ErrorList {
	when := fmt.Sprintf("when session affinity type is %s", corev1.ServiceAffinityClientIP)
	switch {
	case cfg == nil:
		return field.ErrorList{field.Required(fldPath, when)}
	case cfg.ClientIP == nil:
		return field.ErrorList{field.Required(fldPath.Child("clientIP"), when)}
	case cfg.ClientIP.TimeoutSeconds == nil:
		return field.ErrorList{field.Required(fldPath.Child("clientIP", "timeoutSeconds"), when)}
	}
	timeout := *cfg.ClientIP.TimeoutSeconds
	if timeout <= 0 || timeout > maxClientIPServiceAffinitySeconds {
		msg := fmt.Sprintf("must be greater than 0 and less than %d", maxClientIPServiceAffinitySeconds)
		return field.ErrorList{field.Invalid(fldPath.Child("clientIP", "timeoutSeconds"), timeout, msg)}
	}
	return nil
}

// validateServiceNodePorts checks that ClusterIP services have no nodePorts
// and that no (protocol, nodePort) pair repeats.
func validateServiceNodePorts(svc *corev1.Service, portsPath *field.Path) field.ErrorList {
	var allErrs field.ErrorList
	if svc.Spec.Type == corev1.ServiceTypeClusterIP {
		for i, p := range svc.Spec.Ports {
			if p.NodePort != 0 {
				allErrs = append(allErrs, field.Forbidden(portsPath.Index(i).Child("nodePort"), "may not be used when `type` is 'ClusterIP'"))
			}
		}
	}
	type key struct {
		protocol corev1.Protocol
		nodePort int32
	}
	seen := map[key]bool{}
	for i, p := range svc.Spec.Ports {
		if p.NodePort == 0 {
			continue
		}
		k := key{p.Protocol, p.NodePort}
		if seen[k] {
			allErrs = append(allErrs, field.Duplicate(portsPath.Index(i).Child("nodePort"), p.NodePort))
		}
		seen[k] = true
	}
	return allErrs
}

// validateDuplicateServicePorts checks that no (protocol, port) pair repeats.
func validateDuplicateServicePorts(svc *corev1.Service, portsPath *field.Path) field.ErrorList {
	var allErrs field.ErrorList
	seen := map[servicePortKey]bool{}
	for i, p := range svc.Spec.Ports {
		k := servicePortKey{Protocol: p.Protocol, Port: p.Port}
		if seen[k] {
			allErrs = append(allErrs, field.Duplicate(portsPath.Index(i), k))
		}
		seen[k] = true
	}
	return allErrs
}

// containsValue reports whether list holds v.
func containsValue[T comparable](list []T, v T) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}
