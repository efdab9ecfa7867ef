package namespace

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	corelisters "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/metadata"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/util/workqueue"
	"k8s.io/utils/clock"
)

// Config configures the namespace controller.
type Config struct {
	// Client updates namespace status and finalizes namespaces.
	Client kubernetes.Interface
	// Informers provides the namespace informer; the caller starts it.
	Informers informers.SharedInformerFactory
	// Logger receives the controller's logs; nil means slog.Default().
	Logger *slog.Logger
	// Metadata lists and deletes the content of any resource. Required.
	Metadata metadata.Interface
	// Discovery lists the namespaced resources; nil means
	// Client.Discovery().
	Discovery discovery.ServerResourcesInterface
	// Clock tells the time; nil means the real clock.
	Clock clock.PassiveClock
}

// Validate checks the configuration.
func (c *Config) Validate() error {
	switch {
	case c.Client == nil:
		return errors.New("namespace: Client is required")
	case c.Informers == nil:
		return errors.New("namespace: Informers is required")
	case c.Metadata == nil:
		return errors.New("namespace: Metadata is required")
	}
	return nil
}

// Controller deletes the content of terminating namespaces and then
// finalizes them.
type Controller struct {
	client     kubernetes.Interface
	log        *slog.Logger
	clock      clock.PassiveClock
	namespaces corelisters.NamespaceLister
	synced     cache.InformerSynced
	queue      workqueue.TypedRateLimitingInterface[string]
	deleter    *deleter
}

// New builds the controller and registers its informer handler; it does
// not start the informers.
func New(c Config) (*Controller, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	disc := c.Discovery
	if disc == nil {
		disc = c.Client.Discovery()
	}
	ctrl := &Controller{client: c.Client, log: c.Logger, clock: c.Clock, deleter: &deleter{md: c.Metadata, disc: disc}}
	if ctrl.log == nil {
		ctrl.log = slog.Default()
	}
	ctrl.log = ctrl.log.With("controller", "namespace")
	if ctrl.clock == nil {
		ctrl.clock = clock.RealClock{}
	}
	ctrl.queue = workqueue.NewTypedRateLimitingQueueWithConfig(
		workqueue.NewTypedItemExponentialFailureRateLimiter[string](5*time.Millisecond, 60*time.Second),
		workqueue.TypedRateLimitingQueueConfig[string]{Name: "namespace"})
	inf := c.Informers.Core().V1().Namespaces()
	ctrl.namespaces, ctrl.synced = inf.Lister(), inf.Informer().HasSynced
	_, err := inf.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    ctrl.enqueue,
		UpdateFunc: func(_, obj any) { ctrl.enqueue(obj) },
	})
	if err != nil {
		return nil, fmt.Errorf("namespace: adding handler: %w", err)
	}
	return ctrl, nil
}

func (c *Controller) enqueue(obj any) {
	if ns, ok := obj.(*corev1.Namespace); ok && ns.DeletionTimestamp != nil {
		c.queue.Add(ns.Name)
	}
}

// Run deletes namespaces until ctx is done.
func (c *Controller) Run(ctx context.Context, workers int) {
	defer c.queue.ShutDown()
	c.log.Info("starting")
	if !cache.WaitForCacheSync(ctx.Done(), c.synced) {
		return
	}
	var wg sync.WaitGroup
	for range max(workers, 1) {
		wg.Go(func() { wait.UntilWithContext(ctx, c.worker, time.Second) })
	}
	<-ctx.Done()
	c.queue.ShutDown()
	wg.Wait()
}

func (c *Controller) worker(ctx context.Context) {
	for c.processNext(ctx) {
	}
}

// processNext is the one place that decides about retries.
func (c *Controller) processNext(ctx context.Context) bool {
	name, quit := c.queue.Get()
	if quit {
		return false
	}
	defer c.queue.Done(name)
	after, err := c.sync(ctx, name)
	switch {
	case err != nil:
		c.log.Warn("deleting namespace, will retry", "namespace", name, "err", err)
		c.queue.AddRateLimited(name)
	case after > 0:
		c.queue.Forget(name)
		c.queue.AddAfter(name, after)
	default:
		c.queue.Forget(name)
	}
	return true
}

// sync deletes one terminating namespace's content and finalizes it when
// nothing is left. It returns when to look again while content remains.
func (c *Controller) sync(ctx context.Context, name string) (time.Duration, error) {
	ns, err := c.namespaces.Get(name)
	if apierrors.IsNotFound(err) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	if ns.DeletionTimestamp == nil || !slices.Contains(ns.Spec.Finalizers, corev1.FinalizerKubernetes) {
		return 0, nil
	}
	now := c.clock.Now()
	r := c.deleter.deleteContent(ctx, name, now)
	if err := c.updateConditions(ctx, ns, r, metav1.NewTime(now)); err != nil {
		return 0, err
	}
	if !r.empty() {
		c.log.Info("namespace content remaining", "namespace", name, "remaining", r.Remaining, "errors", len(r.DeleteErrs))
		return r.recheckAfter(), nil
	}
	if err := c.finalize(ctx, ns); err != nil {
		return 0, err
	}
	c.log.Info("namespace finalized", "namespace", name)
	return 0, nil
}

// updateConditions records the deletion conditions on the namespace.
func (c *Controller) updateConditions(ctx context.Context, ns *corev1.Namespace, r report, now metav1.Time) error {
	conds, changed := mergeConditions(ns.Status.Conditions, r.conditions(now))
	if !changed {
		return nil
	}
	cp := ns.DeepCopy()
	cp.Status.Conditions = conds
	_, err := c.client.CoreV1().Namespaces().UpdateStatus(ctx, cp, metav1.UpdateOptions{})
	if apierrors.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("updating conditions of namespace %s: %w", ns.Name, err)
	}
	return nil
}

// finalize removes the "kubernetes" finalizer through the finalize
// subresource; the API server then deletes the namespace unless other
// finalizers remain.
func (c *Controller) finalize(ctx context.Context, ns *corev1.Namespace) error {
	// Read the latest spec: another finalizer may have gone meanwhile.
	cur, err := c.client.CoreV1().Namespaces().Get(ctx, ns.Name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("getting namespace %s: %w", ns.Name, err)
	}
	if cur.UID != ns.UID || !slices.Contains(cur.Spec.Finalizers, corev1.FinalizerKubernetes) {
		return nil
	}
	cp := cur.DeepCopy()
	cp.Spec.Finalizers = slices.DeleteFunc(cp.Spec.Finalizers, func(f corev1.FinalizerName) bool { return f == corev1.FinalizerKubernetes })
	if _, err := c.client.CoreV1().Namespaces().Finalize(ctx, cp, metav1.UpdateOptions{}); err != nil && !apierrors.IsNotFound(err) {
		return fmt.Errorf("finalizing namespace %s: %w", ns.Name, err)
	}
	return nil
}
