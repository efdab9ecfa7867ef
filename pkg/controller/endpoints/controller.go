package endpoints

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"golang.org/x/time/rate"
	corev1 "k8s.io/api/core/v1"
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
	// ControllerName is the value of the LabelManagedBy label on the
	// Endpoints objects this controller writes (Kubernetes' value).
	ControllerName = "endpoint-controller"
	// LabelManagedBy marks Endpoints objects written by a controller, as
	// opposed to users.
	LabelManagedBy = "endpoints.kubernetes.io/managed-by"
	// MaxAddresses is the most addresses one Endpoints object holds.
	MaxAddresses = 1000

	eventComponent = "endpoint-controller"
)

var errStaleCache = errors.New("endpoints informer cache is behind this controller's writes")

// Config configures the controller.
type Config struct {
	// Client writes Endpoints and Events.
	Client kubernetes.Interface
	// Informers provides the Service, Pod and Endpoints caches. New
	// registers handlers on it; the caller starts it.
	Informers informers.SharedInformerFactory
	// Logger receives the controller's logs; nil discards them.
	Logger *slog.Logger
	// UpdateBatchPeriod delays the sync that a pod change causes, so that
	// a burst of pod changes is written once. 0 syncs at once.
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
		return errors.New("endpoints: Client is required")
	case c.Informers == nil:
		return errors.New("endpoints: Informers is required")
	case c.UpdateBatchPeriod < 0:
		return fmt.Errorf("endpoints: UpdateBatchPeriod %v is negative", c.UpdateBatchPeriod)
	}
	return nil
}

// Controller keeps the Endpoints of every Service with a selector in step
// with its pods.
type Controller struct {
	client      kubernetes.Interface
	log         *slog.Logger
	batch       time.Duration
	services    corelisters.ServiceLister
	pods        corelisters.PodLister
	endpoints   corelisters.EndpointsLister
	synced      []cache.InformerSynced
	queue       workqueue.TypedRateLimitingInterface[string]
	written     *writeTracker
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
		batch:    c.UpdateBatchPeriod,
		written:  &writeTracker{rv: map[string]string{}},
		triggers: endpointutil.NewTriggerTimeTracker(),
		recorder: c.Recorder,
		metrics:  m,
		queue: workqueue.NewTypedRateLimitingQueueWithConfig(
			workqueue.NewTypedMaxOfRateLimiter(
				workqueue.NewTypedItemExponentialFailureRateLimiter[string](5*time.Millisecond, 100*time.Second),
				&workqueue.TypedBucketRateLimiter[string]{Limiter: rate.NewLimiter(rate.Limit(10), 100)},
			),
			workqueue.TypedRateLimitingQueueConfig[string]{Name: "endpoints"}),
	}
	if ctl.log == nil {
		ctl.log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	ctl.log = ctl.log.With("controller", "endpoints")
	if ctl.recorder == nil {
		ctl.broadcaster = record.NewBroadcaster()
		ctl.recorder = ctl.broadcaster.NewRecorder(scheme.Scheme, corev1.EventSource{Component: eventComponent})
	}
	if err := ctl.register(c.Informers); err != nil {
		return nil, err
	}
	return ctl, nil
}

func (c *Controller) register(f informers.SharedInformerFactory) error {
	svcInf := f.Core().V1().Services()
	podInf := f.Core().V1().Pods()
	epInf := f.Core().V1().Endpoints()
	c.services, c.pods, c.endpoints = svcInf.Lister(), podInf.Lister(), epInf.Lister()
	handlers := []struct {
		inf cache.SharedIndexInformer
		h   cache.ResourceEventHandler
	}{
		{svcInf.Informer(), cache.ResourceEventHandlerFuncs{
			AddFunc: c.enqueue, UpdateFunc: c.onServiceUpdate, DeleteFunc: c.enqueue}},
		{podInf.Informer(), cache.ResourceEventHandlerFuncs{
			AddFunc: c.onPodAdd, UpdateFunc: c.onPodUpdate, DeleteFunc: c.onPodDelete}},
		{epInf.Informer(), cache.ResourceEventHandlerFuncs{
			UpdateFunc: func(_, obj any) { c.onEndpointsChange(obj, false) },
			DeleteFunc: func(obj any) { c.onEndpointsChange(obj, true) }}},
	}
	for _, h := range handlers {
		reg, err := h.inf.AddEventHandler(h.h)
		if err != nil {
			return fmt.Errorf("endpoints: registering an informer handler: %w", err)
		}
		c.synced = append(c.synced, reg.HasSynced)
	}
	return nil
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
	c.log.Info("starting controller", "workers", workers)
	defer c.log.Info("stopped controller")
	if !cache.WaitForCacheSync(ctx.Done(), c.synced...) {
		return
	}
	c.enqueueLeftovers()
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

// enqueueLeftovers queues the Endpoints this controller wrote for
// Services that no longer exist (deleted while it was not running), so
// that their syncs delete them.
func (c *Controller) enqueueLeftovers() {
	eps, err := c.endpoints.List(labels.SelectorFromSet(labels.Set{LabelManagedBy: ControllerName}))
	if err != nil {
		return
	}
	for _, ep := range eps {
		if _, err := c.services.Services(ep.Namespace).Get(ep.Name); err != nil {
			c.queue.Add(ep.Namespace + "/" + ep.Name)
		}
	}
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

// handleErr is the one place that decides about retries.
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
		c.log.Warn("syncing service endpoints failed, retrying", "service", key, "retries", c.queue.NumRequeues(key), "err", err)
	}
	c.queue.AddRateLimited(key)
}

func (c *Controller) enqueue(obj any) {
	if key, err := cache.DeletionHandlingMetaNamespaceKeyFunc(obj); err == nil {
		c.queue.Add(key)
	}
}

func (c *Controller) onServiceUpdate(oldObj, newObj any) {
	old, cur := oldObj.(*corev1.Service), newObj.(*corev1.Service)
	if old.UID == cur.UID && apiequality.Semantic.DeepEqual(old.Spec, cur.Spec) && apiequality.Semantic.DeepEqual(old.Labels, cur.Labels) {
		return
	}
	c.enqueue(newObj)
}

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
		return
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

// onEndpointsChange repairs an Endpoints object of a selector Service that
// somebody else changed or deleted. The controller's own writes, and the
// Endpoints of Services it does not manage, are ignored.
func (c *Controller) onEndpointsChange(obj any, deleted bool) {
	if t, ok := obj.(cache.DeletedFinalStateUnknown); ok {
		obj = t.Obj
	}
	ep, ok := obj.(*corev1.Endpoints)
	if !ok {
		return
	}
	svc, err := c.services.Services(ep.Namespace).Get(ep.Name)
	if err != nil || !endpointutil.WantsEndpoints(svc) {
		return
	}
	if !deleted && c.written.isOwn(ep) {
		return
	}
	c.queue.Add(ep.Namespace + "/" + ep.Name)
}

// writeTracker remembers the resourceVersion of the controller's last
// write of each Endpoints object, to tell a stale cache (an older
// version) and its own writes (that version) from changes by others.
type writeTracker struct {
	mu sync.Mutex
	rv map[string]string
}

func epKey(ep *corev1.Endpoints) string { return ep.Namespace + "/" + ep.Name }

func (w *writeTracker) record(ep *corev1.Endpoints) {
	w.mu.Lock()
	w.rv[epKey(ep)] = ep.ResourceVersion
	w.mu.Unlock()
}

func (w *writeTracker) forget(key string) {
	w.mu.Lock()
	delete(w.rv, key)
	w.mu.Unlock()
}

// compare returns -1, 0 or 1 as the cached object is older than, equal
// to or newer than the last write; 1 when nothing is known.
func (w *writeTracker) compare(ep *corev1.Endpoints) int {
	w.mu.Lock()
	last, ok := w.rv[epKey(ep)]
	w.mu.Unlock()
	if !ok {
		return 1
	}
	a, errA := strconv.ParseUint(ep.ResourceVersion, 10, 64)
	b, errB := strconv.ParseUint(last, 10, 64)
	switch {
	case errA != nil || errB != nil:
		if ep.ResourceVersion == last {
			return 0
		}
		return 1
	case a < b:
		return -1
	case a == b:
		return 0
	}
	return 1
}

func (w *writeTracker) isOwn(ep *corev1.Endpoints) bool { return w.compare(ep) <= 0 }
func (w *writeTracker) stale(ep *corev1.Endpoints) bool { return w.compare(ep) < 0 }
