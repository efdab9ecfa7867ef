package proxy

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	v1 "k8s.io/api/core/v1"
	discovery "k8s.io/api/discovery/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/tools/cache"
	"sigs.k8s.io/knftables"

	"github.com/svcnet/svcnet/pkg/proxy/conntrack"
	"github.com/svcnet/svcnet/pkg/proxy/healthcheck"
	"github.com/svcnet/svcnet/pkg/proxy/model"
	"github.com/svcnet/svcnet/pkg/proxy/nftables"
)

// Proxier keeps this node's nftables in step with the cluster's Services.
type Proxier struct {
	cfg       Config
	log       *slog.Logger
	nft       knftables.Interface
	ct        Conntrack
	informers informers.SharedInformerFactory
	svcSynced cache.InformerSynced
	epsSynced cache.InformerSynced

	serviceChanges  *model.ServiceTracker
	endpointChanges *model.EndpointSliceTracker
	writerCfg       nftables.Config
	writer          *nftables.Writer
	runner          *runner
	health          *healthcheck.ProxyHealth
	hcServer        *healthcheck.ServiceServer
	metrics         *metrics

	// ready is set once the informers have synced; syncs wait for it.
	ready atomic.Bool
	// programmed is set after the first successful sync.
	programmed atomic.Bool

	mu sync.Mutex // guards the sync state below
	// services is the model: every Service with ports or endpoints.
	services map[types.NamespacedName]*model.Service
	// healthChecked are the Services with a health check node port.
	healthChecked map[types.NamespacedName]bool
	needFull      bool
	lastFull      time.Time
	// pendingConntrack are flows of removed UDP endpoints, cleared after
	// the next successful sync.
	pendingConntrack []conntrack.Filter
	// pendingTriggers are trigger times of changes not yet programmed.
	pendingTriggers []time.Time
}

// New validates cfg and returns a Proxier. It registers informer event
// handlers and metrics; Run starts the work.
func New(cfg Config) (*Proxier, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("invalid proxy configuration: %w", err)
	}
	p := &Proxier{
		cfg:           cfg,
		log:           cfg.Logger,
		nft:           cfg.NFT,
		ct:            cfg.Conntrack,
		informers:     cfg.Informers,
		services:      map[types.NamespacedName]*model.Service{},
		healthChecked: map[types.NamespacedName]bool{},
		needFull:      true,
		metrics:       newMetrics(),
	}
	if p.log == nil {
		p.log = slog.Default()
	}
	p.log = p.log.With("component", "proxy", "node", cfg.NodeName)
	if p.nft == nil {
		nft, err := knftables.New(nftables.TableFamily(cfg.Family), cfg.TableName)
		if err != nil {
			return nil, fmt.Errorf("opening nftables table %s: %w", cfg.TableName, err)
		}
		p.nft = nft
	}
	if p.ct == nil {
		p.ct = conntrack.Netlink{}
	}
	if p.informers == nil {
		p.informers = informers.NewSharedInformerFactory(cfg.Client, 0)
	}
	scope := model.Scope{Family: cfg.Family, ProxyName: cfg.ProxyName}
	p.serviceChanges = model.NewServiceTracker(scope)
	p.endpointChanges = model.NewEndpointSliceTracker(scope)
	p.writerCfg = nftables.Config{
		Family: cfg.Family, NodeName: cfg.NodeName, NodeIPs: cfg.NodeIPs, ClusterCIDRs: cfg.ClusterCIDR,
		ServiceCIDRs: cfg.ServiceCIDRs, NodePortAddresses: cfg.NodePortAddresses, MasqueradeAll: cfg.MasqueradeAll,
		MasqueradeMark: 1 << uint(cfg.MasqueradeBit), Counters: !cfg.DisableCounters,
	}
	p.writer = nftables.NewWriter(p.writerCfg)
	p.runner = newRunner(p.syncRules, cfg.MinSyncInterval, cfg.MaxSyncInterval, cfg.SyncBurst)
	p.health = healthcheck.NewProxyHealth(cfg.HealthzTimeout, nil)
	p.hcServer = healthcheck.NewServiceServer(healthcheck.ServiceConfig{
		Addresses: p.healthCheckAddresses(), Listen: cfg.HealthCheckListen, ProxyHealthy: p.health.Healthy,
	})
	var extra []prometheus.Collector
	if !cfg.DisableCounters {
		extra = append(extra, newCounterCollector(p))
	}
	if err := p.metrics.register(cfg.Registerer, extra...); err != nil {
		return nil, fmt.Errorf("registering proxy metrics: %w", err)
	}
	if err := p.addHandlers(); err != nil {
		return nil, err
	}
	return p, nil
}

// addHandlers registers the informer callbacks, which only record changes.
func (p *Proxier) addHandlers() error {
	svcInformer := p.informers.Core().V1().Services().Informer()
	_, err := svcInformer.AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    func(obj any) { p.onService(nil, asService(obj)) },
		UpdateFunc: func(old, obj any) { p.onService(asService(old), asService(obj)) },
		DeleteFunc: func(obj any) { p.onService(asService(obj), nil) },
	})
	if err != nil {
		return fmt.Errorf("watching Services: %w", err)
	}
	epsInformer := p.informers.Discovery().V1().EndpointSlices().Informer()
	_, err = epsInformer.AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    func(obj any) { p.onSlice(asSlice(obj), false) },
		UpdateFunc: func(_, obj any) { p.onSlice(asSlice(obj), false) },
		DeleteFunc: func(obj any) { p.onSlice(asSlice(obj), true) },
	})
	if err != nil {
		return fmt.Errorf("watching EndpointSlices: %w", err)
	}
	p.svcSynced, p.epsSynced = svcInformer.HasSynced, epsInformer.HasSynced
	return nil
}

func (p *Proxier) onService(old, cur *v1.Service) {
	if p.serviceChanges.Update(old, cur) {
		p.changed()
	}
}

func (p *Proxier) onSlice(es *discovery.EndpointSlice, deleted bool) {
	if es != nil && p.endpointChanges.Update(es, deleted) {
		p.changed()
	}
}

func (p *Proxier) changed() {
	p.health.Queued()
	if p.ready.Load() {
		p.runner.Run()
	}
}

func asService(obj any) *v1.Service {
	if d, ok := obj.(cache.DeletedFinalStateUnknown); ok {
		obj = d.Obj
	}
	s, _ := obj.(*v1.Service)
	return s
}

func asSlice(obj any) *discovery.EndpointSlice {
	if d, ok := obj.(cache.DeletedFinalStateUnknown); ok {
		obj = d.Obj
	}
	s, _ := obj.(*discovery.EndpointSlice)
	return s
}

// Run starts the informers, waits for their caches, and syncs until ctx
// is done. It returns nil when ctx ends, or an error if the caches never
// sync.
func (p *Proxier) Run(ctx context.Context) error {
	p.informers.Start(ctx.Done())
	if !cache.WaitForCacheSync(ctx.Done(), p.svcSynced, p.epsSynced) {
		return fmt.Errorf("waiting for Service and EndpointSlice caches: %w", context.Cause(ctx))
	}
	defer p.hcServer.Close()
	p.ready.Store(true)
	p.log.Info("proxy caches synced, starting syncs", "table", p.cfg.TableName)
	p.runner.Run()
	p.runner.Loop(ctx)
	return nil
}

// Healthz returns the /healthz handler: 200 while the rules keep up with
// changes, 503 once a change waited longer than HealthzTimeout.
func (p *Proxier) Healthz() http.Handler { return p.health }

// healthCheckAddresses are the addresses the health check node ports
// listen on: the node addresses that accept NodePorts, or all.
func (p *Proxier) healthCheckAddresses() []netip.Addr {
	if len(p.cfg.NodePortAddresses) == 0 {
		return nil
	}
	var out []netip.Addr
	for _, ip := range p.cfg.NodeIPs {
		for _, pfx := range p.cfg.NodePortAddresses {
			if pfx.Contains(ip) {
				out = append(out, ip)
				break
			}
		}
	}
	return out
}
