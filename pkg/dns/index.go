package dns

import (
	"fmt"
	"net/netip"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"k8s.io/client-go/tools/cache"

	"github.com/svcnet/svcnet/pkg/dns/object"
)

// Index is the in-memory state that cluster DNS answers come from. It is
// safe for concurrent use: informer callbacks write while queries read.
//
// Readers take the read lock only to find a Service's current view; views
// are immutable once published, so answers are built without the lock.
type Index struct {
	mu sync.RWMutex
	// services holds every Service known by itself or by its slices.
	services map[nsName]*serviceState
	// namespaces counts the Services (not slices) in each namespace.
	namespaces map[string]int
	// sliceOwner remembers which Service a slice was filed under, so an
	// update or delete finds it even if its label changed.
	sliceOwner map[nsName]string
	// ptr maps Service and ready endpoint IPs to their names.
	ptr map[netip.Addr]ptrRefs
	// pods are the known pods; podIPs counts the pods per (namespace, IP)
	// and podNamespaces the pods with an IP per namespace.
	pods          map[nsName]*object.Pod
	podIPs        map[nsAddr]int32
	podNamespaces map[string]int

	endpoints atomic.Int64 // ready endpoints, for metrics
	synced    atomic.Bool
	modified  atomic.Int64 // unix nanoseconds of the last change
}

type nsName struct{ ns, name string }

type nsAddr struct {
	ns   string
	addr netip.Addr
}

// serviceState is one Service and its slices. ns and name never change;
// the rest changes under the write lock, and view is replaced, never
// modified.
type serviceState struct {
	ns, name string
	slices   map[string]*object.EndpointSlice
	view     *serviceView
}

// serviceView is what answers read: the Service (nil until it is known)
// and its ready endpoints, de-duplicated by address and sorted.
type serviceView struct {
	svc       *object.Service
	endpoints []endpoint
}

// endpoint is a ready endpoint of a Service. Its DNS label is hostname,
// or for endpoints without one, the address with dashes (10-244-1-5).
type endpoint struct {
	addr     netip.Addr
	hostname string
	slice    *object.EndpointSlice // the slice it came from, for its ports
}

// ptrRef is one PTR target: the Service itself (endpoint false), or one of
// its ready endpoints, whose label is found in the Service's view.
type ptrRef struct {
	st       *serviceState
	endpoint bool
}

// ptrRefs keeps the usual single reference inline; an address rarely
// belongs to more than one Service.
type ptrRefs struct {
	first ptrRef
	more  *[]ptrRef
}

func (r ptrRefs) all() []ptrRef {
	if r.more == nil {
		return []ptrRef{r.first}
	}
	return append([]ptrRef{r.first}, *r.more...)
}

// IndexStats counts what an Index holds.
type IndexStats struct {
	// Services is the number of Services.
	Services int
	// Endpoints is the number of ready endpoints over all Services.
	Endpoints int
	// Pods is the number of pods.
	Pods int
}

// NewIndex returns an empty index that is not yet synced.
func NewIndex() *Index {
	x := &Index{
		services:      make(map[nsName]*serviceState),
		namespaces:    make(map[string]int),
		sliceOwner:    make(map[nsName]string),
		ptr:           make(map[netip.Addr]ptrRefs),
		pods:          make(map[nsName]*object.Pod),
		podIPs:        make(map[nsAddr]int32),
		podNamespaces: make(map[string]int),
	}
	x.touch()
	return x
}

// MarkSynced records that the index holds a complete view of the cluster;
// until then cluster names are answered with SERVFAIL.
func (x *Index) MarkSynced() { x.synced.Store(true) }

// Synced reports whether MarkSynced was called.
func (x *Index) Synced() bool { return x.synced.Load() }

// Modified is the time of the last change; the zone's SOA serial.
func (x *Index) Modified() time.Time { return time.Unix(0, x.modified.Load()) }

// Stats counts what the index holds.
func (x *Index) Stats() IndexStats {
	x.mu.RLock()
	defer x.mu.RUnlock()
	n := 0
	for _, c := range x.namespaces {
		n += c
	}
	return IndexStats{Services: n, Endpoints: int(x.endpoints.Load()), Pods: len(x.pods)}
}

// Upsert adds or replaces a Service, EndpointSlice or Pod, given as an API
// object (core/v1 Service or Pod, discovery/v1 EndpointSlice) or in its
// trimmed form from package object.
func (x *Index) Upsert(obj any) error {
	t, err := object.Transform(obj)
	if err != nil {
		return fmt.Errorf("trimming %T: %w", obj, err)
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	switch o := t.(type) {
	case *object.Service:
		x.setService(o)
	case *object.EndpointSlice:
		x.setSlice(o)
	case *object.Pod:
		x.setPod(o)
	default:
		return fmt.Errorf("indexing %T: unsupported type", obj)
	}
	x.touch()
	return nil
}

// Delete removes a Service, EndpointSlice or Pod given in any form Upsert
// takes, or as a cache.DeletedFinalStateUnknown tombstone of one.
func (x *Index) Delete(obj any) error {
	if d, ok := obj.(cache.DeletedFinalStateUnknown); ok {
		obj = d.Obj
	}
	t, err := object.Transform(obj)
	if err != nil {
		return fmt.Errorf("trimming %T: %w", obj, err)
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	switch o := t.(type) {
	case *object.Service:
		x.deleteService(nsName{o.Namespace, o.Name})
	case *object.EndpointSlice:
		x.deleteSlice(nsName{o.Namespace, o.Name})
	case *object.Pod:
		x.deletePod(nsName{o.Namespace, o.Name})
	default:
		return fmt.Errorf("removing %T: unsupported type", obj)
	}
	x.touch()
	return nil
}

func (x *Index) touch() { x.modified.Store(time.Now().UnixNano()) }

// state returns the state of a Service, creating it if asked.
func (x *Index) state(k nsName, create bool) *serviceState {
	st := x.services[k]
	if st == nil && create {
		st = &serviceState{ns: k.ns, name: k.name, view: &serviceView{}}
		x.services[k] = st
	}
	return st
}

func (x *Index) setService(s *object.Service) {
	st := x.state(nsName{s.Namespace, s.Name}, true)
	if st.view.svc == nil {
		x.namespaces[s.Namespace]++
	}
	x.publish(st, s)
}

func (x *Index) deleteService(k nsName) {
	st := x.state(k, false)
	if st == nil || st.view.svc == nil {
		return
	}
	if x.namespaces[k.ns]--; x.namespaces[k.ns] <= 0 {
		delete(x.namespaces, k.ns)
	}
	x.publish(st, nil)
	x.gc(k, st)
}

func (x *Index) setSlice(s *object.EndpointSlice) {
	k := nsName{s.Namespace, s.Name}
	if old, ok := x.sliceOwner[k]; ok && old != s.Service {
		x.deleteSlice(k)
	}
	if s.Service == "" {
		return
	}
	x.sliceOwner[k] = s.Service
	st := x.state(nsName{s.Namespace, s.Service}, true)
	if st.slices == nil {
		st.slices = make(map[string]*object.EndpointSlice)
	}
	st.slices[s.Name] = s
	x.publish(st, st.view.svc)
}

func (x *Index) deleteSlice(k nsName) {
	owner, ok := x.sliceOwner[k]
	if !ok {
		return
	}
	delete(x.sliceOwner, k)
	sk := nsName{k.ns, owner}
	st := x.state(sk, false)
	if st == nil {
		return
	}
	delete(st.slices, k.name)
	x.publish(st, st.view.svc)
	x.gc(sk, st)
}

// gc forgets a Service state that has neither a Service nor slices.
func (x *Index) gc(k nsName, st *serviceState) {
	if st.view.svc == nil && len(st.slices) == 0 {
		delete(x.services, k)
	}
}

// publish computes a new view of st with Service svc and swaps it in,
// moving the PTR references from the old view's addresses to the new.
func (x *Index) publish(st *serviceState, svc *object.Service) {
	old := st.view
	v := &serviceView{svc: svc}
	if svc != nil && svc.ExternalName == "" {
		v.endpoints = mergeEndpoints(st.slices, svc.AllReady)
	}
	x.unlinkPTR(st, old)
	st.view = v
	x.linkPTR(st, v)
	x.endpoints.Add(int64(len(v.endpoints) - len(old.endpoints)))
}

// mergeEndpoints returns the ready endpoints of all slices, one per
// address (the first by slice name wins), sorted by address.
func mergeEndpoints(bySlice map[string]*object.EndpointSlice, allReady bool) []endpoint {
	if len(bySlice) == 0 {
		return nil
	}
	names := make([]string, 0, len(bySlice))
	n := 0
	for name, s := range bySlice {
		names = append(names, name)
		n += len(s.Endpoints)
	}
	slices.Sort(names)
	out := make([]endpoint, 0, n)
	for _, name := range names {
		s := bySlice[name]
		for _, e := range s.Endpoints {
			if e.Ready || allReady {
				out = append(out, endpoint{addr: e.Addr, hostname: e.Hostname, slice: s})
			}
		}
	}
	slices.SortStableFunc(out, func(a, b endpoint) int { return a.addr.Compare(b.addr) })
	// Drop later duplicates of an address; the sort is stable, so the
	// first slice by name wins.
	return slices.CompactFunc(out, func(a, b endpoint) bool { return a.addr == b.addr })
}

func (x *Index) linkPTR(st *serviceState, v *serviceView) {
	if v.svc == nil {
		return
	}
	for _, a := range v.svc.ClusterIPs {
		x.addPTR(a, ptrRef{st: st})
	}
	for _, e := range v.endpoints {
		x.addPTR(e.addr, ptrRef{st: st, endpoint: true})
	}
}

func (x *Index) unlinkPTR(st *serviceState, v *serviceView) {
	if v.svc == nil {
		return
	}
	for _, a := range v.svc.ClusterIPs {
		x.removePTR(a, st)
	}
	for _, e := range v.endpoints {
		x.removePTR(e.addr, st)
	}
}

func (x *Index) addPTR(a netip.Addr, r ptrRef) {
	refs, ok := x.ptr[a]
	if !ok {
		x.ptr[a] = ptrRefs{first: r}
		return
	}
	if refs.more == nil {
		refs.more = new([]ptrRef)
	}
	*refs.more = append(*refs.more, r)
	x.ptr[a] = refs
}

// removePTR drops every reference of a to st.
func (x *Index) removePTR(a netip.Addr, st *serviceState) {
	refs, ok := x.ptr[a]
	if !ok {
		return
	}
	if refs.more == nil {
		if refs.first.st == st {
			delete(x.ptr, a)
		}
		return
	}
	all := slices.DeleteFunc(refs.all(), func(r ptrRef) bool { return r.st == st })
	if len(all) == 0 {
		delete(x.ptr, a)
		return
	}
	refs = ptrRefs{first: all[0]}
	if rest := all[1:]; len(rest) > 0 {
		refs.more = &rest
	}
	x.ptr[a] = refs
}

func (x *Index) setPod(p *object.Pod) {
	k := nsName{p.Namespace, p.Name}
	x.deletePod(k)
	x.pods[k] = p
	x.countPod(p, 1)
}

func (x *Index) deletePod(k nsName) {
	if old, ok := x.pods[k]; ok {
		x.countPod(old, -1)
		delete(x.pods, k)
	}
}

func (x *Index) countPod(p *object.Pod, d int32) {
	if len(p.IPs) == 0 {
		return
	}
	if x.podNamespaces[p.Namespace] += int(d); x.podNamespaces[p.Namespace] <= 0 {
		delete(x.podNamespaces, p.Namespace)
	}
	for _, a := range p.IPs {
		k := nsAddr{p.Namespace, a}
		if x.podIPs[k] += d; x.podIPs[k] <= 0 {
			delete(x.podIPs, k)
		}
	}
}
