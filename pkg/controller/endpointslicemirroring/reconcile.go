package endpointslicemirroring

import (
	"net/netip"
	"sort"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/svcnet/svcnet/pkg/controller/endpointslice/endpointutil"
)

// Input is everything the mirroring of one Endpoints object looks at.
type Input struct {
	// Endpoints is the user's Endpoints object.
	Endpoints *corev1.Endpoints
	// Existing are the slices this controller mirrored for it.
	Existing []*discoveryv1.EndpointSlice
	// MaxEndpointsPerSubset caps the addresses mirrored from one subset.
	MaxEndpointsPerSubset int
}

// Plan is the set of slice writes.
type Plan struct {
	Create []*discoveryv1.EndpointSlice
	Update []*discoveryv1.EndpointSlice
	Delete []*discoveryv1.EndpointSlice
}

// Empty reports whether the plan writes nothing.
func (p Plan) Empty() bool { return len(p.Create)+len(p.Update)+len(p.Delete) == 0 }

// Result is a plan and what could not be mirrored.
type Result struct {
	Plan
	// Invalid counts addresses that are not IP addresses.
	Invalid int
	// Skipped counts addresses beyond MaxEndpointsPerSubset.
	Skipped int
}

// mirrorGroup is the endpoints of one address type and port list.
type mirrorGroup struct {
	addrType discoveryv1.AddressType
	ports    []discoveryv1.EndpointPort
	eps      []discoveryv1.Endpoint
	seen     map[string]bool
}

// Reconcile computes the writes that make the mirrored slices match the
// Endpoints object: one slice per address type and port list (an
// Endpoints subset, normally), holding at most MaxEndpointsPerSubset of
// its addresses. Ready addresses are mirrored as ready, not-ready ones as
// not ready; an address listed twice in a group is mirrored once.
// Reconcile is pure.
func Reconcile(in Input) Result {
	ep := in.Endpoints
	max := in.MaxEndpointsPerSubset
	if max <= 0 {
		max = DefaultMaxEndpointsPerSubset
	}
	var res Result
	groups := map[string]*mirrorGroup{}
	var keys []string
	for _, ss := range ep.Subsets {
		ports := mirrorPorts(ss.Ports)
		added := 0
		for i, list := range [][]corev1.EndpointAddress{ss.Addresses, ss.NotReadyAddresses} {
			ready := i == 0
			for _, a := range list {
				if added >= max {
					res.Skipped++
					continue
				}
				addr, err := netip.ParseAddr(a.IP)
				if err != nil {
					res.Invalid++
					continue
				}
				addrType := discoveryv1.AddressTypeIPv4
				if addr.Is6() && !addr.Is4In6() {
					addrType = discoveryv1.AddressTypeIPv6
				}
				key := endpointutil.PortsKey(addrType, ports)
				g := groups[key]
				if g == nil {
					g = &mirrorGroup{addrType: addrType, ports: ports, seen: map[string]bool{}}
					groups[key] = g
					keys = append(keys, key)
				}
				ip := addr.Unmap().String()
				if g.seen[ip] {
					continue
				}
				if len(g.eps) >= max {
					res.Skipped++
					continue
				}
				g.seen[ip] = true
				g.eps = append(g.eps, addressToEndpoint(a, ip, ready))
				added++
			}
		}
	}
	labels, annotations := mirrorMeta(ep)
	w := writer{ep: ep, labels: labels, annotations: annotations}

	existing := append([]*discoveryv1.EndpointSlice(nil), in.Existing...)
	sort.Slice(existing, func(i, j int) bool { return existing[i].Name < existing[j].Name })
	kept := map[string]bool{}
	for _, s := range existing {
		key := endpointutil.PortsKey(s.AddressType, s.Ports)
		g := groups[key]
		if g == nil || kept[key] || !ownedBy(s, ep) {
			res.Delete = append(res.Delete, s)
			continue
		}
		kept[key] = true
		if !w.matches(s, g) {
			res.Update = append(res.Update, w.updated(s, g))
		}
	}
	sort.Strings(keys)
	for _, key := range keys {
		if !kept[key] {
			res.Create = append(res.Create, w.newSlice(groups[key]))
		}
	}
	recycle(&res.Plan, ep)
	return res
}

// mirrorPorts converts Endpoints ports to slice ports.
func mirrorPorts(ports []corev1.EndpointPort) []discoveryv1.EndpointPort {
	out := make([]discoveryv1.EndpointPort, 0, len(ports))
	for _, p := range ports {
		name, port, proto := p.Name, p.Port, p.Protocol
		if proto == "" {
			proto = corev1.ProtocolTCP
		}
		var app *string
		if p.AppProtocol != nil {
			v := *p.AppProtocol
			app = &v
		}
		out = append(out, discoveryv1.EndpointPort{Name: &name, Port: &port, Protocol: &proto, AppProtocol: app})
	}
	return out
}

func addressToEndpoint(a corev1.EndpointAddress, ip string, ready bool) discoveryv1.Endpoint {
	ep := discoveryv1.Endpoint{Addresses: []string{ip}, Conditions: discoveryv1.EndpointConditions{Ready: &ready}}
	if a.TargetRef != nil {
		ep.TargetRef = a.TargetRef.DeepCopy()
	}
	if a.NodeName != nil && *a.NodeName != "" {
		n := *a.NodeName
		ep.NodeName = &n
	}
	if a.Hostname != "" {
		h := a.Hostname
		ep.Hostname = &h
	}
	return ep
}

// mirrorMeta returns the labels and annotations of the mirrored slices:
// the Endpoints' own, less the ones that describe the Endpoints object
// itself, plus the service-name and managed-by labels.
func mirrorMeta(ep *corev1.Endpoints) (map[string]string, map[string]string) {
	labels := make(map[string]string, len(ep.Labels)+2)
	for k, v := range ep.Labels {
		labels[k] = v
	}
	labels[discoveryv1.LabelServiceName] = ep.Name
	labels[discoveryv1.LabelManagedBy] = ControllerName
	annotations := map[string]string{}
	for k, v := range ep.Annotations {
		if k == corev1.EndpointsLastChangeTriggerTime || k == corev1.LastAppliedConfigAnnotation {
			continue
		}
		annotations[k] = v
	}
	return labels, annotations
}

// ownedBy reports whether the slice was mirrored from this incarnation of
// the Endpoints object.
func ownedBy(s *discoveryv1.EndpointSlice, ep *corev1.Endpoints) bool {
	for _, o := range s.OwnerReferences {
		if o.Kind == "Endpoints" && o.APIVersion == "v1" && o.UID == ep.UID {
			return true
		}
	}
	return false
}

// recycle turns a create and a delete of the same address type into one
// update of the slice that would have been deleted.
func recycle(plan *Plan, ep *corev1.Endpoints) {
	var keep []*discoveryv1.EndpointSlice
	for _, del := range plan.Delete {
		idx := -1
		if ownedBy(del, ep) {
			for i, c := range plan.Create {
				if c.AddressType == del.AddressType {
					idx = i
					break
				}
			}
		}
		if idx < 0 {
			keep = append(keep, del)
			continue
		}
		upd := plan.Create[idx].DeepCopy()
		plan.Create = append(plan.Create[:idx], plan.Create[idx+1:]...)
		upd.Name, upd.GenerateName = del.Name, del.GenerateName
		upd.ResourceVersion, upd.UID = del.ResourceVersion, del.UID
		plan.Update = append(plan.Update, upd)
	}
	plan.Delete = keep
}

// writer builds the mirrored slices of one Endpoints object.
type writer struct {
	ep          *corev1.Endpoints
	labels      map[string]string
	annotations map[string]string
}

func (w *writer) newSlice(g *mirrorGroup) *discoveryv1.EndpointSlice {
	t := true
	return &discoveryv1.EndpointSlice{
		ObjectMeta: metav1.ObjectMeta{
			GenerateName: w.ep.Name + "-",
			Namespace:    w.ep.Namespace,
			Labels:       copyMap(w.labels),
			Annotations:  copyMap(w.annotations),
			OwnerReferences: []metav1.OwnerReference{{
				APIVersion: "v1", Kind: "Endpoints", Name: w.ep.Name, UID: w.ep.UID,
				Controller: &t, BlockOwnerDeletion: &t,
			}},
		},
		AddressType: g.addrType,
		Ports:       g.ports,
		Endpoints:   g.eps,
	}
}

func (w *writer) updated(s *discoveryv1.EndpointSlice, g *mirrorGroup) *discoveryv1.EndpointSlice {
	out := s.DeepCopy()
	out.Labels = copyMap(w.labels)
	out.Annotations = copyMap(w.annotations)
	out.Ports = g.ports
	out.Endpoints = g.eps
	return out
}

// matches reports whether an existing slice already mirrors the group.
func (w *writer) matches(s *discoveryv1.EndpointSlice, g *mirrorGroup) bool {
	if len(s.Endpoints) != len(g.eps) ||
		!apiequality.Semantic.DeepEqual(s.Labels, w.labels) ||
		!apiequality.Semantic.DeepEqual(s.Annotations, w.annotations) ||
		!apiequality.Semantic.DeepEqual(s.Ports, g.ports) {
		return false
	}
	for i := range g.eps {
		if !endpointutil.EndpointEqual(&s.Endpoints[i], &g.eps[i]) {
			return false
		}
	}
	return true
}

func copyMap(m map[string]string) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}
