package scheduler

import (
	"context"
	"fmt"
	"log/slog"
	"reflect"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/kubernetes/scheme"
	typedcorev1 "k8s.io/client-go/kubernetes/typed/core/v1"
	corelisters "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/record"
	"k8s.io/client-go/util/workqueue"
)

// assumeTTL bounds how long a binding the informer has not shown yet
// still counts on its node.
const assumeTTL = 30 * time.Second

// Retry backoff for pods that fit nowhere; node changes retry them at once.
const (
	minRetry = time.Second
	maxRetry = time.Minute
)

// Scheduler binds pending pods to nodes.
type Scheduler struct {
	client    kubernetes.Interface
	log       *slog.Logger
	name      string
	podLister corelisters.PodLister
	nodes     corelisters.NodeLister
	synced    []cache.InformerSynced
	queue     workqueue.TypedRateLimitingInterface[string]
	events    record.EventBroadcaster
	recorder  record.EventRecorder
	metrics   *metrics
	now       func() time.Time
	runOnce   sync.Once

	// mu serialises decisions, so that each one sees the pods the previous
	// one assumed.
	mu      sync.Mutex
	assumed map[types.UID]assumption
}

// assumption is a binding sent but not yet seen in the pod cache.
type assumption struct {
	key   string
	place placement
	at    time.Time
}

// New builds a scheduler and registers its handlers on c.Informers.
func New(c Config) (*Scheduler, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	log := c.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	name := c.SchedulerName
	if name == "" {
		name = DefaultSchedulerName
	}
	m, err := newMetrics(c.Registerer)
	if err != nil {
		return nil, err
	}
	pods := c.Informers.Core().V1().Pods()
	nodes := c.Informers.Core().V1().Nodes()
	broadcaster := record.NewBroadcaster()
	s := &Scheduler{
		client:    c.Client,
		log:       log.With("component", name),
		name:      name,
		podLister: pods.Lister(),
		nodes:     nodes.Lister(),
		queue: workqueue.NewTypedRateLimitingQueueWithConfig(
			workqueue.NewTypedItemExponentialFailureRateLimiter[string](minRetry, maxRetry),
			workqueue.TypedRateLimitingQueueConfig[string]{Name: "scheduler"}),
		events:   broadcaster,
		recorder: broadcaster.NewRecorder(scheme.Scheme, corev1.EventSource{Component: name}),
		metrics:  m,
		now:      time.Now,
		assumed:  map[types.UID]assumption{},
	}
	if _, err := pods.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    s.onPod,
		UpdateFunc: s.onPodUpdate,
		DeleteFunc: s.onPodDelete,
	}); err != nil {
		return nil, fmt.Errorf("registering pod handler: %w", err)
	}
	if _, err := nodes.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    func(any) { s.retryPending() },
		UpdateFunc: s.onNodeUpdate,
	}); err != nil {
		return nil, fmt.Errorf("registering node handler: %w", err)
	}
	s.synced = []cache.InformerSynced{pods.Informer().HasSynced, nodes.Informer().HasSynced}
	return s, nil
}

// Run schedules pods with the given number of workers until ctx is done. It
// waits for its informers' caches itself. Call it once.
func (s *Scheduler) Run(ctx context.Context, workers int) {
	s.runOnce.Do(func() { s.run(ctx, workers) })
}

func (s *Scheduler) run(ctx context.Context, workers int) {
	defer s.queue.ShutDown()
	s.events.StartRecordingToSink(&typedcorev1.EventSinkImpl{Interface: s.client.CoreV1().Events("")})
	defer s.events.Shutdown()
	s.log.Info("starting scheduler", "workers", workers)
	defer s.log.Info("stopped scheduler")
	if !cache.WaitForNamedCacheSync(s.name, ctx.Done(), s.synced...) {
		return
	}
	var wg sync.WaitGroup
	for range max(workers, 1) {
		wg.Go(func() {
			for s.processNext(ctx) {
			}
		})
	}
	<-ctx.Done()
	s.queue.ShutDown()
	wg.Wait()
}

// processNext schedules one pod. It is the one place that decides about
// retries: errors and unschedulable pods are retried with backoff.
func (s *Scheduler) processNext(ctx context.Context) bool {
	key, quit := s.queue.Get()
	if quit {
		return false
	}
	defer s.queue.Done(key)
	start := time.Now()
	res, err := s.scheduleOne(ctx, key)
	s.metrics.observe(res, err, time.Since(start))
	switch {
	case err != nil && ctx.Err() != nil:
	case err != nil:
		level := slog.LevelWarn
		if apierrors.IsConflict(err) {
			level = slog.LevelDebug
		}
		s.log.Log(ctx, level, "scheduling pod failed, will retry", "pod", key, "err", err)
		s.queue.AddRateLimited(key)
	case res == resultUnschedulable:
		s.queue.AddRateLimited(key)
	default:
		s.queue.Forget(key)
	}
	return true
}

func (s *Scheduler) onPod(obj any) {
	pod, ok := obj.(*corev1.Pod)
	if !ok {
		return
	}
	if pod.Spec.NodeName != "" {
		s.forget(pod.UID)
		return
	}
	if responsible(pod, s.name) {
		s.queue.Add(cache.MetaObjectToName(pod).String())
	}
}

// onPodUpdate requeues a pending pod only when its spec or labels changed:
// the scheduler's own status writes must not retry it at once.
func (s *Scheduler) onPodUpdate(oldObj, curObj any) {
	old, cur := oldObj.(*corev1.Pod), curObj.(*corev1.Pod)
	if cur.Spec.NodeName == "" && reflect.DeepEqual(old.Spec, cur.Spec) && reflect.DeepEqual(old.Labels, cur.Labels) {
		return
	}
	s.onPod(cur)
}

func (s *Scheduler) onPodDelete(obj any) {
	if tomb, ok := obj.(cache.DeletedFinalStateUnknown); ok {
		obj = tomb.Obj
	}
	if pod, ok := obj.(*corev1.Pod); ok {
		s.forget(pod.UID)
	}
}

// onNodeUpdate retries pending pods when a change could make one fit.
// Heartbeats alone change nothing a decision reads.
func (s *Scheduler) onNodeUpdate(oldObj, curObj any) {
	old, cur := oldObj.(*corev1.Node), curObj.(*corev1.Node)
	if nodeReady(old) != nodeReady(cur) || old.Spec.Unschedulable != cur.Spec.Unschedulable ||
		!reflect.DeepEqual(old.Spec.Taints, cur.Spec.Taints) || !reflect.DeepEqual(old.Labels, cur.Labels) {
		s.retryPending()
	}
}

// retryPending queues every pod waiting for this scheduler.
func (s *Scheduler) retryPending() {
	pods, err := s.podLister.List(labels.Everything())
	if err != nil {
		return
	}
	for _, p := range pods {
		if responsible(p, s.name) {
			s.queue.Add(cache.MetaObjectToName(p).String())
		}
	}
}

func (s *Scheduler) forget(uid types.UID) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.assumed, uid)
}

// result is the outcome of one scheduling attempt.
type result string

const (
	resultScheduled     result = "scheduled"
	resultUnschedulable result = "unschedulable"
	resultSkipped       result = "skipped"
	resultError         result = "error"
)

// scheduleOne decides for one pod and acts on the decision.
func (s *Scheduler) scheduleOne(ctx context.Context, key string) (result, error) {
	ns, name, err := cache.SplitMetaNamespaceKey(key)
	if err != nil {
		return resultSkipped, nil
	}
	pod, err := s.podLister.Pods(ns).Get(name)
	if apierrors.IsNotFound(err) {
		return resultSkipped, nil
	}
	if err != nil {
		return resultError, fmt.Errorf("reading pod from cache: %w", err)
	}
	if !responsible(pod, s.name) {
		return resultSkipped, nil
	}
	node, ferr, err := s.decide(pod)
	if err != nil {
		return resultError, err
	}
	if ferr != nil {
		return resultUnschedulable, s.reportUnschedulable(ctx, pod, ferr)
	}
	binding := &corev1.Binding{
		ObjectMeta: metav1.ObjectMeta{Name: pod.Name, Namespace: pod.Namespace, UID: pod.UID},
		Target:     corev1.ObjectReference{Kind: "Node", Name: node},
	}
	if err := s.client.CoreV1().Pods(pod.Namespace).Bind(ctx, binding, metav1.CreateOptions{}); err != nil {
		s.forget(pod.UID)
		if apierrors.IsNotFound(err) || apierrors.IsConflict(err) {
			// Deleted, or bound by someone else: nothing left to do. A
			// UID conflict with a recreated pod brings a new add event.
			return resultSkipped, nil
		}
		return resultError, fmt.Errorf("binding pod to node %s: %w", node, err)
	}
	s.recorder.Eventf(pod, corev1.EventTypeNormal, "Scheduled", "Successfully assigned %s/%s to %s", pod.Namespace, pod.Name, node)
	s.log.Debug("bound pod", "pod", key, "node", node)
	return resultScheduled, nil
}

// decide picks a node on a snapshot of the caches plus the assumed pods, and
// assumes the pod on the node it picks.
func (s *Scheduler) decide(pod *corev1.Pod) (string, *fitError, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	nodes, err := s.nodes.List(labels.Everything())
	if err != nil {
		return "", nil, fmt.Errorf("listing nodes from cache: %w", err)
	}
	pods, err := s.podLister.List(labels.Everything())
	if err != nil {
		return "", nil, fmt.Errorf("listing pods from cache: %w", err)
	}
	placed := make([]placement, 0, len(pods)+len(s.assumed))
	for _, p := range pods {
		if occupies(p) {
			placed = append(placed, placementOf(p, p.Spec.NodeName))
		}
	}
	now := s.now()
	for uid, a := range s.assumed {
		if now.Sub(a.at) > assumeTTL {
			delete(s.assumed, uid)
			continue
		}
		ns, name, _ := cache.SplitMetaNamespaceKey(a.key)
		if cached, err := s.podLister.Pods(ns).Get(name); err == nil && cached.UID == uid && cached.Spec.NodeName != "" {
			delete(s.assumed, uid) // already counted from the cache
			continue
		}
		placed = append(placed, a.place)
	}
	node, ferr := schedule(pod, nodes, placed)
	if ferr != nil {
		return "", ferr, nil
	}
	s.assumed[pod.UID] = assumption{key: cache.MetaObjectToName(pod).String(), place: placementOf(pod, node), at: now}
	return node, nil, nil
}

// reportUnschedulable records why the pod fits nowhere: a FailedScheduling
// event, and the PodScheduled=False condition unless it already says so.
func (s *Scheduler) reportUnschedulable(ctx context.Context, pod *corev1.Pod, ferr *fitError) error {
	msg := ferr.Error()
	s.recorder.Event(pod, corev1.EventTypeWarning, "FailedScheduling", msg)
	cond := corev1.PodCondition{
		Type: corev1.PodScheduled, Status: corev1.ConditionFalse,
		Reason: corev1.PodReasonUnschedulable, Message: msg,
	}
	cp := pod.DeepCopy()
	if !setCondition(&cp.Status, cond, metav1.NewTime(s.now())) {
		return nil
	}
	if _, err := s.client.CoreV1().Pods(pod.Namespace).UpdateStatus(ctx, cp, metav1.UpdateOptions{}); err != nil && !apierrors.IsNotFound(err) {
		return fmt.Errorf("setting PodScheduled condition: %w", err)
	}
	return nil
}

// setCondition puts c into the status and reports whether anything changed.
// The transition time moves only when the condition's status does.
func setCondition(st *corev1.PodStatus, c corev1.PodCondition, now metav1.Time) bool {
	for i := range st.Conditions {
		cur := &st.Conditions[i]
		if cur.Type != c.Type {
			continue
		}
		if cur.Status == c.Status && cur.Reason == c.Reason && cur.Message == c.Message {
			return false
		}
		c.LastTransitionTime = cur.LastTransitionTime
		if cur.Status != c.Status {
			c.LastTransitionTime = now
		}
		c.LastProbeTime = now
		*cur = c
		return true
	}
	c.LastTransitionTime, c.LastProbeTime = now, now
	st.Conditions = append(st.Conditions, c)
	return true
}
