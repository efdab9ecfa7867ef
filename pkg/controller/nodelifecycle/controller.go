package nodelifecycle

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/kubernetes/scheme"
	typedcorev1 "k8s.io/client-go/kubernetes/typed/core/v1"
	coordlisters "k8s.io/client-go/listers/coordination/v1"
	corelisters "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/record"
	"k8s.io/client-go/util/workqueue"
	"k8s.io/utils/clock"
)

// LeaseNamespace holds the nodes' heartbeat Leases, one per node, named
// after it.
const LeaseNamespace = corev1.NamespaceNodeLease

// DefaultGracePeriod is how long a node may go without a heartbeat before
// it is NotReady (kube-controller-manager's --node-monitor-grace-period).
const DefaultGracePeriod = 40 * time.Second

// podNodeIndex indexes pods by spec.nodeName. The name is the package's
// own, so that it never clashes with another controller's index on the
// shared pod informer.
const podNodeIndex = "svcnet.nodelifecycle/nodeName"

// Config configures the node lifecycle controller.
type Config struct {
	// Client writes node and pod status and Events.
	Client kubernetes.Interface
	// Informers provides the Node, Lease and Pod informers; the caller
	// starts it.
	Informers informers.SharedInformerFactory
	// Logger receives the controller's logs; nil means slog.Default().
	Logger *slog.Logger
	// GracePeriod is how long a node's Lease may go unrenewed before the
	// node turns NotReady; zero means DefaultGracePeriod.
	GracePeriod time.Duration
	// Clock tells the time and drives re-checks; nil means the real clock.
	Clock clock.WithTicker
	// Recorder records Events; nil means one that writes to Client.
	Recorder record.EventRecorder
}

// Validate checks the configuration.
func (c *Config) Validate() error {
	if c.Client == nil {
		return errors.New("nodelifecycle: Client is required")
	}
	if c.Informers == nil {
		return errors.New("nodelifecycle: Informers is required")
	}
	if c.GracePeriod < 0 {
		return fmt.Errorf("nodelifecycle: GracePeriod %v is negative", c.GracePeriod)
	}
	return nil
}

// Controller marks nodes whose heartbeats stopped as NotReady.
type Controller struct {
	client      kubernetes.Interface
	log         *slog.Logger
	grace       time.Duration
	clock       clock.WithTicker
	nodes       corelisters.NodeLister
	leases      coordlisters.LeaseLister
	pods        cache.Indexer
	synced      []cache.InformerSynced
	queue       workqueue.TypedRateLimitingInterface[string]
	recorder    record.EventRecorder
	broadcaster record.EventBroadcaster

	startMu sync.Mutex
	started time.Time
}

// New builds the controller and registers its informer handlers; it does
// not start the informers.
func New(c Config) (*Controller, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	ctrl := &Controller{client: c.Client, grace: c.GracePeriod, clock: c.Clock, log: c.Logger, recorder: c.Recorder}
	if ctrl.grace == 0 {
		ctrl.grace = DefaultGracePeriod
	}
	if ctrl.clock == nil {
		ctrl.clock = clock.RealClock{}
	}
	if ctrl.log == nil {
		ctrl.log = slog.Default()
	}
	ctrl.log = ctrl.log.With("controller", "nodelifecycle")
	ctrl.queue = workqueue.NewTypedRateLimitingQueueWithConfig(workqueue.DefaultTypedControllerRateLimiter[string](),
		workqueue.TypedRateLimitingQueueConfig[string]{Name: "nodelifecycle", Clock: ctrl.clock})
	if ctrl.recorder == nil {
		ctrl.broadcaster = record.NewBroadcaster()
		ctrl.recorder = ctrl.broadcaster.NewRecorder(scheme.Scheme, corev1.EventSource{Component: "node-controller"})
	}

	nodeInf := c.Informers.Core().V1().Nodes()
	leaseInf := c.Informers.Coordination().V1().Leases()
	podInf := c.Informers.Core().V1().Pods()
	ctrl.nodes, ctrl.leases = nodeInf.Lister(), leaseInf.Lister()
	if err := podInf.Informer().AddIndexers(cache.Indexers{podNodeIndex: indexByNode}); err != nil {
		return nil, fmt.Errorf("nodelifecycle: adding pod index: %w", err)
	}
	ctrl.pods = podInf.Informer().GetIndexer()
	ctrl.synced = []cache.InformerSynced{nodeInf.Informer().HasSynced, leaseInf.Informer().HasSynced, podInf.Informer().HasSynced}

	handlers := []struct {
		inf cache.SharedIndexInformer
		key func(any) string
	}{
		{nodeInf.Informer(), nodeKey},
		{leaseInf.Informer(), leaseNodeKey},
		{podInf.Informer(), podNodeKey},
	}
	for _, h := range handlers {
		_, err := h.inf.AddEventHandler(cache.ResourceEventHandlerFuncs{
			AddFunc:    func(obj any) { ctrl.enqueue(h.key(obj)) },
			UpdateFunc: func(_, obj any) { ctrl.enqueue(h.key(obj)) },
			DeleteFunc: func(obj any) { ctrl.enqueue(h.key(obj)) },
		})
		if err != nil {
			return nil, fmt.Errorf("nodelifecycle: adding handler: %w", err)
		}
	}
	return ctrl, nil
}

func indexByNode(obj any) ([]string, error) {
	if p, ok := obj.(*corev1.Pod); ok && p.Spec.NodeName != "" {
		return []string{p.Spec.NodeName}, nil
	}
	return nil, nil
}

func unwrap(obj any) any {
	if d, ok := obj.(cache.DeletedFinalStateUnknown); ok {
		return d.Obj
	}
	return obj
}

func nodeKey(obj any) string {
	if n, ok := unwrap(obj).(*corev1.Node); ok {
		return n.Name
	}
	return ""
}

func leaseNodeKey(obj any) string {
	if l, ok := unwrap(obj).(*coordinationv1.Lease); ok && l.Namespace == LeaseNamespace {
		return l.Name
	}
	return ""
}

func podNodeKey(obj any) string {
	if p, ok := unwrap(obj).(*corev1.Pod); ok {
		return p.Spec.NodeName
	}
	return ""
}

func (c *Controller) enqueue(node string) {
	if node != "" {
		c.queue.Add(node)
	}
}

// Run watches node heartbeats until ctx is done.
func (c *Controller) Run(ctx context.Context, workers int) {
	defer c.queue.ShutDown()
	if c.broadcaster != nil {
		c.broadcaster.StartRecordingToSink(&typedcorev1.EventSinkImpl{Interface: c.client.CoreV1().Events("")})
		defer c.broadcaster.Shutdown()
	}
	c.log.Info("starting", "gracePeriod", c.grace)
	if !cache.WaitForCacheSync(ctx.Done(), c.synced...) {
		return
	}
	c.startMu.Lock()
	c.started = c.clock.Now()
	c.startMu.Unlock()
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

// processNext is the one place that decides about retries and re-checks.
func (c *Controller) processNext(ctx context.Context) bool {
	key, quit := c.queue.Get()
	if quit {
		return false
	}
	defer c.queue.Done(key)
	after, err := c.sync(ctx, key)
	switch {
	case err != nil:
		c.log.Warn("syncing node, will retry", "node", key, "err", err)
		c.queue.AddRateLimited(key)
	case after > 0:
		c.queue.Forget(key)
		c.queue.AddAfter(key, after)
	default:
		c.queue.Forget(key)
	}
	return true
}

// sync applies the plan for one node. It returns when to look again.
func (c *Controller) sync(ctx context.Context, name string) (time.Duration, error) {
	node, err := c.nodes.Get(name)
	if apierrors.IsNotFound(err) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	in := input{Node: node, Now: c.clock.Now(), Grace: c.grace}
	c.startMu.Lock()
	in.Started = c.started
	c.startMu.Unlock()
	if l, err := c.leases.Leases(LeaseNamespace).Get(name); err == nil {
		in.Lease = l
	} else if !apierrors.IsNotFound(err) {
		return 0, err
	}
	objs, err := c.pods.ByIndex(podNodeIndex, name)
	if err != nil {
		return 0, err
	}
	for _, o := range objs {
		in.Pods = append(in.Pods, o.(*corev1.Pod))
	}
	p := decide(in)
	if err := c.apply(ctx, node, p); err != nil {
		return 0, err
	}
	return p.RequeueAfter, nil
}

// apply writes a plan: the node's status, then its taints, then its pods.
func (c *Controller) apply(ctx context.Context, node *corev1.Node, p plan) error {
	if p.Ready != nil {
		updated, err := c.client.CoreV1().Nodes().UpdateStatus(ctx, withReady(node, *p.Ready), metav1.UpdateOptions{})
		if err != nil {
			return fmt.Errorf("updating Ready condition of node %s: %w", node.Name, err)
		}
		node = updated
		if p.Event != "" {
			c.recorder.Eventf(node, corev1.EventTypeNormal, p.Event, "Node %s status is now: %s", node.Name, p.Event)
		}
		c.log.Info("node readiness changed", "node", node.Name, "ready", p.Ready.Status, "reason", p.Ready.Reason)
	}
	if p.SetTaints {
		n := node.DeepCopy()
		n.Spec.Taints = p.Taints
		if _, err := c.client.CoreV1().Nodes().Update(ctx, n, metav1.UpdateOptions{}); err != nil {
			return fmt.Errorf("updating taints of node %s: %w", node.Name, err)
		}
	}
	var errs []error
	for _, pod := range p.Pods {
		_, err := c.client.CoreV1().Pods(pod.Namespace).UpdateStatus(ctx, pod, metav1.UpdateOptions{})
		if err != nil && !apierrors.IsNotFound(err) {
			errs = append(errs, fmt.Errorf("updating Ready condition of pod %s/%s: %w", pod.Namespace, pod.Name, err))
		}
	}
	return errors.Join(errs...)
}
