package agent

import (
	"context"
	"fmt"
	"log/slog"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes/scheme"
	typedcorev1 "k8s.io/client-go/kubernetes/typed/core/v1"
	corelisters "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/record"
	"k8s.io/client-go/util/workqueue"

	"github.com/svcnet/svcnet/pkg/agent/probe"
	"github.com/svcnet/svcnet/pkg/agent/runtime"
)

// podUIDIndex indexes the pod informer by UID: the work queue is keyed by
// UID, so that a pod deleted and re-created under the same name is a
// different pod.
const podUIDIndex = "svcnet.agent/uid"

// Agent is a node agent. Build it with New and start it with Run.
type Agent struct {
	c   Config
	log *slog.Logger
	// rt is set by New or, with NewRuntime, by Run before any pod work;
	// rtp publishes it to other goroutines (Runtime, ContainerLogPath).
	rt      runtime.Runtime
	rtp     atomic.Pointer[runtime.Runtime]
	metrics *metrics

	podCIDR   atomic.Pointer[netip.Prefix]
	cidrReady chan struct{}
	cidrOnce  sync.Once
	sysInfo   SystemInfo

	podFactory, svcFactory informers.SharedInformerFactory
	pods                   cache.Indexer
	services               corelisters.ServiceLister
	synced                 []cache.InformerSynced
	queue                  workqueue.TypedRateLimitingInterface[string]

	probes      *probe.Manager
	backoff     *backoff
	hostPorts   *hostPorts
	recorder    record.EventRecorder
	broadcaster record.EventBroadcaster

	// runCtx bounds the probe workers; set by Run.
	runCtx context.Context

	mu      sync.Mutex
	records map[string]*podRecord
	// lastSeen is the runtime's state at the last relist, by pod UID.
	lastSeen map[string]string
}

// New builds an agent: it checks the configuration and sets up informers
// and queues, but contacts nothing until Run.
func New(c Config) (*Agent, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	c.setDefaults()
	m, err := newMetrics(c.Registerer)
	if err != nil {
		return nil, fmt.Errorf("agent: registering metrics: %w", err)
	}
	a := &Agent{
		c: c, rt: c.Runtime, metrics: m,
		log:       c.Logger.With("node", c.NodeName),
		cidrReady: make(chan struct{}),
		backoff:   newBackoff(c.CrashBackoffInitial, c.CrashBackoffMax),
		hostPorts: newHostPorts(),
		records:   map[string]*podRecord{},
		lastSeen:  map[string]string{},
	}
	if a.rt != nil {
		a.rtp.Store(&a.rt)
	}
	a.queue = workqueue.NewTypedRateLimitingQueueWithConfig(workqueue.DefaultTypedControllerRateLimiter[string](),
		workqueue.TypedRateLimitingQueueConfig[string]{Name: "agent-pods", Clock: c.Clock})
	prober := c.Prober
	if prober == nil {
		prober = probe.NewProber(agentExecer{a})
	}
	a.probes = probe.NewManager(probe.Config{Prober: prober, Clock: c.Clock, Logger: a.log, OnChange: a.queue.Add})
	a.broadcaster = record.NewBroadcaster()
	a.recorder = a.broadcaster.NewRecorder(scheme.Scheme, corev1.EventSource{Component: "kubelet", Host: c.NodeName})
	if err := a.setupInformers(); err != nil {
		return nil, err
	}
	return a, nil
}

func (a *Agent) setupInformers() error {
	a.podFactory = informers.NewSharedInformerFactoryWithOptions(a.c.Client, 0,
		informers.WithTweakListOptions(func(o *metav1.ListOptions) {
			o.FieldSelector = fields.OneTermEqualSelector("spec.nodeName", a.c.NodeName).String()
		}))
	a.svcFactory = informers.NewSharedInformerFactory(a.c.Client, 0)
	podInf := a.podFactory.Core().V1().Pods().Informer()
	if err := podInf.AddIndexers(cache.Indexers{podUIDIndex: func(obj any) ([]string, error) {
		if p, ok := obj.(*corev1.Pod); ok {
			return []string{string(p.UID)}, nil
		}
		return nil, nil
	}}); err != nil {
		return fmt.Errorf("agent: adding pod index: %w", err)
	}
	enqueue := func(obj any) {
		if d, ok := obj.(cache.DeletedFinalStateUnknown); ok {
			obj = d.Obj
		}
		if p, ok := obj.(*corev1.Pod); ok {
			a.queue.Add(string(p.UID))
		}
	}
	if _, err := podInf.AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    enqueue,
		UpdateFunc: func(_, obj any) { enqueue(obj) },
		DeleteFunc: enqueue,
	}); err != nil {
		return fmt.Errorf("agent: adding pod handler: %w", err)
	}
	svcInf := a.svcFactory.Core().V1().Services()
	a.pods, a.services = podInf.GetIndexer(), svcInf.Lister()
	a.synced = []cache.InformerSynced{podInf.HasSynced, svcInf.Informer().HasSynced}
	return nil
}

// PodCIDR returns the node's podCIDR, or an invalid prefix until node
// IPAM has assigned one.
func (a *Agent) PodCIDR() netip.Prefix {
	if p := a.podCIDR.Load(); p != nil {
		return *p
	}
	return netip.Prefix{}
}

// Runtime returns the agent's runtime (for exec streaming), or nil while
// NewRuntime has not built it yet.
func (a *Agent) Runtime() runtime.Runtime { return a.runtime() }

func (a *Agent) runtime() runtime.Runtime {
	if p := a.rtp.Load(); p != nil {
		return *p
	}
	return nil
}

// PodCIDRReady is closed once PodCIDR is known.
func (a *Agent) PodCIDRReady() <-chan struct{} { return a.cidrReady }

// Run registers the node, keeps its heartbeat, waits for its podCIDR and
// runs the node's pods until ctx ends. Pods keep running when Run returns:
// the next agent adopts them. Run may be called once.
func (a *Agent) Run(ctx context.Context) error {
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	a.runCtx = ctx
	a.broadcaster.StartRecordingToSink(&typedcorev1.EventSinkImpl{Interface: a.c.Client.CoreV1().Events("")})
	defer func() {
		cancel()
		a.queue.ShutDown()
		wg.Wait()
		a.podFactory.Shutdown()
		a.svcFactory.Shutdown()
		a.probes.Stop()
		a.broadcaster.Shutdown()
	}()
	return a.run(ctx, &wg)
}

// run does Run's work; goroutines it starts join wg.
func (a *Agent) run(ctx context.Context, wg *sync.WaitGroup) error {
	if err := a.retryUntilDone(ctx, "node registration failed", a.registerNode); err != nil {
		return nil //nolint:nilerr // only a cancelled ctx ends the retries
	}
	a.log.Info("node registered", "nodeIP", a.c.NodeIP.String())
	wg.Go(func() { a.heartbeat(ctx) })
	if err := a.waitForPodCIDR(ctx); err != nil {
		return nil //nolint:nilerr // only a cancelled ctx ends the wait
	}
	if a.rt == nil {
		rt, err := a.c.NewRuntime(ctx, a.PodCIDR())
		if err != nil {
			return fmt.Errorf("agent: starting the runtime for podCIDR %s: %w", a.PodCIDR(), err)
		}
		a.rt = rt
	}
	a.rtp.Store(&a.rt)
	a.podFactory.Start(ctx.Done())
	a.svcFactory.Start(ctx.Done())
	if !cache.WaitForCacheSync(ctx.Done(), a.synced...) {
		return nil
	}
	if err := a.retryUntilDone(ctx, "adopting sandboxes failed", a.adopt); err != nil {
		return nil //nolint:nilerr // only a cancelled ctx ends the retries
	}
	for range a.c.Workers {
		wg.Go(func() { a.worker(ctx) })
	}
	wg.Go(func() { a.relistLoop(ctx) })
	a.log.Info("node agent running", "podCIDR", a.PodCIDR().String())
	<-ctx.Done()
	return nil
}

// retryUntilDone runs f until it succeeds, retrying with a capped
// back-off and logging msg on each failure; it fails only when ctx ends.
func (a *Agent) retryUntilDone(ctx context.Context, msg string, f func(context.Context) error) error {
	delay := 200 * time.Millisecond
	for {
		err := f(ctx)
		if err == nil {
			return nil
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		a.log.Warn(msg, "err", err, "retryIn", delay)
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-a.c.Clock.After(delay):
		}
		delay = min(2*delay, 10*time.Second)
	}
}

func (a *Agent) worker(ctx context.Context) {
	for {
		uid, quit := a.queue.Get()
		if quit {
			return
		}
		err := a.syncPod(ctx, uid)
		switch {
		case err == nil:
			a.metrics.podSyncs.WithLabelValues("success").Inc()
			a.queue.Forget(uid)
		case ctx.Err() != nil:
		case apierrors.IsConflict(err):
			// Someone else wrote the pod meanwhile; the informer brings
			// the new version and the retry uses it.
			a.log.Debug("pod sync conflicted", "uid", uid, "err", err)
			a.queue.AddRateLimited(uid)
		default:
			a.metrics.podSyncs.WithLabelValues("error").Inc()
			a.log.Warn("pod sync failed", "uid", uid, "err", err)
			a.queue.AddRateLimited(uid)
		}
		a.queue.Done(uid)
	}
}

// agentExecer runs exec probes through the agent's runtime, which
// NewRuntime may only build in Run.
type agentExecer struct{ a *Agent }

// Exec implements probe.Execer.
func (e agentExecer) Exec(ctx context.Context, podUID, container string, argv []string, o runtime.ExecOptions) (int, error) {
	return e.a.rt.Exec(ctx, podUID, container, argv, o)
}

// podByUID returns the API's pod of a UID from the informer cache.
func (a *Agent) podByUID(uid string) *corev1.Pod {
	objs, err := a.pods.ByIndex(podUIDIndex, uid)
	if err != nil || len(objs) == 0 {
		return nil
	}
	return objs[0].(*corev1.Pod)
}
