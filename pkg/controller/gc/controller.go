package gc

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"reflect"
	"sync"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/discovery/cached/memory"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/metadata"
	"k8s.io/client-go/metadata/metadatainformer"
	"k8s.io/client-go/restmapper"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/util/workqueue"
)

// DefaultRediscoveryPeriod is how often the collector looks for resources
// it does not watch yet.
const DefaultRediscoveryPeriod = 30 * time.Second

// Config configures the garbage collector.
type Config struct {
	// Client is used for discovery when Discovery is nil.
	Client kubernetes.Interface
	// Metadata reads, patches and deletes objects of any resource, and
	// feeds the collector's own metadata informers. Required.
	Metadata metadata.Interface
	// Discovery lists the served resources; nil means Client.Discovery().
	Discovery discovery.DiscoveryInterface
	// Logger receives the collector's logs; nil means slog.Default().
	Logger *slog.Logger
	// RediscoveryPeriod is how often new resources are looked for; zero
	// means DefaultRediscoveryPeriod.
	RediscoveryPeriod time.Duration
}

// Validate checks the configuration.
func (c *Config) Validate() error {
	if c.Metadata == nil {
		return errors.New("gc: Metadata is required")
	}
	if c.Discovery == nil && c.Client == nil {
		return errors.New("gc: Client or Discovery is required")
	}
	if c.RediscoveryPeriod < 0 {
		return fmt.Errorf("gc: RediscoveryPeriod %v is negative", c.RediscoveryPeriod)
	}
	return nil
}

// Controller is the garbage collector.
type Controller struct {
	md        metadata.Interface
	disc      discovery.DiscoveryInterface
	mapper    *restmapper.DeferredDiscoveryRESTMapper
	log       *slog.Logger
	rediscov  time.Duration
	informers metadatainformer.SharedInformerFactory
	graph     *graph
	queue     workqueue.TypedRateLimitingInterface[types.UID]

	mu       sync.Mutex
	monitors map[schema.GroupVersionResource]cache.SharedIndexInformer
}

// New builds the collector. It watches nothing until Run.
func New(c Config) (*Controller, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	disc := c.Discovery
	if disc == nil {
		disc = c.Client.Discovery()
	}
	log := c.Logger
	if log == nil {
		log = slog.Default()
	}
	ctrl := &Controller{
		md:        c.Metadata,
		disc:      disc,
		mapper:    restmapper.NewDeferredDiscoveryRESTMapper(memory.NewMemCacheClient(disc)),
		log:       log.With("controller", "garbagecollector"),
		rediscov:  c.RediscoveryPeriod,
		informers: metadatainformer.NewSharedInformerFactory(c.Metadata, 0),
		graph:     newGraph(),
		queue: workqueue.NewTypedRateLimitingQueueWithConfig(workqueue.DefaultTypedControllerRateLimiter[types.UID](),
			workqueue.TypedRateLimitingQueueConfig[types.UID]{Name: "garbagecollector"}),
		monitors: map[schema.GroupVersionResource]cache.SharedIndexInformer{},
	}
	if ctrl.rediscov == 0 {
		ctrl.rediscov = DefaultRediscoveryPeriod
	}
	return ctrl, nil
}

// Run collects garbage until ctx is done: it discovers the resources,
// fills the ownership graph from their metadata informers and only then
// starts acting.
func (c *Controller) Run(ctx context.Context, workers int) {
	defer c.queue.ShutDown()
	defer c.informers.Shutdown()
	c.log.Info("starting")
	err := wait.PollUntilContextCancel(ctx, time.Second, true, func(ctx context.Context) (bool, error) {
		if err := c.syncMonitors(ctx); err != nil {
			c.log.Warn("discovering resources, will retry", "err", err)
			return false, nil
		}
		return true, nil
	})
	if err != nil {
		return
	}
	c.informers.Start(ctx.Done())
	for gvr, ok := range c.informers.WaitForCacheSync(ctx.Done()) {
		if !ok {
			c.log.Warn("cache did not sync", "resource", gvr.String())
			return
		}
	}
	c.log.Info("ownership graph built", "objects", c.graph.size())
	var wg sync.WaitGroup
	for range max(workers, 1) {
		wg.Go(func() { wait.UntilWithContext(ctx, c.worker, time.Second) })
	}
	wg.Go(func() {
		wait.UntilWithContext(ctx, func(ctx context.Context) {
			if err := c.syncMonitors(ctx); err != nil {
				c.log.Warn("rediscovering resources", "err", err)
				return
			}
			c.informers.Start(ctx.Done())
		}, c.rediscov)
	})
	<-ctx.Done()
	c.queue.ShutDown()
	wg.Wait()
}

// syncMonitors starts watching the resources that discovery lists and
// that are not watched yet (it never stops a watch).
func (c *Controller) syncMonitors(ctx context.Context) error {
	gvrs, err := collectableResources(c.disc)
	if err != nil && len(gvrs) == 0 {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, gvr := range gvrs {
		if _, ok := c.monitors[gvr]; ok {
			continue
		}
		inf := c.informers.ForResource(gvr).Informer()
		_, err := inf.AddEventHandler(cache.ResourceEventHandlerFuncs{
			AddFunc:    func(obj any) { c.onAdd(gvr, obj) },
			UpdateFunc: func(_, obj any) { c.onAdd(gvr, obj) },
			DeleteFunc: func(obj any) { c.onDelete(obj) },
		})
		if err != nil {
			return fmt.Errorf("watching %s: %w", gvr, err)
		}
		c.monitors[gvr] = inf
		c.log.Debug("watching resource", "resource", gvr.String())
	}
	if err != nil {
		// Some groups failed to list; what we found is watched already.
		c.mapper.Reset()
		return err
	}
	return nil
}

// collectableResources lists the resources that can own or be owned:
// those that support list, watch and delete, except events.
func collectableResources(d discovery.DiscoveryInterface) ([]schema.GroupVersionResource, error) {
	lists, err := d.ServerPreferredResources()
	if len(lists) == 0 && err != nil {
		return nil, fmt.Errorf("discovering resources: %w", err)
	}
	lists = discovery.FilteredBy(discovery.SupportsAllVerbs{Verbs: []string{"list", "watch", "delete"}}, lists)
	set, perr := discovery.GroupVersionResources(lists)
	if perr != nil {
		return nil, fmt.Errorf("parsing discovery: %w", perr)
	}
	var out []schema.GroupVersionResource
	for gvr := range set {
		if gvr.Resource == "events" {
			continue
		}
		out = append(out, gvr)
	}
	if err != nil {
		err = fmt.Errorf("discovering resources: %w", err)
	}
	return out, err
}

// toNode converts what a metadata informer delivers.
func toNode(gvr schema.GroupVersionResource, obj any) (node, bool) {
	if d, ok := obj.(cache.DeletedFinalStateUnknown); ok {
		obj = d.Obj
	}
	m, ok := obj.(*metav1.PartialObjectMetadata)
	if !ok {
		return node{}, false
	}
	return node{
		ref:             objRef{GVR: gvr, Namespace: m.Namespace, Name: m.Name, UID: m.UID},
		owners:          m.OwnerReferences,
		finalizers:      m.Finalizers,
		deleting:        m.DeletionTimestamp != nil,
		resourceVersion: m.ResourceVersion,
	}, true
}

// onAdd records an added or updated object, and enqueues what may need
// work because of it: the object itself when its owners or deletion
// state changed, and its owners that may be waiting for it.
func (c *Controller) onAdd(gvr schema.GroupVersionResource, obj any) {
	n, ok := toNode(gvr, obj)
	if !ok {
		return
	}
	old, existed := c.graph.upsert(n)
	if existed && reflect.DeepEqual(old.owners, n.owners) && old.deleting == n.deleting &&
		reflect.DeepEqual(old.finalizers, n.finalizers) {
		return
	}
	if len(n.owners) > 0 || n.deleting {
		c.queue.Add(n.ref.UID)
	}
	c.enqueueOwners(old.owners)
}

// onDelete forgets an object; its dependents may now be garbage and its
// owners may have stopped waiting.
func (c *Controller) onDelete(obj any) {
	n, ok := toNode(schema.GroupVersionResource{}, obj)
	if !ok {
		return
	}
	old, existed := c.graph.remove(n.ref.UID)
	if !existed {
		old = n
	}
	for _, d := range c.graph.dependentsOf(n.ref.UID) {
		c.queue.Add(d.ref.UID)
	}
	c.enqueueOwners(old.owners)
}

// enqueueOwners enqueues the known owners that are being deleted.
func (c *Controller) enqueueOwners(refs []metav1.OwnerReference) {
	for _, r := range refs {
		if o, ok := c.graph.get(r.UID); ok && o.deleting {
			c.queue.Add(r.UID)
		}
	}
}

func (c *Controller) worker(ctx context.Context) {
	for c.processNext(ctx) {
	}
}

// processNext is the one place that decides about retries.
func (c *Controller) processNext(ctx context.Context) bool {
	uid, quit := c.queue.Get()
	if quit {
		return false
	}
	defer c.queue.Done(uid)
	if err := c.sync(ctx, uid); err != nil {
		c.log.Warn("collecting object, will retry", "uid", uid, "err", err)
		c.queue.AddRateLimited(uid)
		return true
	}
	c.queue.Forget(uid)
	return true
}
