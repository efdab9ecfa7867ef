package endpoints

import (
	"math"
	"net/netip"
	"sort"
	"strconv"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/svcnet/svcnet/pkg/controller/endpointslice/endpointutil"
)

// Input is everything the reconcile of one Service's Endpoints looks at.
type Input struct {
	// Service is the Service; it must want endpoints (a selector, not
	// ExternalName).
	Service *corev1.Service
	// Pods are the pods its selector matches, in its namespace.
	Pods []*corev1.Pod
	// Current is the Endpoints object as cached, or nil.
	Current *corev1.Endpoints
	// TriggerTime is the last-change-trigger-time for a write; zero
	// removes the annotation.
	TriggerTime time.Time
}

// Action says what to do with the Endpoints object.
type Action int

// The actions, in the order of their cost.
const (
	// ActionNone means the Endpoints object is right.
	ActionNone Action = iota
	// ActionCreate means it does not exist yet.
	ActionCreate
	// ActionUpdate means it differs.
	ActionUpdate
)

func (a Action) String() string {
	return [...]string{"none", "create", "update"}[a]
}

// Reconcile returns the Endpoints object the Service should have and what
// to do to get there. For ActionNone the object is nil. Reconcile is pure.
func Reconcile(in Input) (*corev1.Endpoints, Action) {
	svc := in.Service
	subsets, truncated := Truncate(DesiredSubsets(svc, in.Pods), MaxAddresses)
	labels := desiredLabels(svc)

	cur := in.Current
	if cur != nil && apiequality.Semantic.DeepEqual(cur.Subsets, subsets) &&
		apiequality.Semantic.DeepEqual(cur.Labels, labels) &&
		(cur.Annotations[corev1.EndpointsOverCapacity] == "truncated") == truncated {
		return nil, ActionNone
	}
	action := ActionUpdate
	var want *corev1.Endpoints
	if cur == nil {
		action = ActionCreate
		want = &corev1.Endpoints{ObjectMeta: metav1.ObjectMeta{Name: svc.Name, Namespace: svc.Namespace}}
	} else {
		want = cur.DeepCopy()
	}
	want.Subsets = subsets
	want.Labels = labels
	if want.Annotations == nil {
		want.Annotations = map[string]string{}
	}
	if in.TriggerTime.IsZero() {
		delete(want.Annotations, corev1.EndpointsLastChangeTriggerTime)
	} else {
		want.Annotations[corev1.EndpointsLastChangeTriggerTime] = endpointutil.FormatTriggerTime(in.TriggerTime)
	}
	if truncated {
		want.Annotations[corev1.EndpointsOverCapacity] = "truncated"
	} else {
		delete(want.Annotations, corev1.EndpointsOverCapacity)
	}
	return want, action
}

// desiredLabels are the Service's labels, the headless label for headless
// Services and the managed-by label.
func desiredLabels(svc *corev1.Service) map[string]string {
	out := make(map[string]string, len(svc.Labels)+2)
	for k, v := range svc.Labels {
		out[k] = v
	}
	if endpointutil.IsHeadless(svc) {
		out[corev1.IsHeadlessService] = ""
	} else {
		delete(out, corev1.IsHeadlessService)
	}
	out[LabelManagedBy] = ControllerName
	return out
}

// DesiredSubsets works out the Service's subsets: every candidate pod's
// address, ready or not ready, with the ports it resolves, repacked so
// that addresses offering the same ports share a subset.
func DesiredSubsets(svc *corev1.Service, pods []*corev1.Pod) []corev1.EndpointSubset {
	var p packer
	publish := svc.Spec.PublishNotReadyAddresses
	for _, pod := range pods {
		if pod.Namespace != svc.Namespace || !endpointutil.ShouldPodBeInEndpoints(pod, publish) {
			continue
		}
		ip := addressForService(svc, pod)
		if ip == "" {
			continue
		}
		addr := corev1.EndpointAddress{
			IP:        ip,
			TargetRef: &corev1.ObjectReference{Kind: "Pod", Namespace: pod.Namespace, Name: pod.Name, UID: pod.UID},
		}
		if pod.Spec.NodeName != "" {
			node := pod.Spec.NodeName
			addr.NodeName = &node
		}
		if endpointutil.ShouldSetHostname(pod, svc) {
			addr.Hostname = pod.Spec.Hostname
		}
		ready := publish || endpointutil.IsPodReady(pod)
		if len(svc.Spec.Ports) == 0 {
			// Only a headless Service may have no ports; its addresses
			// stand alone.
			if svc.Spec.ClusterIP == corev1.ClusterIPNone {
				p.add(addr, ready, nil)
			}
			continue
		}
		for i := range svc.Spec.Ports {
			sp := &svc.Spec.Ports[i]
			num, err := endpointutil.FindPort(pod, sp)
			if err != nil {
				continue
			}
			proto := sp.Protocol
			if proto == "" {
				proto = corev1.ProtocolTCP
			}
			p.add(addr, ready, &corev1.EndpointPort{Name: sp.Name, Port: num, Protocol: proto, AppProtocol: sp.AppProtocol})
		}
	}
	return p.subsets()
}

// addressForService picks the pod IP of the Service's primary family.
func addressForService(svc *corev1.Service, pod *corev1.Pod) string {
	family := discoveryv1.AddressTypeIPv4
	switch {
	case len(svc.Spec.IPFamilies) > 0:
		if svc.Spec.IPFamilies[0] == corev1.IPv6Protocol {
			family = discoveryv1.AddressTypeIPv6
		}
	case !endpointutil.IsHeadless(svc):
		if endpointutil.IsIPv6(svc.Spec.ClusterIP) {
			family = discoveryv1.AddressTypeIPv6
		}
	default:
		if ips := endpointutil.PodIPs(pod); len(ips) > 0 && endpointutil.IsIPv6(ips[0]) {
			family = discoveryv1.AddressTypeIPv6
		}
	}
	return endpointutil.IPForFamily(pod, family)
}

// packer groups addresses by the set of ports they offer (the N-to-M
// shape of Endpoints subsets), like Kubernetes' RepackSubsets.
type packer struct {
	entries map[addrKey]*entry
}

type addrKey struct {
	ip  string
	uid types.UID
}

type entry struct {
	addr  corev1.EndpointAddress
	ready bool
	ports map[string]corev1.EndpointPort
}

func (p *packer) add(addr corev1.EndpointAddress, ready bool, port *corev1.EndpointPort) {
	if p.entries == nil {
		p.entries = map[addrKey]*entry{}
	}
	var uid types.UID
	if addr.TargetRef != nil {
		uid = addr.TargetRef.UID
	}
	k := addrKey{addr.IP, uid}
	e := p.entries[k]
	if e == nil {
		e = &entry{addr: addr, ready: ready, ports: map[string]corev1.EndpointPort{}}
		p.entries[k] = e
	}
	if port != nil {
		e.ports[portKey(*port)] = *port
	}
}

func portKey(p corev1.EndpointPort) string {
	app := ""
	if p.AppProtocol != nil {
		app = *p.AppProtocol
	}
	return p.Name + "|" + strconv.Itoa(int(p.Port)) + "|" + string(p.Protocol) + "|" + app
}

// subsets returns the packed subsets in a deterministic order: subsets by
// their port list, ports by name, port and protocol, addresses by IP.
func (p *packer) subsets() []corev1.EndpointSubset {
	bySig := map[string]*corev1.EndpointSubset{}
	var sigs []string
	for _, e := range p.entries {
		keys := make([]string, 0, len(e.ports))
		for k := range e.ports {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		sig := strings.Join(keys, ";")
		ss := bySig[sig]
		if ss == nil {
			ss = &corev1.EndpointSubset{}
			for _, k := range keys {
				ss.Ports = append(ss.Ports, e.ports[k])
			}
			bySig[sig] = ss
			sigs = append(sigs, sig)
		}
		if e.ready {
			ss.Addresses = append(ss.Addresses, e.addr)
		} else {
			ss.NotReadyAddresses = append(ss.NotReadyAddresses, e.addr)
		}
	}
	sort.Strings(sigs)
	out := make([]corev1.EndpointSubset, 0, len(sigs))
	for _, sig := range sigs {
		ss := bySig[sig]
		sortAddresses(ss.Addresses)
		sortAddresses(ss.NotReadyAddresses)
		out = append(out, *ss)
	}
	return out
}

func sortAddresses(addrs []corev1.EndpointAddress) {
	sort.Slice(addrs, func(i, j int) bool {
		a, b := addrs[i], addrs[j]
		if a.IP != b.IP {
			pa, errA := netip.ParseAddr(a.IP)
			pb, errB := netip.ParseAddr(b.IP)
			if errA == nil && errB == nil {
				return pa.Less(pb)
			}
			return a.IP < b.IP
		}
		return uidOf(a) < uidOf(b)
	})
}

func uidOf(a corev1.EndpointAddress) types.UID {
	if a.TargetRef == nil {
		return ""
	}
	return a.TargetRef.UID
}

// Truncate cuts subsets down to max addresses in all and reports whether
// it cut anything. Ready addresses go first: not-ready ones are dropped
// before any ready one is. Within the kind being cut, each subset keeps a
// share proportional to its size (rounded up, the last ones taking what
// is left), as Kubernetes does. Subsets left without addresses are
// dropped. The input is modified.
func Truncate(subsets []corev1.EndpointSubset, max int) ([]corev1.EndpointSubset, bool) {
	ready, notReady := 0, 0
	for _, ss := range subsets {
		ready += len(ss.Addresses)
		notReady += len(ss.NotReadyAddresses)
	}
	if ready+notReady <= max {
		return subsets, false
	}
	cutReady := ready > max
	budget, total := max-ready, notReady
	if cutReady {
		budget, total = max, ready
	}
	left := budget
	for i := range subsets {
		ss := &subsets[i]
		list := &ss.NotReadyAddresses
		if cutReady {
			list = &ss.Addresses
			ss.NotReadyAddresses = nil
		}
		keep := int(math.Ceil(float64(len(*list)) / float64(total) * float64(budget)))
		keep = min(keep, left, len(*list))
		*list = (*list)[:keep]
		left -= keep
	}
	out := subsets[:0]
	for _, ss := range subsets {
		if len(ss.Addresses)+len(ss.NotReadyAddresses) > 0 {
			out = append(out, ss)
		}
	}
	return out, true
}
