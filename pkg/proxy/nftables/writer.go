package nftables

import (
	"fmt"
	"net/netip"
	"slices"
	"time"

	"sigs.k8s.io/knftables"

	"github.com/svcnet/svcnet/pkg/proxy/model"
)

// Config is what the rules depend on besides the Services.
type Config struct {
	// Family is the IP family of the table.
	Family model.Family
	// NodeName is this node's name, to find its own endpoints.
	NodeName string
	// NodeIPs are this node's addresses.
	NodeIPs []netip.Addr
	// ClusterCIDRs are the pod networks. ClusterIP traffic from outside
	// them is masqueraded; none means ClusterIP traffic is never
	// masqueraded (unless MasqueradeAll).
	ClusterCIDRs []netip.Prefix
	// ServiceCIDRs are the Service IP ranges; traffic to an unallocated IP
	// in them is dropped.
	ServiceCIDRs []netip.Prefix
	// NodePortAddresses limits NodePorts to the NodeIPs inside these
	// prefixes; none accepts NodePorts on every local address.
	NodePortAddresses []netip.Prefix
	// MasqueradeAll masquerades all ClusterIP traffic.
	MasqueradeAll bool
	// MasqueradeMark is the packet mark bit that asks for masquerading.
	MasqueradeMark uint32
	// Counters adds named counters to Service and endpoint chains.
	Counters bool
}

// Counts are the numbers of objects in the table, for metrics.
type Counts struct {
	Chains, Rules, Elements, Sets, Counters int
}

func (c Counts) plus(o Counts, sign int) Counts {
	return Counts{
		Chains: c.Chains + sign*o.Chains, Rules: c.Rules + sign*o.Rules, Elements: c.Elements + sign*o.Elements,
		Sets: c.Sets + sign*o.Sets, Counters: c.Counters + sign*o.Counters,
	}
}

// Writer turns the model into nftables transactions: a full one that
// rebuilds the whole table, or a partial one with only the changes of some
// Services. It remembers the chains it stopped using, which are deleted
// later (see Cleanup). A Writer is not safe for concurrent use.
type Writer struct {
	cfg          Config
	fam          family
	clusterCIDRs []netip.Prefix
	serviceCIDRs []netip.Prefix
	// nodePortIPs are the addresses that accept NodePorts; nil means any
	// local address.
	nodePortIPs []netip.Addr
	counts      Counts
	stale       *staleObjects
}

// NewWriter returns a Writer for cfg.
func NewWriter(cfg Config) *Writer {
	w := &Writer{cfg: cfg, fam: familyFor(cfg.Family), stale: newStaleObjects()}
	keep := func(p netip.Prefix) bool { return cfg.Family.Has(p.Addr()) }
	w.clusterCIDRs = slices.DeleteFunc(slices.Clone(cfg.ClusterCIDRs), func(p netip.Prefix) bool { return !keep(p) })
	w.serviceCIDRs = slices.DeleteFunc(slices.Clone(cfg.ServiceCIDRs), func(p netip.Prefix) bool { return !keep(p) })
	if len(cfg.NodePortAddresses) > 0 {
		w.nodePortIPs = []netip.Addr{}
		for _, ip := range cfg.NodeIPs {
			if !cfg.Family.Has(ip) || ip.IsLoopback() {
				continue
			}
			if slices.ContainsFunc(cfg.NodePortAddresses, func(p netip.Prefix) bool { return p.Contains(ip) }) {
				w.nodePortIPs = append(w.nodePortIPs, ip)
			}
		}
	}
	return w
}

// Change is one Service changed since the last successful sync: its
// programmed state (nil if it had none) and its new state (nil if gone).
type Change struct {
	Old, New *model.Service
}

// Plan is a written, not yet applied, transaction's bookkeeping. Pass it to
// Applied once the transaction ran.
type Plan struct {
	// Full tells whether the transaction rebuilds the whole table.
	Full bool
	// Counts are the table's object counts once the plan is applied.
	Counts     Counts
	staleAdd   []objectRef
	staleReset bool
	revived    []string
}

// Existing lists the objects found in the table before a full sync, by kind
// ("chain", "set", "map", "counter").
type Existing map[string][]string

// WriteFull writes a transaction that flushes the table and rebuilds it
// from services, in one atomic step. Objects in existing that the new
// table does not use are left empty and deleted later.
func (w *Writer) WriteFull(tx *knftables.Transaction, services []*model.Service, existing Existing) *Plan {
	tx.Add(&knftables.Table{Comment: ptr("svcnet service proxy")})
	tx.Flush(&knftables.Table{})
	plan := &Plan{Full: true, staleReset: true}
	// Everything listed is stale unless written again.
	leftover := map[objectRef]bool{}
	for kind, names := range existing {
		for _, name := range names {
			leftover[objectRef{kind, name}] = true
		}
	}
	record := func(o *objects) {
		if len(leftover) > 0 {
			for _, c := range o.chains {
				delete(leftover, objectRef{"chain", c.name})
			}
			for _, s := range o.sets {
				delete(leftover, objectRef{"set", s.name})
			}
			for _, c := range o.counters {
				delete(leftover, objectRef{"counter", c})
			}
		}
		plan.Counts = plan.Counts.plus(o.counts(), 1)
	}
	record(w.writeSkeleton(tx))
	for _, name := range []string{clusterIPsSet, nodePortIPsSet} {
		delete(leftover, objectRef{"set", name})
	}
	for _, name := range []string{serviceIPsMap, serviceNodePortsMap, noEndpointServicesMap, noEndpointNodePortsMap, firewallIPsMap} {
		delete(leftover, objectRef{"map", name})
	}
	for _, svc := range services {
		o := w.buildService(svc)
		o.emitFresh(tx, w.fam.addrType)
		record(o)
	}
	plan.Counts.Elements += len(w.nodePortIPs)
	for ref := range leftover {
		plan.staleAdd = append(plan.staleAdd, ref)
	}
	return plan
}

// WritePartial writes a transaction with the changes of the given Services
// only: their chains, map and set elements, affinity sets and counters.
func (w *Writer) WritePartial(tx *knftables.Transaction, changes []Change) *Plan {
	plan := &Plan{Counts: w.counts}
	for _, ch := range changes {
		old, cur := w.buildService(ch.Old), w.buildService(ch.New)
		d := emitDiff(tx, old, cur, w.fam.addrType)
		for _, c := range d.staleChains {
			plan.staleAdd = append(plan.staleAdd, objectRef{"chain", c})
		}
		plan.revived = append(plan.revived, d.newChains...)
		plan.Counts = plan.Counts.plus(old.counts(), -1).plus(cur.counts(), 1)
	}
	return plan
}

// Applied records that the transaction of plan ran successfully.
func (w *Writer) Applied(plan *Plan, now time.Time) {
	if plan.staleReset {
		w.stale = newStaleObjects()
	}
	for _, name := range plan.revived {
		w.stale.remove(objectRef{"chain", name})
	}
	for _, ref := range plan.staleAdd {
		w.stale.add(ref, now)
	}
	w.counts = plan.Counts
}

// Counts returns the object counts of the last applied plan.
func (w *Writer) Counts() Counts { return w.counts }

// String describes the writer's configuration for logs.
func (w *Writer) String() string {
	return fmt.Sprintf("nftables %s writer (node %q)", w.fam.table, w.cfg.NodeName)
}

func ptr[T any](v T) *T { return &v }

func addrStrings(addrs []netip.Addr) []string {
	out := make([]string, len(addrs))
	for i, a := range addrs {
		out[i] = a.String()
	}
	return out
}
