package nodeipam

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/kubernetes/scheme"
	typedcorev1 "k8s.io/client-go/kubernetes/typed/core/v1"
	corelisters "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/record"
	"k8s.io/client-go/util/workqueue"
)

// Event reasons.
const (
	// ReasonCIDRNotAvailable is recorded on a node when the cluster CIDR
	// has no free subnet for it.
	ReasonCIDRNotAvailable = "CIDRNotAvailable"
	// ReasonCIDRAssignmentFailed is recorded when writing the podCIDR
	// failed.
	ReasonCIDRAssignmentFailed = "CIDRAssignmentFailed"
)

// Defaults.
var (
	DefaultClusterCIDR = netip.MustParsePrefix("10.244.0.0/16")
)

// DefaultNodeMaskSize is the prefix length of each node's pod CIDR.
const DefaultNodeMaskSize = 24

// Config configures the node IPAM controller.
type Config struct {
	// Client writes nodes and events.
	Client kubernetes.Interface
	// Informers provides the node informer; the caller starts it.
	Informers informers.SharedInformerFactory
	// Logger receives the controller's logs; nil means slog.Default().
	Logger *slog.Logger
	// ClusterCIDR is the range that node pod CIDRs are cut from; the zero
	// value means DefaultClusterCIDR.
	ClusterCIDR netip.Prefix
	// NodeMaskSize is the prefix length of each node's pod CIDR; zero
	// means DefaultNodeMaskSize (for IPv4; 64 for an IPv6 cluster CIDR).
	NodeMaskSize int
	// Recorder records Events; nil means one that writes to Client.
	Recorder record.EventRecorder
}

// Validate checks the configuration, after defaults.
func (c *Config) Validate() error {
	if c.Client == nil {
		return errors.New("nodeipam: Client is required")
	}
	if c.Informers == nil {
		return errors.New("nodeipam: Informers is required")
	}
	cidr, mask := c.withDefaults()
	if _, err := NewCIDRSet(cidr, mask); err != nil {
		return fmt.Errorf("nodeipam: %w", err)
	}
	return nil
}

func (c *Config) withDefaults() (netip.Prefix, int) {
	cidr, mask := c.ClusterCIDR, c.NodeMaskSize
	if !cidr.IsValid() {
		cidr = DefaultClusterCIDR
	}
	if mask == 0 {
		mask = DefaultNodeMaskSize
		if cidr.Addr().Is6() {
			mask = 64
		}
	}
	return cidr, mask
}

// Controller assigns pod CIDRs to nodes.
type Controller struct {
	client      kubernetes.Interface
	log         *slog.Logger
	nodes       corelisters.NodeLister
	synced      cache.InformerSynced
	queue       workqueue.TypedRateLimitingInterface[string]
	recorder    record.EventRecorder
	broadcaster record.EventBroadcaster
	cidr        netip.Prefix

	mu      sync.Mutex
	tracker *tracker
}

// New builds the controller and registers its informer handlers; it does
// not start the informers.
func New(c Config) (*Controller, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	cidr, mask := c.withDefaults()
	set, _ := NewCIDRSet(cidr, mask)
	log := c.Logger
	if log == nil {
		log = slog.Default()
	}
	ctrl := &Controller{
		client:  c.Client,
		log:     log.With("controller", "nodeipam"),
		cidr:    cidr.Masked(),
		tracker: newTracker(set),
		queue: workqueue.NewTypedRateLimitingQueueWithConfig(workqueue.DefaultTypedControllerRateLimiter[string](),
			workqueue.TypedRateLimitingQueueConfig[string]{Name: "nodeipam"}),
		recorder: c.Recorder,
	}
	if ctrl.recorder == nil {
		ctrl.broadcaster = record.NewBroadcaster()
		ctrl.recorder = ctrl.broadcaster.NewRecorder(scheme.Scheme, corev1.EventSource{Component: "node-ipam-controller"})
	}
	inf := c.Informers.Core().V1().Nodes()
	ctrl.nodes, ctrl.synced = inf.Lister(), inf.Informer().HasSynced
	_, err := inf.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    ctrl.enqueue,
		UpdateFunc: func(_, obj any) { ctrl.enqueue(obj) },
		DeleteFunc: ctrl.enqueue,
	})
	if err != nil {
		return nil, fmt.Errorf("nodeipam: adding node handler: %w", err)
	}
	return ctrl, nil
}

func (c *Controller) enqueue(obj any) {
	key, err := cache.DeletionHandlingMetaNamespaceKeyFunc(obj)
	if err != nil {
		return
	}
	c.queue.Add(key)
}

// Run assigns pod CIDRs until ctx is done. It first waits for the node
// cache and rebuilds the allocation from every node's existing podCIDRs,
// so that a restarted controller never hands out a subnet twice.
func (c *Controller) Run(ctx context.Context, workers int) {
	defer c.queue.ShutDown()
	if c.broadcaster != nil {
		c.broadcaster.StartRecordingToSink(&typedcorev1.EventSinkImpl{Interface: c.client.CoreV1().Events("")})
		defer c.broadcaster.Shutdown()
	}
	c.log.Info("starting", "clusterCIDR", c.cidr.String())
	if !cache.WaitForCacheSync(ctx.Done(), c.synced) {
		return
	}
	if err := c.rebuild(); err != nil {
		c.log.Error("listing nodes", "err", err)
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

// rebuild marks the podCIDRs that nodes already have as taken.
func (c *Controller) rebuild() error {
	nodes, err := c.nodes.List(labels.Everything())
	if err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, n := range nodes {
		if _, err := c.tracker.observe(n.Name, podCIDRs(n)); err != nil {
			c.log.Warn("ignoring invalid podCIDR", "node", n.Name, "err", err)
		}
	}
	return nil
}

func (c *Controller) worker(ctx context.Context) {
	for c.processNext(ctx) {
	}
}

// processNext is the one place that decides about retries.
func (c *Controller) processNext(ctx context.Context) bool {
	key, quit := c.queue.Get()
	if quit {
		return false
	}
	defer c.queue.Done(key)
	if err := c.sync(ctx, key); err != nil {
		c.log.Warn("syncing node, will retry", "node", key, "err", err)
		c.queue.AddRateLimited(key)
		return true
	}
	c.queue.Forget(key)
	return true
}

// sync makes one node's podCIDR match the allocation.
func (c *Controller) sync(ctx context.Context, name string) error {
	node, err := c.nodes.Get(name)
	if apierrors.IsNotFound(err) {
		c.mu.Lock()
		freed := c.tracker.release(name)
		c.mu.Unlock()
		if freed {
			c.log.Info("released pod CIDR", "node", name)
			c.retryWaiting()
		}
		return nil
	}
	if err != nil {
		return err
	}
	c.mu.Lock()
	d, err := c.tracker.assign(name, podCIDRs(node))
	c.mu.Unlock()
	switch {
	case IsFull(err):
		c.recorder.Eventf(node, corev1.EventTypeWarning, ReasonCIDRNotAvailable,
			"Node %s status is now: %s (no free /%d left in %s)", name, ReasonCIDRNotAvailable, c.tracker.set.maskSize, c.cidr)
		c.log.Warn("no pod CIDR available", "node", name)
		// A released subnet re-enqueues waiting nodes.
		return nil
	case err != nil:
		c.log.Warn("ignoring invalid podCIDR", "node", name, "err", err)
		return nil
	case !d.Write:
		return nil
	}
	if err := c.writeCIDR(ctx, node, d.CIDR); err != nil {
		if apierrors.IsNotFound(err) || apierrors.IsConflict(err) {
			// Deleted (or replaced): the delete event releases it.
			return nil
		}
		c.recorder.Eventf(node, corev1.EventTypeWarning, ReasonCIDRAssignmentFailed, "Node %s: assigning pod CIDR %s failed: %v", name, d.CIDR, err)
		return err
	}
	c.log.Info("assigned pod CIDR", "node", name, "podCIDR", d.CIDR.String())
	return nil
}

// writeCIDR patches spec.podCIDR and spec.podCIDRs, only on the node
// with the UID we saw.
func (c *Controller) writeCIDR(ctx context.Context, node *corev1.Node, p netip.Prefix) error {
	patch, err := json.Marshal(map[string]any{
		"metadata": map[string]any{"uid": node.UID},
		"spec":     map[string]any{"podCIDR": p.String(), "podCIDRs": []string{p.String()}},
	})
	if err != nil {
		return err
	}
	_, err = c.client.CoreV1().Nodes().Patch(ctx, node.Name, types.MergePatchType, patch, metav1.PatchOptions{})
	if err != nil {
		return fmt.Errorf("patching podCIDR of node %s: %w", node.Name, err)
	}
	return nil
}

// retryWaiting enqueues the nodes still without a pod CIDR.
func (c *Controller) retryWaiting() {
	nodes, err := c.nodes.List(labels.Everything())
	if err != nil {
		return
	}
	for _, n := range nodes {
		if len(podCIDRs(n)) == 0 {
			c.queue.Add(n.Name)
		}
	}
}

func podCIDRs(n *corev1.Node) []string {
	if len(n.Spec.PodCIDRs) > 0 {
		return n.Spec.PodCIDRs
	}
	if n.Spec.PodCIDR != "" {
		return []string{n.Spec.PodCIDR}
	}
	return nil
}
