package endpointutil

import (
	"sort"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
)

// PortsKey is the canonical identity of an address type and port list: the
// ports sorted, so that two orders of the same ports share slices.
func PortsKey(addrType discoveryv1.AddressType, ports []discoveryv1.EndpointPort) string {
	parts := make([]string, 0, len(ports))
	for _, p := range ports {
		parts = append(parts, strings.Join([]string{
			deref(p.Name), string(derefProto(p.Protocol)), strconv.Itoa(int(derefInt(p.Port))), deref(p.AppProtocol),
		}, "|"))
	}
	sort.Strings(parts)
	return string(addrType) + "/" + strings.Join(parts, ";")
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func derefProto(p *corev1.Protocol) corev1.Protocol {
	if p == nil {
		return corev1.ProtocolTCP
	}
	return *p
}

func derefInt(p *int32) int32 {
	if p == nil {
		return 0
	}
	return *p
}

// EndpointEqual compares two endpoints field by field. It is what the
// reconcile spends its time in for large Services, hence not reflection.
// A pod reference's resourceVersion is ignored.
func EndpointEqual(a, b *discoveryv1.Endpoint) bool {
	if len(a.Addresses) != len(b.Addresses) {
		return false
	}
	for i := range a.Addresses {
		if a.Addresses[i] != b.Addresses[i] {
			return false
		}
	}
	if !boolPtrEqual(a.Conditions.Ready, b.Conditions.Ready) ||
		!boolPtrEqual(a.Conditions.Serving, b.Conditions.Serving) ||
		!boolPtrEqual(a.Conditions.Terminating, b.Conditions.Terminating) ||
		!strPtrEqual(a.Hostname, b.Hostname) || !strPtrEqual(a.NodeName, b.NodeName) || !strPtrEqual(a.Zone, b.Zone) {
		return false
	}
	if (a.TargetRef == nil) != (b.TargetRef == nil) {
		return false
	}
	if a.TargetRef != nil {
		ra, rb := *a.TargetRef, *b.TargetRef
		ra.ResourceVersion, rb.ResourceVersion = "", ""
		if ra != rb {
			return false
		}
	}
	if a.Hints != nil || b.Hints != nil {
		if !apiequality.Semantic.DeepEqual(a.Hints, b.Hints) {
			return false
		}
	}
	return len(a.DeprecatedTopology) == 0 && len(b.DeprecatedTopology) == 0 ||
		apiequality.Semantic.DeepEqual(a.DeprecatedTopology, b.DeprecatedTopology)
}

func boolPtrEqual(a, b *bool) bool {
	if a == nil || b == nil {
		return a == b
	}
	return *a == *b
}

func strPtrEqual(a, b *string) bool {
	if a == nil || b == nil {
		return a == b
	}
	return *a == *b
}
