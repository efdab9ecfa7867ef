package endpointslicemirroring

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"golang.org/x/time/rate"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
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
	// ControllerName is the endpointslice.kubernetes.io/managed-by value
	// of mirrored slices (Kubernetes' value).
	ControllerName = "endpointslicemirroring-controller.k8s.io"
	// DefaultMaxEndpointsPerSubset is Kubernetes' default for
	// --mirroring-max-endpoints-per-subset.
	DefaultMaxEndpointsPerSubset = 1000
	// leaderAnnotation marks Endpoints used as leader-election locks by
	// old components; they are not Service endpoints.
	leaderAnnotation = "control-plane.alpha.kubernetes.io/leader"

	sliceIndex     = "endpointslicemirroring-controller.svcnet.io/endpoints"
	eventComponent = "endpoint-slice-mirroring-controller"
)

var errStaleCache = errors.New("endpointslice informer cache is behind this controller's writes")

// Config configures the controller.
type Config struct {
	// Client writes EndpointSlices and Events.
	Client kubernetes.Interface
	// Informers provides the Endpoints, Service and EndpointSlice caches.
	// New registers handlers on it; the caller starts it.
	Informers informers.SharedInformerFactory
	// Logger receives the controller's logs; nil discards them.
	Logger *slog.Logger
	// MaxEndpointsPerSubset caps the addresses mirrored from one Endpoints
	// subset, 1 to 1000; 0 means DefaultMaxEndpointsPerSubset.
	MaxEndpointsPerSubset int
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
		return errors.New("endpointslicemirroring: Client is required")
	case c.Informers == nil:
		return errors.New("endpointslicemirroring: Informers is required")
	case c.MaxEndpointsPerSubset < 0 || c.MaxEndpointsPerSubset > 1000:
		return fmt.Errorf("endpointslicemirroring: MaxEndpointsPerSubset %d is outside 1..1000", c.MaxEndpointsPerSubset)
	}
	return nil
}

// Controller mirrors user-written Endpoints of selectorless Services into
// EndpointSlices.
type Controller struct {
	client      kubernetes.Interface
	log         *slog.Logger
	max         int
	endpoints   corelisters.EndpointsLister
	services    corelisters.ServiceLister
	slices      cache.Indexer
	synced      []cache.InformerSynced
	queue       workqueue.TypedRateLimitingInterface[string]
	tracker     *endpointutil.SliceTracker
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
		max:      c.MaxEndpointsPerSubset,
		tracker:  endpointutil.NewSliceTracker(),
		recorder: c.Recorder,
		metrics:  m,
		queue: workqueue.NewTypedRateLimitingQueueWithConfig(
			workqueue.NewTypedMaxOfRateLimiter(
				workqueue.NewTypedItemExponentialFailureRateLimiter[string](5*time.Millisecond, 100*time.Second),
				&workqueue.TypedBucketRateLimiter[string]{Limiter: rate.NewLimiter(rate.Limit(10), 100)},
			),
			workqueue.TypedRateLimitingQueueConfig[string]{Name: "endpointslicemirroring"}),
	}
	if ctl.log == nil {
		ctl.log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	ctl.log = ctl.log.With("controller", "endpointslicemirroring")
	if ctl.max == 0 {
		ctl.max = DefaultMaxEndpointsPerSubset
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

func (c *Controller) register(f informers.SharedInformerFactory) error {
	epInf := f.Core().V1().Endpoints()
	svcInf := f.Core().V1().Services()
	sliceInf := f.Discovery().V1().EndpointSlices()
	c.endpoints, c.services = epInf.Lister(), svcInf.Lister()
	inf := sliceInf.Informer()
	if _, ok := inf.GetIndexer().GetIndexers()[sliceIndex]; !ok {
		if err := inf.AddIndexers(cache.Indexers{sliceIndex: indexMirroredSlice}); err != nil {
			return fmt.Errorf("endpointslicemirroring: adding the slice index: %w", err)
		}
	}
	c.slices = inf.GetIndexer()
	handlers := []struct {
		inf cache.SharedIndexInformer
		h   cache.ResourceEventHandler
	}{
		{epInf.Informer(), cache.ResourceEventHandlerFuncs{
			AddFunc:    c.onEndpointsAdd,
			UpdateFunc: c.onEndpointsUpdate,
			DeleteFunc: c.onEndpointsDelete,
		}},
		{svcInf.Informer(), cache.ResourceEventHandlerFuncs{
			AddFunc:    c.onServiceAddDelete,
			UpdateFunc: c.onServiceUpdate,
			DeleteFunc: c.onServiceAddDelete,
		}},
		{inf, cache.ResourceEventHandlerFuncs{
			AddFunc:    c.onSliceAdd,
			UpdateFunc: c.onSliceUpdate,
			DeleteFunc: c.onSliceDelete,
		}},
	}
	for _, h := range handlers {
		reg, err := h.inf.AddEventHandler(h.h)
		if err != nil {
			return fmt.Errorf("endpointslicemirroring: registering an informer handler: %w", err)
		}
		c.synced = append(c.synced, reg.HasSynced)
	}
	return nil
}

func indexMirroredSlice(obj any) ([]string, error) {
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

// Run processes Endpoints until ctx ends. It waits for the informer caches
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
	c.log.Info("starting controller", "workers", workers, "maxEndpointsPerSubset", c.max)
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
		c.log.Debug("informer cache is stale, retrying", "endpoints", key)
	default:
		c.metrics.syncs.WithLabelValues("error").Inc()
		c.log.Warn("mirroring endpoints failed, retrying", "endpoints", key, "retries", c.queue.NumRequeues(key), "err", err)
	}
	c.queue.AddRateLimited(key)
}

// shouldMirror reports whether an Endpoints object may be mirrored at all
// (its Service must also exist and have no selector).
func shouldMirror(ep *corev1.Endpoints) bool {
	if ep.Labels[discoveryv1.LabelSkipMirror] == "true" {
		return false
	}
	_, leader := ep.Annotations[leaderAnnotation]
	return !leader
}

func (c *Controller) enqueue(obj any) {
	if key, err := cache.DeletionHandlingMetaNamespaceKeyFunc(obj); err == nil {
		c.queue.Add(key)
	}
}

func (c *Controller) onEndpointsAdd(obj any) {
	if ep, ok := obj.(*corev1.Endpoints); ok && shouldMirror(ep) {
		c.enqueue(obj)
	}
}

func (c *Controller) onEndpointsUpdate(oldObj, newObj any) {
	old, cur := oldObj.(*corev1.Endpoints), newObj.(*corev1.Endpoints)
	if old.ResourceVersion != cur.ResourceVersion && (shouldMirror(old) || shouldMirror(cur)) {
		c.enqueue(newObj)
	}
}

func (c *Controller) onEndpointsDelete(obj any) {
	c.enqueue(obj)
}

func (c *Controller) onServiceAddDelete(obj any) {
	if t, ok := obj.(cache.DeletedFinalStateUnknown); ok {
		obj = t.Obj
	}
	if svc, ok := obj.(*corev1.Service); ok && !endpointutil.HasSelector(svc) {
		c.enqueue(svc)
	}
}

func (c *Controller) onServiceUpdate(oldObj, newObj any) {
	old, cur := oldObj.(*corev1.Service), newObj.(*corev1.Service)
	if endpointutil.HasSelector(old) != endpointutil.HasSelector(cur) || old.UID != cur.UID {
		c.enqueue(cur)
	}
}

func mirrored(s *discoveryv1.EndpointSlice) bool {
	return s.Labels[discoveryv1.LabelManagedBy] == ControllerName
}

func (c *Controller) enqueueSlice(s *discoveryv1.EndpointSlice) {
	if key, ok := endpointutil.ServiceKey(s); ok {
		c.queue.Add(key.String())
	}
}

func (c *Controller) onSliceAdd(obj any) {
	if s := obj.(*discoveryv1.EndpointSlice); mirrored(s) && c.tracker.ShouldSync(s) {
		c.enqueueSlice(s)
	}
}

func (c *Controller) onSliceUpdate(oldObj, newObj any) {
	old, cur := oldObj.(*discoveryv1.EndpointSlice), newObj.(*discoveryv1.EndpointSlice)
	if old.Labels[discoveryv1.LabelServiceName] != cur.Labels[discoveryv1.LabelServiceName] {
		if mirrored(old) {
			c.enqueueSlice(old)
		}
		if mirrored(cur) {
			c.enqueueSlice(cur)
		}
		return
	}
	if mirrored(old) != mirrored(cur) || (mirrored(cur) && c.tracker.ShouldSync(cur)) {
		c.enqueueSlice(cur)
	}
}

func (c *Controller) onSliceDelete(obj any) {
	if t, ok := obj.(cache.DeletedFinalStateUnknown); ok {
		obj = t.Obj
	}
	if s, ok := obj.(*discoveryv1.EndpointSlice); ok && mirrored(s) && c.tracker.HandleDeletion(s) {
		c.enqueueSlice(s)
	}
}
