package endpointslice

import (
	"strings"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/svcnet/svcnet/pkg/controller/endpointslice/endpointutil"
)

// group is the set of desired endpoints that share an address type and a
// resolved port list, and so can share slices.
type group struct {
	key       string
	addrType  discoveryv1.AddressType
	ports     []discoveryv1.EndpointPort
	endpoints map[epKey]*discoveryv1.Endpoint
}

// desiredGroups works out every endpoint the Service should have, grouped
// by address type and port list. The map is keyed by group key.
func desiredGroups(in *Input) map[string]*group {
	svc := in.Service
	groups := map[string]*group{}
	// With numeric target ports every pod resolves the same ports; work
	// them out once.
	var samePorts []discoveryv1.EndpointPort
	if !hasNamedTargetPort(svc) {
		samePorts = podPorts(svc, &corev1.Pod{})
	}
	for _, addrType := range endpointutil.AddressTypes(svc) {
		var same *group
		for _, pod := range in.Pods {
			if pod.Namespace != svc.Namespace || !endpointutil.ShouldPodBeInEndpoints(pod, true) {
				continue
			}
			ip := endpointutil.IPForFamily(pod, addrType)
			if ip == "" {
				continue
			}
			g := same
			if g == nil {
				ports := samePorts
				if ports == nil {
					ports = podPorts(svc, pod)
				}
				key := endpointutil.PortsKey(addrType, ports)
				if g = groups[key]; g == nil {
					g = &group{key: key, addrType: addrType, ports: ports, endpoints: make(map[epKey]*discoveryv1.Endpoint, len(in.Pods))}
					groups[key] = g
				}
				if samePorts != nil {
					same = g
				}
			}
			ep := podToEndpoint(pod, svc, ip, in.zone(pod.Spec.NodeName))
			g.endpoints[endpointID(ep)] = ep
		}
	}
	return groups
}

func hasNamedTargetPort(svc *corev1.Service) bool {
	for _, p := range svc.Spec.Ports {
		if p.TargetPort.Type == intstr.String {
			return true
		}
	}
	return false
}

// podPorts resolves the Service's ports on one pod, in Service order. A
// named targetPort the pod does not have is left out.
func podPorts(svc *corev1.Service, pod *corev1.Pod) []discoveryv1.EndpointPort {
	ports := make([]discoveryv1.EndpointPort, 0, len(svc.Spec.Ports))
	for i := range svc.Spec.Ports {
		sp := &svc.Spec.Ports[i]
		num, err := endpointutil.FindPort(pod, sp)
		if err != nil {
			continue
		}
		name, proto := sp.Name, sp.Protocol
		if proto == "" {
			proto = corev1.ProtocolTCP
		}
		ports = append(ports, discoveryv1.EndpointPort{Name: &name, Port: &num, Protocol: &proto, AppProtocol: copyStr(sp.AppProtocol)})
	}
	return ports
}

// endpointBlock holds an endpoint and everything its pointers point to,
// so that building one costs a single allocation (this is the hot path
// of a large Service's reconcile). Nothing is shared between endpoints.
type endpointBlock struct {
	ep                          discoveryv1.Endpoint
	ready, serving, terminating bool
	addr                        [1]string
	ref                         corev1.ObjectReference
	node, zone, hostname        string
}

// podToEndpoint builds the endpoint for a pod address.
func podToEndpoint(pod *corev1.Pod, svc *corev1.Service, ip, zone string) *discoveryv1.Endpoint {
	b := &endpointBlock{
		serving:     endpointutil.IsPodReady(pod),
		terminating: pod.DeletionTimestamp != nil,
		addr:        [1]string{ip},
		ref:         corev1.ObjectReference{Kind: "Pod", Namespace: pod.Namespace, Name: pod.Name, UID: pod.UID},
		node:        pod.Spec.NodeName,
		zone:        zone,
		hostname:    pod.Spec.Hostname,
	}
	b.ready = svc.Spec.PublishNotReadyAddresses || (b.serving && !b.terminating)
	b.ep = discoveryv1.Endpoint{
		Addresses:  b.addr[:],
		Conditions: discoveryv1.EndpointConditions{Ready: &b.ready, Serving: &b.serving, Terminating: &b.terminating},
		TargetRef:  &b.ref,
	}
	if b.node != "" {
		b.ep.NodeName = &b.node
	}
	if b.zone != "" {
		b.ep.Zone = &b.zone
	}
	if endpointutil.ShouldSetHostname(pod, svc) {
		b.ep.Hostname = &b.hostname
	}
	return &b.ep
}

// epKey identifies an endpoint across syncs: the pod it stands for, or
// its address when it has no pod reference (a slice somebody edited).
type epKey struct {
	namespace, pod, addr string
}

func endpointID(ep *discoveryv1.Endpoint) epKey {
	if r := ep.TargetRef; r != nil && r.Kind == "Pod" && r.Name != "" {
		return epKey{namespace: r.Namespace, pod: r.Name}
	}
	return epKey{addr: strings.Join(ep.Addresses, ",")}
}

func (a epKey) less(b epKey) bool {
	if a.namespace != b.namespace {
		return a.namespace < b.namespace
	}
	if a.pod != b.pod {
		return a.pod < b.pod
	}
	return a.addr < b.addr
}

// desiredLabels returns the labels every managed slice of svc carries:
// the Service's own labels (less the reserved ones), the service-name and
// managed-by labels, and the headless label for headless Services.
func desiredLabels(svc *corev1.Service) map[string]string {
	out := make(map[string]string, len(svc.Labels)+3)
	for k, v := range svc.Labels {
		if isReservedLabel(k) {
			continue
		}
		out[k] = v
	}
	if endpointutil.IsHeadless(svc) {
		out[corev1.IsHeadlessService] = ""
	}
	out[discoveryv1.LabelServiceName] = svc.Name
	out[discoveryv1.LabelManagedBy] = ControllerName
	return out
}

func isReservedLabel(k string) bool {
	return k == discoveryv1.LabelServiceName || k == discoveryv1.LabelManagedBy || k == corev1.IsHeadlessService
}

func copyStr(s *string) *string {
	if s == nil {
		return nil
	}
	v := *s
	return &v
}
