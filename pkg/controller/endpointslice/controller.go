package endpointslice

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/kubernetes/scheme"
	typedcorev1 "k8s.io/client-go/kubernetes/typed/core/v1"
	corelisters "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/record"
	"k8s.io/client-go/util/workqueue"

	"github.com/svcnet/svcnet/pkg/controller/endpointslice/endpointutil"
)

const (
	// ControllerName is the endpointslice.kubernetes.io/managed-by value of
	// the slices this controller owns; it is Kubernetes' value, so that
	// clients that look for it (and other controllers that leave such
	// slices alone) work unchanged.
	ControllerName = "endpointslice-controller.k8s.io"
	// DefaultMaxEndpointsPerSlice is Kubernetes' default for
	// --max-endpoints-per-slice.
	DefaultMaxEndpointsPerSlice = 100
	// MaxAllowedEndpointsPerSlice is the API's limit on endpoints in a slice.
	MaxAllowedEndpointsPerSlice = 1000

	// sliceIndex indexes managed slices by "namespace/service".
	sliceIndex = "endpointslice-controller.svcnet.io/service"
	// eventComponent is the source of the Events this controller records.
	eventComponent = "endpointslice-controller"
)

// errStaleCache marks a sync that found the informer cache behind the
// controller's own writes; the Service is retried.
var errStaleCache = errors.New("endpointslice informer cache is behind this controller's writes")

// Config configures the controller.
type Config struct {
	// Client writes EndpointSlices and Events.
	Client kubernetes.Interface
	// Informers provides the Service, Pod, Node and EndpointSlice caches.
	// New registers handlers on it; the caller starts it.
	Informers informers.SharedInformerFactory
	// Logger receives the controller's logs; nil discards them.
	Logger *slog.Logger
	// MaxEndpointsPerSlice caps the endpoints in one slice, 1 to 1000;
	// 0 means DefaultMaxEndpointsPerSlice (100).
	MaxEndpointsPerSlice int
	// UpdateBatchPeriod delays the sync that a pod change causes, so that
	// a burst of pod changes (a rollout, a scale-up) is written as one
	// update rather than many. 0 syncs at once, as Kubernetes' default.
	UpdateBatchPeriod time.Duration
	// Recorder records Events for users; nil records them through Client.
	Recorder record.EventRecorder
	// Registerer receives the controller's metrics; nil leaves them
	// unregistered.
	Registerer prometheus.Registerer
}

// Validate checks the configuration.
func (c *Config) Validate() error {
	switch {
	case c.Client == nil:
		return errors.New("endpointslice: Client is required")
	case c.Informers == nil:
		return errors.New("endpointslice: Informers is required")
	case c.MaxEndpointsPerSlice < 0 || c.MaxEndpointsPerSlice > MaxAllowedEndpointsPerSlice:
		return fmt.Errorf("endpointslice: MaxEndpointsPerSlice %d is outside 1..%d", c.MaxEndpointsPerSlice, MaxAllowedEndpointsPerSlice)
	case c.UpdateBatchPeriod < 0:
		return fmt.Errorf("endpointslice: UpdateBatchPeriod %v is negative", c.UpdateBatchPeriod)
	}
	return nil
}

// Controller keeps the EndpointSlices of every Service with a selector in
// step with the pods it selects.
type Controller struct {
	client      kubernetes.Interface
	log         *slog.Logger
	max         int
	batch       time.Duration
	services    corelisters.ServiceLister
	pods        corelisters.PodLister
	nodes       corelisters.NodeLister
	slices      cache.Indexer
	synced      []cache.InformerSynced
	queue       workqueue.TypedRateLimitingInterface[string]
	tracker     *endpointutil.SliceTracker
	triggers    *endpointutil.TriggerTimeTracker
	recorder    record.EventRecorder
	broadcaster record.EventBroadcaster
	metrics     *metrics
}

// New builds the controller and registers its informer handlers. It does
// not start the informers.
func New(c Config) (*Controller, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	m, err := newMetrics(c.Registerer)
	if err != nil {
		return nil, err
	}
	ctl := &Controller{
		client:   c.Client,
		log:      c.Logger,
		max:      c.MaxEndpointsPerSlice,
		batch:    c.UpdateBatchPeriod,
		tracker:  endpointutil.NewSliceTracker(),
		triggers: endpointutil.NewTriggerTimeTracker(),
		recorder: c.Recorder,
		metrics:  m,
		queue: workqueue.NewTypedRateLimitingQueueWithConfig(
			workqueue.NewTypedMaxOfRateLimiter(
				workqueue.NewTypedItemExponentialFailureRateLimiter[string](5*time.Millisecond, 100*time.Second),
				&workqueue.TypedBucketRateLimiter[string]{Limiter: newBucket()},
			),
			workqueue.TypedRateLimitingQueueConfig[string]{Name: "endpointslice"}),
	}
	if ctl.log == nil {
		ctl.log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	ctl.log = ctl.log.With("controller", "endpointslice")
	if ctl.max == 0 {
		ctl.max = DefaultMaxEndpointsPerSlice
	}
	if ctl.recorder == nil {
		ctl.broadcaster = record.NewBroadcaster()
		ctl.recorder = ctl.broadcaster.NewRecorder(scheme.Scheme, corev1.EventSource{Component: eventComponent})
	}
	if err := ctl.register(c.Informers); err != nil {
		return nil, err
	}
	return ctl, nil
}

// register wires the informer callbacks. They only enqueue Service keys.
func (c *Controller) register(f informers.SharedInformerFactory) error {
	svcInf := f.Core().V1().Services()
	podInf := f.Core().V1().Pods()
	nodeInf := f.Core().V1().Nodes()
	sliceInf := f.Discovery().V1().EndpointSlices()
	c.services, c.pods, c.nodes = svcInf.Lister(), podInf.Lister(), nodeInf.Lister()
	inf := sliceInf.Informer()
	if _, ok := inf.GetIndexer().GetIndexers()[sliceIndex]; !ok {
		if err := inf.AddIndexers(cache.Indexers{sliceIndex: indexManagedSlice}); err != nil {
			return fmt.Errorf("endpointslice: adding the slice index: %w", err)
		}
	}
	c.slices = inf.GetIndexer()
	handlers := []struct {
		inf cache.SharedIndexInformer
		h   cache.ResourceEventHandler
	}{
		{svcInf.Informer(), cache.ResourceEventHandlerFuncs{
			AddFunc: c.enqueueService, UpdateFunc: c.onServiceUpdate, DeleteFunc: c.enqueueService}},
		{podInf.Informer(), cache.ResourceEventHandlerFuncs{
			AddFunc: c.onPodAdd, UpdateFunc: c.onPodUpdate, DeleteFunc: c.onPodDelete}},
		{nodeInf.Informer(), cache.ResourceEventHandlerFuncs{
			AddFunc: c.onNodeAdd, UpdateFunc: c.onNodeUpdate}},
		{inf, cache.ResourceEventHandlerFuncs{
			AddFunc: c.onSliceAdd, UpdateFunc: c.onSliceUpdate, DeleteFunc: c.onSliceDelete}},
	}
	for _, h := range handlers {
		reg, err := h.inf.AddEventHandler(h.h)
		if err != nil {
			return fmt.Errorf("endpointslice: registering an informer handler: %w", err)
		}
		c.synced = append(c.synced, reg.HasSynced)
	}
	return nil
}

// indexManagedSlice indexes the slices this controller manages by their
// Service.
func indexManagedSlice(obj any) ([]string, error) {
	s, ok := obj.(*discoveryv1.EndpointSlice)
	if !ok || s.Labels[discoveryv1.LabelManagedBy] != ControllerName {
		return nil, nil
	}
	key, ok := endpointutil.ServiceKey(s)
	if !ok {
		return nil, nil
	}
	return []string{key.String()}, nil
}

// Run processes Services until ctx ends. It waits for the informer caches
// itself.
func (c *Controller) Run(ctx context.Context, workers int) {
	defer c.queue.ShutDown()
	if c.broadcaster != nil {
		c.broadcaster.StartRecordingToSink(&typedcorev1.EventSinkImpl{Interface: c.client.CoreV1().Events("")})
		defer c.broadcaster.Shutdown()
	}
	if workers < 1 {
		workers = 1
	}
	c.log.Info("starting controller", "workers", workers, "maxEndpointsPerSlice", c.max)
	defer c.log.Info("stopped controller")
	if !cache.WaitForCacheSync(ctx.Done(), c.synced...) {
		return
	}
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for c.processNext(ctx) {
			}
		}()
	}
	<-ctx.Done()
	c.queue.ShutDown()
	wg.Wait()
}

func (c *Controller) processNext(ctx context.Context) bool {
	key, quit := c.queue.Get()
	if quit {
		return false
	}
	defer c.queue.Done(key)
	start := time.Now()
	err := c.sync(ctx, key)
	c.metrics.duration.Observe(time.Since(start).Seconds())
	c.handleErr(ctx, key, err)
	return true
}

// handleErr is the one place that decides about retries: every failed sync
// is retried with per-key exponential backoff, for as long as it fails.
func (c *Controller) handleErr(ctx context.Context, key string, err error) {
	switch {
	case err == nil:
		c.metrics.syncs.WithLabelValues("success").Inc()
		c.queue.Forget(key)
		return
	case ctx.Err() != nil:
		return
	case errors.Is(err, errStaleCache):
		c.metrics.syncs.WithLabelValues("stale").Inc()
		c.log.Debug("informer cache is stale, retrying", "service", key)
	default:
		c.metrics.syncs.WithLabelValues("error").Inc()
		c.log.Warn("syncing service endpointslices failed, retrying", "service", key, "retries", c.queue.NumRequeues(key), "err", err)
	}
	c.queue.AddRateLimited(key)
}

func (c *Controller) enqueueService(obj any) {
	key, err := cache.DeletionHandlingMetaNamespaceKeyFunc(obj)
	if err != nil {
		return
	}
	c.queue.Add(key)
}

func (c *Controller) onServiceUpdate(oldObj, newObj any) {
	old, cur := oldObj.(*corev1.Service), newObj.(*corev1.Service)
	if old.UID == cur.UID && (old.DeletionTimestamp == nil) == (cur.DeletionTimestamp == nil) &&
		apiequality.Semantic.DeepEqual(old.Spec, cur.Spec) && apiequality.Semantic.DeepEqual(old.Labels, cur.Labels) {
		return // a status or annotation change: no endpoint depends on it
	}
	c.enqueueService(newObj)
}

// enqueuePodServices enqueues the Services in ns whose selectors match any
// of the label sets, after the batch period.
func (c *Controller) enqueuePodServices(ns string, labelSets ...map[string]string) {
	for _, key := range endpointutil.ServiceKeysSelecting(c.services, ns, labelSets...) {
		if c.batch > 0 {
			c.queue.AddAfter(key, c.batch)
		} else {
			c.queue.Add(key)
		}
	}
}

func (c *Controller) onPodAdd(obj any) {
	pod := obj.(*corev1.Pod)
	c.enqueuePodServices(pod.Namespace, pod.Labels)
}

func (c *Controller) onPodUpdate(oldObj, newObj any) {
	old, cur := oldObj.(*corev1.Pod), newObj.(*corev1.Pod)
	if old.ResourceVersion == cur.ResourceVersion {
		return // a resync
	}
	if !apiequality.Semantic.DeepEqual(old.Labels, cur.Labels) {
		c.enqueuePodServices(cur.Namespace, old.Labels, cur.Labels)
		return
	}
	if endpointutil.EndpointChanged(old, cur) {
		c.enqueuePodServices(cur.Namespace, cur.Labels)
	}
}

func (c *Controller) onPodDelete(obj any) {
	if t, ok := obj.(cache.DeletedFinalStateUnknown); ok {
		obj = t.Obj
	}
	if pod, ok := obj.(*corev1.Pod); ok {
		c.enqueuePodServices(pod.Namespace, pod.Labels)
	}
}

// A node's zone lands in the endpoints of its pods. Zones change rarely,
// so a change resyncs every Service rather than tracking pods per node.
func (c *Controller) onNodeAdd(obj any) {
	if n, ok := obj.(*corev1.Node); ok && n.Labels[corev1.LabelTopologyZone] != "" {
		c.enqueueAllServices()
	}
}

func (c *Controller) onNodeUpdate(oldObj, newObj any) {
	old, cur := oldObj.(*corev1.Node), newObj.(*corev1.Node)
	if old.Labels[corev1.LabelTopologyZone] != cur.Labels[corev1.LabelTopologyZone] {
		c.enqueueAllServices()
	}
}

func (c *Controller) enqueueAllServices() {
	svcs, err := c.services.List(labels.Everything())
	if err != nil {
		return
	}
	for _, svc := range svcs {
		if endpointutil.WantsEndpoints(svc) {
			c.queue.Add(svc.Namespace + "/" + svc.Name)
		}
	}
}

func managed(s *discoveryv1.EndpointSlice) bool {
	return s.Labels[discoveryv1.LabelManagedBy] == ControllerName
}

func (c *Controller) enqueueSliceService(s *discoveryv1.EndpointSlice) {
	if key, ok := endpointutil.ServiceKey(s); ok {
		c.queue.Add(key.String())
	}
}

func (c *Controller) onSliceAdd(obj any) {
	s := obj.(*discoveryv1.EndpointSlice)
	if managed(s) && c.tracker.ShouldSync(s) {
		c.enqueueSliceService(s)
	}
}

func (c *Controller) onSliceUpdate(oldObj, newObj any) {
	old, cur := oldObj.(*discoveryv1.EndpointSlice), newObj.(*discoveryv1.EndpointSlice)
	if old.Labels[discoveryv1.LabelServiceName] != cur.Labels[discoveryv1.LabelServiceName] {
		if managed(old) {
			c.enqueueSliceService(old)
		}
		if managed(cur) {
			c.enqueueSliceService(cur)
		}
		return
	}
	if managed(old) != managed(cur) || (managed(cur) && c.tracker.ShouldSync(cur)) {
		c.enqueueSliceService(cur)
	}
}

func (c *Controller) onSliceDelete(obj any) {
	if t, ok := obj.(cache.DeletedFinalStateUnknown); ok {
		obj = t.Obj
	}
	s, ok := obj.(*discoveryv1.EndpointSlice)
	if !ok || !managed(s) {
		return
	}
	if c.tracker.HandleDeletion(s) {
		c.enqueueSliceService(s)
	}
}
