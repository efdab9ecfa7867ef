package endpointslice

import (
	"sort"
	"time"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/svcnet/svcnet/pkg/controller/endpointslice/endpointutil"
)

// Input is everything the reconcile of one Service looks at.
type Input struct {
	// Service is the Service; it must want endpoints (a selector, not
	// ExternalName).
	Service *corev1.Service
	// Pods are the pods its selector matches, in its namespace.
	Pods []*corev1.Pod
	// Existing are the slices this controller manages for the Service
	// (by the service-name and managed-by labels).
	Existing []*discoveryv1.EndpointSlice
	// NodeZone returns the topology.kubernetes.io/zone label of a node,
	// or "". Nil means no zones.
	NodeZone func(nodeName string) string
	// MaxEndpointsPerSlice caps the endpoints in one slice.
	MaxEndpointsPerSlice int
	// TriggerTime is the last-change-trigger-time to stamp on the slices
	// this sync writes; zero removes the annotation from them.
	TriggerTime time.Time
}

func (in *Input) zone(node string) string {
	if in.NodeZone == nil || node == "" {
		return ""
	}
	return in.NodeZone(node)
}

// Plan is the set of writes that brings a Service's slices to the desired
// state. Slices in Update are full objects carrying the resourceVersion
// they were computed from. An empty plan means the slices are right.
type Plan struct {
	Create []*discoveryv1.EndpointSlice
	Update []*discoveryv1.EndpointSlice
	Delete []*discoveryv1.EndpointSlice
}

// Empty reports whether the plan writes nothing.
func (p Plan) Empty() bool { return len(p.Create)+len(p.Update)+len(p.Delete) == 0 }

// DeleteAll is the plan for a Service that should have no slices.
func DeleteAll(existing []*discoveryv1.EndpointSlice) Plan {
	return Plan{Delete: existing}
}

// sliceState is an existing slice as the reconcile reshapes it.
type sliceState struct {
	orig    *discoveryv1.EndpointSlice
	eps     []discoveryv1.Endpoint
	changed bool // endpoints differ from orig
}

// Reconcile computes the writes that make the Service's managed slices
// hold exactly its desired endpoints, touching as few slices as possible:
//
//   - an endpoint stays in the slice that holds it; a slice whose content
//     and labels are unchanged is not written;
//   - new endpoints first fill slices that are being written anyway, then
//     go into new full slices, and a remainder goes into the fullest
//     unchanged slice with room, or a new slice;
//   - a slice left empty is deleted, unless a new slice is needed, in
//     which case it is reused (updated) instead;
//   - no slice holds more than MaxEndpointsPerSlice endpoints;
//   - a Service without endpoints keeps one empty placeholder slice, as in
//     Kubernetes, so that consumers can tell "no endpoints" from "not yet
//     processed".
//
// Reconcile is pure: it neither does I/O nor changes its input.
func Reconcile(in Input) Plan {
	svc := in.Service
	max := in.MaxEndpointsPerSlice
	if max <= 0 {
		max = DefaultMaxEndpointsPerSlice
	}
	labels := desiredLabels(svc)
	groups := desiredGroups(&in)

	var plan Plan
	// Existing slices by group; slices of another owner or of a group
	// that is no longer wanted go away.
	byGroup := map[string][]*sliceState{}
	existing := append([]*discoveryv1.EndpointSlice(nil), in.Existing...)
	sort.Slice(existing, func(i, j int) bool { return existing[i].Name < existing[j].Name })
	for _, s := range existing {
		if !ownedBy(s, svc) {
			plan.Delete = append(plan.Delete, s)
			continue
		}
		key := endpointutil.PortsKey(s.AddressType, s.Ports)
		if groups[key] == nil {
			plan.Delete = append(plan.Delete, s)
			continue
		}
		byGroup[key] = append(byGroup[key], &sliceState{orig: s})
	}

	keys := make([]string, 0, len(groups))
	for k := range groups {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	w := &writer{svc: svc, labels: labels, trigger: in.TriggerTime}
	for _, k := range keys {
		placeGroup(&plan, w, groups[k], byGroup[k], max)
	}
	addPlaceholder(&plan, w, len(existing))
	recycle(&plan, svc)
	return plan
}

// placeGroup places one group's endpoints into its existing slices and new
// ones, appending the resulting writes to plan.
func placeGroup(plan *Plan, w *writer, g *group, states []*sliceState, max int) {
	placed := make(map[epKey]bool, len(g.endpoints))
	for _, st := range states {
		for i := range st.orig.Endpoints {
			cur := &st.orig.Endpoints[i]
			id := endpointID(cur)
			want, ok := g.endpoints[id]
			if !ok || placed[id] || len(st.eps) >= max {
				st.changed = true
				continue
			}
			placed[id] = true
			if !endpointutil.EndpointEqual(want, cur) {
				st.changed = true
			}
			st.eps = append(st.eps, *want)
		}
	}
	remaining := make([]epKey, 0, len(g.endpoints)-len(placed))
	for id := range g.endpoints {
		if !placed[id] {
			remaining = append(remaining, id)
		}
	}
	sort.Slice(remaining, func(i, j int) bool { return remaining[i].less(remaining[j]) })
	take := func(n int) []discoveryv1.Endpoint {
		if n > len(remaining) {
			n = len(remaining)
		}
		out := make([]discoveryv1.Endpoint, 0, n)
		for _, id := range remaining[:n] {
			out = append(out, *g.endpoints[id])
		}
		remaining = remaining[n:]
		return out
	}

	// 1. Fill the slices that are written anyway.
	for _, st := range states {
		if st.changed && len(st.eps) > 0 && len(st.eps) < max && len(remaining) > 0 {
			st.eps = append(st.eps, take(max-len(st.eps))...)
		}
	}
	// 2. Full new slices, then the remainder into the fullest unchanged
	// slice with room, or one more new slice.
	for len(remaining) > 0 {
		if len(remaining) < max {
			if st := sliceToFill(states, len(remaining), max); st != nil {
				st.eps = append(st.eps, take(len(remaining))...)
				st.changed = true
				continue
			}
		}
		plan.Create = append(plan.Create, w.newSlice(g, take(max)))
	}
	for _, st := range states {
		switch {
		case st.changed && len(st.eps) == 0:
			plan.Delete = append(plan.Delete, st.orig)
		case st.changed || w.metaChanged(st.orig, g):
			plan.Update = append(plan.Update, w.updated(st.orig, g, st.eps))
		}
	}
}

// sliceToFill returns the fullest unchanged slice with room for n more
// endpoints, or nil.
func sliceToFill(states []*sliceState, n, max int) *sliceState {
	var best *sliceState
	for _, st := range states {
		if st.changed || len(st.eps)+n > max {
			continue
		}
		if best == nil || len(st.eps) > len(best.eps) {
			best = st
		}
	}
	return best
}

// addPlaceholder keeps one empty slice for a Service without endpoints.
func addPlaceholder(plan *Plan, w *writer, existing int) {
	if len(plan.Create) > 0 || len(plan.Delete) < existing {
		return // some slice remains or is created
	}
	ph := w.placeholder()
	if len(plan.Delete) == 1 && isPlaceholderLike(plan.Delete[0], ph, w.svc) {
		plan.Delete = nil
		return
	}
	plan.Create = append(plan.Create, ph)
}

func isPlaceholderLike(s, ph *discoveryv1.EndpointSlice, svc *corev1.Service) bool {
	return ownedBy(s, svc) && s.AddressType == ph.AddressType && len(s.Endpoints) == 0 &&
		len(s.Ports) == 0 && apiequality.Semantic.DeepEqual(s.Labels, ph.Labels)
}

// recycle turns a create plus a delete of the same address type into an
// update of the slice that would have been deleted: one write instead of
// two, and one fewer object for watchers to churn through.
func recycle(plan *Plan, svc *corev1.Service) {
	var keep []*discoveryv1.EndpointSlice
	for _, del := range plan.Delete {
		idx := -1
		if ownedBy(del, svc) {
			for i := len(plan.Create) - 1; i >= 0; i-- {
				if plan.Create[i].AddressType == del.AddressType {
					idx = i
					break
				}
			}
		}
		if idx < 0 {
			keep = append(keep, del)
			continue
		}
		c := plan.Create[idx]
		plan.Create = append(plan.Create[:idx], plan.Create[idx+1:]...)
		upd := c.DeepCopy()
		upd.Name, upd.GenerateName = del.Name, del.GenerateName
		upd.ResourceVersion, upd.UID = del.ResourceVersion, del.UID
		upd.Annotations = mergeAnnotations(del.Annotations, c.Annotations)
		plan.Update = append(plan.Update, upd)
	}
	plan.Delete = keep
}

// mergeAnnotations keeps the recycled slice's annotations but takes the
// trigger time from the new content.
func mergeAnnotations(old, fresh map[string]string) map[string]string {
	out := make(map[string]string, len(old)+1)
	for k, v := range old {
		out[k] = v
	}
	delete(out, corev1.EndpointsLastChangeTriggerTime)
	if v, ok := fresh[corev1.EndpointsLastChangeTriggerTime]; ok {
		out[corev1.EndpointsLastChangeTriggerTime] = v
	}
	return out
}

// ownedBy reports whether the slice's owner references name the Service
// (this incarnation of it: the UID must match).
func ownedBy(s *discoveryv1.EndpointSlice, svc *corev1.Service) bool {
	for _, o := range s.OwnerReferences {
		if o.UID == svc.UID && o.Kind == "Service" && o.APIVersion == "v1" {
			return true
		}
	}
	return false
}

// writer builds slice objects for one Service.
type writer struct {
	svc     *corev1.Service
	labels  map[string]string
	trigger time.Time
}

func (w *writer) newSlice(g *group, eps []discoveryv1.Endpoint) *discoveryv1.EndpointSlice {
	t := true
	s := &discoveryv1.EndpointSlice{
		ObjectMeta: metav1.ObjectMeta{
			GenerateName: w.svc.Name + "-",
			Namespace:    w.svc.Namespace,
			Labels:       copyMap(w.labels),
			OwnerReferences: []metav1.OwnerReference{{
				APIVersion: "v1", Kind: "Service", Name: w.svc.Name, UID: w.svc.UID,
				Controller: &t, BlockOwnerDeletion: &t,
			}},
		},
		AddressType: g.addrType,
		Endpoints:   eps,
		Ports:       copyPorts(g.ports),
	}
	w.stamp(s)
	return s
}

func (w *writer) placeholder() *discoveryv1.EndpointSlice {
	addrType := endpointutil.AddressTypes(w.svc)[0]
	return w.newSlice(&group{addrType: addrType, ports: []discoveryv1.EndpointPort{}}, []discoveryv1.Endpoint{})
}

// updated returns orig with new content, current labels and trigger time.
func (w *writer) updated(orig *discoveryv1.EndpointSlice, g *group, eps []discoveryv1.Endpoint) *discoveryv1.EndpointSlice {
	s := orig.DeepCopy()
	s.Labels = copyMap(w.labels)
	s.Endpoints = eps
	if s.Endpoints == nil {
		s.Endpoints = []discoveryv1.Endpoint{}
	}
	s.Ports = copyPorts(g.ports)
	w.stamp(s)
	return s
}

// metaChanged reports whether an otherwise unchanged slice needs a write
// for its labels or port order.
func (w *writer) metaChanged(s *discoveryv1.EndpointSlice, g *group) bool {
	return !apiequality.Semantic.DeepEqual(s.Labels, w.labels) || !apiequality.Semantic.DeepEqual(s.Ports, g.ports)
}

func (w *writer) stamp(s *discoveryv1.EndpointSlice) {
	if s.Annotations == nil {
		s.Annotations = map[string]string{}
	}
	if w.trigger.IsZero() {
		delete(s.Annotations, corev1.EndpointsLastChangeTriggerTime)
	} else {
		s.Annotations[corev1.EndpointsLastChangeTriggerTime] = endpointutil.FormatTriggerTime(w.trigger)
	}
}

func copyMap(m map[string]string) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

func copyPorts(ports []discoveryv1.EndpointPort) []discoveryv1.EndpointPort {
	out := make([]discoveryv1.EndpointPort, 0, len(ports))
	for _, p := range ports {
		out = append(out, *p.DeepCopy())
	}
	return out
}
