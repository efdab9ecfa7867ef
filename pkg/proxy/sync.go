package proxy

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/types"

	"github.com/svcnet/svcnet/pkg/proxy/healthcheck"
	"github.com/svcnet/svcnet/pkg/proxy/model"
	"github.com/svcnet/svcnet/pkg/proxy/nftables"
)

// syncRules is the runner's function: one sync. It is the one place that
// decides what a failure means: log it, make the next sync full, and ask
// for a retry.
func (p *Proxier) syncRules(ctx context.Context) {
	if !p.ready.Load() {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	start := time.Now()
	changes := p.applyChanges()
	full := p.needFull || start.Sub(p.lastFull) >= p.cfg.FullSyncInterval
	if !full {
		if n, err := p.writer.Cleanup(ctx, p.nft, start); err != nil {
			p.log.Warn("deleting stale nftables objects failed; will retry", "err", err)
		} else if n > 0 {
			p.log.Debug("deleted stale nftables objects", "count", n)
		}
	}
	plan, ops, err := p.writeAndRun(ctx, full, changes)
	if err != nil {
		p.needFull = true
		p.metrics.syncFailures.Inc()
		p.log.Error("sync failed; the next sync is a full one", "err", err, "full", full, "retryIn", p.cfg.RetryInterval)
		p.runner.RetryAfter(p.cfg.RetryInterval)
		return
	}
	p.afterSync(start, plan, len(changes), ops)
}

// writeAndRun writes the full or partial transaction and runs it.
func (p *Proxier) writeAndRun(ctx context.Context, full bool, changes []nftables.Change) (*nftables.Plan, int, error) {
	tx := p.nft.NewTransaction()
	var plan *nftables.Plan
	if full {
		existing, err := nftables.ListExisting(ctx, p.nft)
		if err != nil {
			return nil, 0, fmt.Errorf("listing the table before a full sync: %w", err)
		}
		plan = p.writer.WriteFull(tx, p.sortedServices(), existing)
	} else {
		plan = p.writer.WritePartial(tx, changes)
	}
	ops := tx.NumOperations()
	if ops == 0 {
		return plan, 0, nil
	}
	if err := p.nft.Run(ctx, tx); err != nil {
		return nil, ops, fmt.Errorf("running a transaction of %d operations (full=%v): %w", ops, full, err)
	}
	return plan, ops, nil
}

// afterSync records a successful sync and does what must follow it.
func (p *Proxier) afterSync(start time.Time, plan *nftables.Plan, changes, ops int) {
	now := time.Now()
	p.writer.Applied(plan, now)
	mode := "partial"
	if plan.Full {
		mode, p.needFull, p.lastFull = "full", false, start
	}
	p.programmed.Store(true)
	p.health.Updated(start)
	if plan.Full || changes > 0 {
		p.metrics.syncDuration.WithLabelValues(mode).Observe(now.Sub(start).Seconds())
		p.log.Debug("synced nftables", "mode", mode, "services", changes, "operations", ops, "duration", now.Sub(start))
	}
	for _, t := range p.pendingTriggers {
		if t.Before(now) {
			p.metrics.programming.Observe(now.Sub(t).Seconds())
		}
	}
	p.pendingTriggers = nil
	p.metrics.lastSync.Set(float64(now.UnixNano()) / 1e9)
	p.metrics.setCounts(plan.Counts)
	p.metrics.services.Set(float64(len(p.services)))
	p.metrics.staleObjects.Set(float64(p.writer.StaleCount()))
	p.clearConntrack()
	p.syncHealthChecks()
}

// applyChanges folds the trackers' changes into the model and returns the
// changed Services with their previous state, sorted by name.
func (p *Proxier) applyChanges() []nftables.Change {
	svcs := p.serviceChanges.Checkout()
	eps := p.endpointChanges.Checkout()
	names := make([]types.NamespacedName, 0, len(svcs)+len(eps))
	for n := range svcs {
		names = append(names, n)
	}
	for n := range eps {
		if _, dup := svcs[n]; !dup {
			names = append(names, n)
		}
	}
	slices.SortFunc(names, compareNames)
	changes := make([]nftables.Change, 0, len(names))
	for _, name := range names {
		old := p.services[name]
		cur := &model.Service{Name: name}
		if old != nil {
			cur.Ports, cur.Endpoints = old.Ports, old.Endpoints
		}
		if ports, ok := svcs[name]; ok {
			cur.Ports = ports
		}
		if ec, ok := eps[name]; ok {
			cur.Endpoints = ec.Endpoints
			p.pendingTriggers = append(p.pendingTriggers, ec.TriggerTimes...)
		}
		if len(cur.Ports) == 0 && len(cur.Endpoints) == 0 {
			cur = nil
			delete(p.services, name)
		} else {
			p.services[name] = cur
		}
		p.healthChecked[name] = cur != nil && slices.ContainsFunc(cur.Ports, func(sp *model.ServicePort) bool { return sp.HealthCheckNodePort != 0 })
		if !p.healthChecked[name] {
			delete(p.healthChecked, name)
		}
		p.pendingConntrack = append(p.pendingConntrack, staleUDPFlows(old, cur, p.cfg.NodeName)...)
		changes = append(changes, nftables.Change{Old: old, New: cur})
	}
	return changes
}

func compareNames(a, b types.NamespacedName) int {
	if c := strings.Compare(a.Namespace, b.Namespace); c != 0 {
		return c
	}
	return strings.Compare(a.Name, b.Name)
}

func (p *Proxier) sortedServices() []*model.Service {
	out := make([]*model.Service, 0, len(p.services))
	for _, s := range p.services {
		out = append(out, s)
	}
	slices.SortFunc(out, func(a, b *model.Service) int { return compareNames(a.Name, b.Name) })
	return out
}

// clearConntrack deletes the flows of removed UDP endpoints, now that the
// rules no longer lead to them. Failures are logged, not retried: the
// flows then expire by themselves.
func (p *Proxier) clearConntrack() {
	if len(p.pendingConntrack) == 0 {
		return
	}
	n, err := p.ct.ClearFlows(p.pendingConntrack)
	if err != nil {
		p.log.Warn("deleting conntrack entries of removed UDP endpoints failed", "err", err, "filters", len(p.pendingConntrack))
	}
	p.metrics.conntrackCleared.Add(float64(n))
	p.pendingConntrack = nil
}

// syncHealthChecks makes the health check node ports follow the Services
// with externalTrafficPolicy Local and their local endpoint counts.
func (p *Proxier) syncHealthChecks() {
	want := make(map[types.NamespacedName]healthcheck.Service, len(p.healthChecked))
	for name := range p.healthChecked {
		svc := p.services[name]
		var hc healthcheck.Service
		local := map[string]bool{}
		for _, sp := range svc.Ports {
			if sp.HealthCheckNodePort != 0 {
				hc.Port = sp.HealthCheckNodePort
			}
			for _, ep := range model.Select(svc.Endpoints[sp.Name.Key()], p.cfg.NodeName).Local {
				local[ep.Addr.Addr().String()] = true
			}
		}
		hc.LocalEndpoints = len(local)
		want[name] = hc
	}
	if err := p.hcServer.Sync(want); err != nil {
		p.log.Warn("opening health check node ports failed; will retry at the next sync", "err", err)
	}
}
