package replicaset

import (
	"context"
	"fmt"
	"log/slog"
	"reflect"
	"sync"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/kubernetes/scheme"
	typedcorev1 "k8s.io/client-go/kubernetes/typed/core/v1"
	appslisters "k8s.io/client-go/listers/apps/v1"
	corelisters "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/record"
	"k8s.io/client-go/util/workqueue"
)

// Name is the controller's name in events, logs and the work queue.
const Name = "replicaset-controller"

// Controller is the ReplicaSet controller.
type Controller struct {
	client    kubernetes.Interface
	log       *slog.Logger
	burst     int
	rsLister  appslisters.ReplicaSetLister
	podLister corelisters.PodLister
	synced    []cache.InformerSynced
	queue     workqueue.TypedRateLimitingInterface[string]
	exp       *expectations
	events    record.EventBroadcaster
	recorder  record.EventRecorder
	metrics   *metrics
	now       func() time.Time
	runOnce   sync.Once
}

// New builds a controller and registers its handlers on c.Informers.
func New(c Config) (*Controller, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	log := c.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	burst := c.BurstReplicas
	if burst == 0 {
		burst = DefaultBurstReplicas
	}
	m, err := newMetrics(c.Registerer)
	if err != nil {
		return nil, err
	}
	rsInformer := c.Informers.Apps().V1().ReplicaSets()
	podInformer := c.Informers.Core().V1().Pods()
	broadcaster := record.NewBroadcaster()
	ctl := &Controller{
		client:    c.Client,
		log:       log.With("controller", Name),
		burst:     burst,
		rsLister:  rsInformer.Lister(),
		podLister: podInformer.Lister(),
		queue: workqueue.NewTypedRateLimitingQueueWithConfig(workqueue.DefaultTypedControllerRateLimiter[string](),
			workqueue.TypedRateLimitingQueueConfig[string]{Name: "replicaset"}),
		exp:      newExpectations(time.Now),
		events:   broadcaster,
		recorder: broadcaster.NewRecorder(scheme.Scheme, corev1.EventSource{Component: Name}),
		metrics:  m,
		now:      time.Now,
	}
	if _, err := rsInformer.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    ctl.enqueue,
		UpdateFunc: func(_, cur any) { ctl.enqueue(cur) },
		DeleteFunc: ctl.deleteReplicaSet,
	}); err != nil {
		return nil, fmt.Errorf("registering replicaset handler: %w", err)
	}
	if _, err := podInformer.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    ctl.addPod,
		UpdateFunc: ctl.updatePod,
		DeleteFunc: ctl.deletePod,
	}); err != nil {
		return nil, fmt.Errorf("registering pod handler: %w", err)
	}
	ctl.synced = []cache.InformerSynced{rsInformer.Informer().HasSynced, podInformer.Informer().HasSynced}
	return ctl, nil
}

// Run syncs ReplicaSets with the given number of workers until ctx is done.
// It waits for its informers' caches itself. Call it once.
func (c *Controller) Run(ctx context.Context, workers int) {
	c.runOnce.Do(func() { c.run(ctx, workers) })
}

func (c *Controller) run(ctx context.Context, workers int) {
	defer c.queue.ShutDown()
	c.events.StartRecordingToSink(&typedcorev1.EventSinkImpl{Interface: c.client.CoreV1().Events("")})
	defer c.events.Shutdown()
	c.log.Info("starting controller", "workers", workers)
	defer c.log.Info("stopped controller")
	if !cache.WaitForNamedCacheSync(Name, ctx.Done(), c.synced...) {
		return
	}
	var wg sync.WaitGroup
	for range max(workers, 1) {
		wg.Go(func() {
			for c.processNext(ctx) {
			}
		})
	}
	<-ctx.Done()
	c.queue.ShutDown()
	wg.Wait()
}

// processNext syncs one key. It is the one place that decides about retries.
func (c *Controller) processNext(ctx context.Context) bool {
	key, quit := c.queue.Get()
	if quit {
		return false
	}
	defer c.queue.Done(key)
	start := time.Now()
	after, err := c.sync(ctx, key)
	c.metrics.observeSync(err, time.Since(start))
	switch {
	case err != nil && ctx.Err() != nil:
		// Shutting down; the next leader resyncs.
	case err != nil:
		level := slog.LevelWarn
		if apierrors.IsConflict(err) {
			level = slog.LevelDebug
		}
		c.log.Log(ctx, level, "syncing replicaset failed, will retry", "key", key, "err", err)
		c.queue.AddRateLimited(key)
	default:
		c.queue.Forget(key)
		if after > 0 {
			c.queue.AddAfter(key, after)
		}
	}
	return true
}

func (c *Controller) enqueue(obj any) {
	key, err := cache.DeletionHandlingMetaNamespaceKeyFunc(obj)
	if err != nil {
		c.log.Warn("computing object key", "err", err)
		return
	}
	c.queue.Add(key)
}

func (c *Controller) deleteReplicaSet(obj any) {
	key, err := cache.DeletionHandlingMetaNamespaceKeyFunc(obj)
	if err != nil {
		c.log.Warn("computing object key", "err", err)
		return
	}
	c.exp.forget(key)
	c.queue.Add(key)
}

// resolve returns the ReplicaSet a controller reference points at, or nil
// when it is not a ReplicaSet or no longer the same object.
func (c *Controller) resolve(namespace string, ref *metav1.OwnerReference) *appsv1.ReplicaSet {
	if ref.Kind != controllerKind.Kind || ref.APIVersion != controllerKind.GroupVersion().String() {
		return nil
	}
	rs, err := c.rsLister.ReplicaSets(namespace).Get(ref.Name)
	if err != nil || rs.UID != ref.UID {
		return nil
	}
	return rs
}

// matching returns the ReplicaSets whose selector matches an orphan pod.
func (c *Controller) matching(pod *corev1.Pod) []*appsv1.ReplicaSet {
	all, err := c.rsLister.ReplicaSets(pod.Namespace).List(labels.Everything())
	if err != nil {
		return nil
	}
	var out []*appsv1.ReplicaSet
	for _, rs := range all {
		sel, err := selectorFor(rs)
		if err == nil && sel.Matches(labels.Set(pod.Labels)) {
			out = append(out, rs)
		}
	}
	return out
}

func keyOf(rs *appsv1.ReplicaSet) string { return rs.Namespace + "/" + rs.Name }

func podKey(p *corev1.Pod) string { return p.Namespace + "/" + p.Name }

func (c *Controller) addPod(obj any) {
	pod := obj.(*corev1.Pod)
	if pod.DeletionTimestamp != nil {
		// A pod already terminating when first seen (after a restart, say)
		// is a deletion the expectations may be waiting for.
		c.deletePod(pod)
		return
	}
	if ref := metav1.GetControllerOfNoCopy(pod); ref != nil {
		if rs := c.resolve(pod.Namespace, ref); rs != nil {
			c.exp.creationObserved(keyOf(rs))
			c.queue.Add(keyOf(rs))
		}
		return
	}
	for _, rs := range c.matching(pod) {
		c.queue.Add(keyOf(rs))
	}
}

func (c *Controller) updatePod(oldObj, curObj any) {
	old, cur := oldObj.(*corev1.Pod), curObj.(*corev1.Pod)
	if old.ResourceVersion == cur.ResourceVersion {
		return
	}
	labelsChanged := !reflect.DeepEqual(old.Labels, cur.Labels)
	if cur.DeletionTimestamp != nil {
		c.deletePod(cur)
		if labelsChanged {
			c.deletePod(old)
		}
		return
	}
	oldRef, curRef := metav1.GetControllerOfNoCopy(old), metav1.GetControllerOfNoCopy(cur)
	refChanged := !reflect.DeepEqual(oldRef, curRef)
	if refChanged && oldRef != nil {
		if rs := c.resolve(old.Namespace, oldRef); rs != nil {
			c.queue.Add(keyOf(rs))
		}
	}
	if curRef != nil {
		if rs := c.resolve(cur.Namespace, curRef); rs != nil {
			c.queue.Add(keyOf(rs))
		}
		return
	}
	if labelsChanged || refChanged {
		for _, rs := range c.matching(cur) {
			c.queue.Add(keyOf(rs))
		}
	}
}

func (c *Controller) deletePod(obj any) {
	pod, ok := obj.(*corev1.Pod)
	if !ok {
		tomb, ok := obj.(cache.DeletedFinalStateUnknown)
		if !ok {
			return
		}
		if pod, ok = tomb.Obj.(*corev1.Pod); !ok {
			return
		}
	}
	ref := metav1.GetControllerOfNoCopy(pod)
	if ref == nil {
		return
	}
	if rs := c.resolve(pod.Namespace, ref); rs != nil {
		c.exp.deletionObserved(keyOf(rs), podKey(pod))
		c.queue.Add(keyOf(rs))
	}
}
