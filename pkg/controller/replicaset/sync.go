package replicaset

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/tools/cache"
)

// sync reconciles one ReplicaSet. It returns how long to wait before the
// next look when time alone will change the status (minReadySeconds).
func (c *Controller) sync(ctx context.Context, key string) (time.Duration, error) {
	ns, name, err := cache.SplitMetaNamespaceKey(key)
	if err != nil {
		return 0, nil // malformed keys never heal
	}
	rs, err := c.rsLister.ReplicaSets(ns).Get(name)
	if apierrors.IsNotFound(err) {
		c.exp.forget(key)
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("reading replicaset from cache: %w", err)
	}
	needsSync := c.exp.satisfied(key)
	pods, err := c.podLister.Pods(ns).List(labels.Everything())
	if err != nil {
		return 0, fmt.Errorf("listing pods from cache: %w", err)
	}
	now := c.now()
	r := reconcile(rs, pods, c.related(rs, pods), needsSync, c.burst, now)
	if r.invalid != nil {
		if rs.Status.ObservedGeneration != rs.Generation {
			c.recorder.Eventf(rs, corev1.EventTypeWarning, "InvalidSelector", "Not managing pods: %v", r.invalid)
		}
		return 0, c.writeStatus(ctx, rs, r.status)
	}
	active, err := c.applyClaims(ctx, rs, r.claims)
	if err != nil {
		return 0, err
	}
	var manageErr error
	if needsSync && rs.DeletionTimestamp == nil {
		p := r.plan
		if len(active) != len(r.owned)+len(r.adopt) {
			p = manage(rs, active, c.related(rs, pods), c.burst) // some pods vanished while being adopted
		}
		manageErr = c.apply(ctx, rs, key, p)
	}
	st, wake := computeStatus(rs, active, r.terminating, manageErr, now)
	if err := c.writeStatus(ctx, rs, st); err != nil {
		return 0, errors.Join(manageErr, err)
	}
	return wake, manageErr
}

// related returns the active pods of the ReplicaSet and of its siblings (the
// ReplicaSets that share its controller, such as the old and new
// ReplicaSets of one Deployment).
func (c *Controller) related(rs *appsv1.ReplicaSet, pods []*corev1.Pod) []*corev1.Pod {
	owners := map[types.UID]bool{rs.UID: true}
	if ref := metav1.GetControllerOfNoCopy(rs); ref != nil {
		if all, err := c.rsLister.ReplicaSets(rs.Namespace).List(labels.Everything()); err == nil {
			for _, other := range all {
				if r := metav1.GetControllerOfNoCopy(other); r != nil && r.UID == ref.UID {
					owners[other.UID] = true
				}
			}
		}
	}
	var out []*corev1.Pod
	for _, p := range pods {
		if ref := metav1.GetControllerOfNoCopy(p); ref != nil && owners[ref.UID] && isActive(p) {
			out = append(out, p)
		}
	}
	return out
}

// applyClaims adopts and releases pods and returns the active pods the
// ReplicaSet owns afterwards.
func (c *Controller) applyClaims(ctx context.Context, rs *appsv1.ReplicaSet, cl claims) ([]*corev1.Pod, error) {
	active := append([]*corev1.Pod(nil), cl.owned...)
	var errs []error
	if len(cl.adopt) > 0 {
		if err := c.canAdopt(ctx, rs); err != nil {
			return nil, err
		}
		ref, _ := json.Marshal(metav1.NewControllerRef(rs, controllerKind))
		for _, p := range cl.adopt {
			patch := fmt.Sprintf(`{"metadata":{"ownerReferences":[%s],"uid":%q}}`, ref, p.UID)
			_, err := c.client.CoreV1().Pods(p.Namespace).Patch(ctx, p.Name, types.StrategicMergePatchType, []byte(patch), metav1.PatchOptions{})
			switch {
			case err == nil:
				active = append(active, p)
				c.log.Debug("adopted pod", "replicaset", keyOf(rs), "pod", p.Name)
			case !apierrors.IsNotFound(err):
				errs = append(errs, fmt.Errorf("adopting pod %s: %w", p.Name, err))
			}
		}
	}
	for _, p := range cl.release {
		patch := fmt.Sprintf(`{"metadata":{"ownerReferences":[{"$patch":"delete","uid":%q}],"uid":%q}}`, rs.UID, p.UID)
		_, err := c.client.CoreV1().Pods(p.Namespace).Patch(ctx, p.Name, types.StrategicMergePatchType, []byte(patch), metav1.PatchOptions{})
		switch {
		case err == nil:
			c.log.Debug("released pod", "replicaset", keyOf(rs), "pod", p.Name)
		case !apierrors.IsNotFound(err) && !apierrors.IsInvalid(err):
			errs = append(errs, fmt.Errorf("releasing pod %s: %w", p.Name, err))
		}
	}
	return active, errors.Join(errs...)
}

// canAdopt rechecks with a live read that the ReplicaSet is still the object
// the cache showed and is not being deleted, so that a stale cache never
// adopts pods for a ReplicaSet that is gone.
func (c *Controller) canAdopt(ctx context.Context, rs *appsv1.ReplicaSet) error {
	fresh, err := c.client.AppsV1().ReplicaSets(rs.Namespace).Get(ctx, rs.Name, metav1.GetOptions{})
	if err != nil {
		return fmt.Errorf("rechecking replicaset before adoption: %w", err)
	}
	if fresh.UID != rs.UID {
		return fmt.Errorf("replicaset %s was recreated (uid %s, cached %s), not adopting", keyOf(rs), fresh.UID, rs.UID)
	}
	if fresh.DeletionTimestamp != nil {
		return fmt.Errorf("replicaset %s is being deleted, not adopting", keyOf(rs))
	}
	return nil
}

// apply carries out a plan of creations or deletions.
func (c *Controller) apply(ctx context.Context, rs *appsv1.ReplicaSet, key string, p plan) error {
	switch {
	case p.create > 0:
		return c.createPods(ctx, rs, key, p.create)
	case len(p.delete) > 0:
		return c.deletePods(ctx, rs, key, p.delete)
	}
	return nil
}

// createPods creates n pods in batches of 1, 2, 4, ...: a ReplicaSet whose
// pods are all rejected (quota, admission) fails after one request, not n.
func (c *Controller) createPods(ctx context.Context, rs *appsv1.ReplicaSet, key string, n int) error {
	c.exp.expectCreations(key, n)
	done, err := slowStart(n, 1, func() error { return c.createPod(ctx, rs, key) })
	for range n - done {
		// Skipped or failed creations will never be observed.
		c.exp.creationObserved(key)
	}
	if err != nil {
		return err
	}
	c.log.Debug("created pods", "replicaset", key, "count", n)
	return nil
}

func (c *Controller) createPod(ctx context.Context, rs *appsv1.ReplicaSet, key string) error {
	created, err := c.client.CoreV1().Pods(rs.Namespace).Create(ctx, newPod(rs), metav1.CreateOptions{})
	if err != nil {
		if apierrors.HasStatusCause(err, corev1.NamespaceTerminatingCause) {
			c.exp.creationObserved(key) // nothing to wait for; later creations fail the same way
			return nil
		}
		c.recorder.Eventf(rs, corev1.EventTypeWarning, "FailedCreate", "Error creating: %v", err)
		return fmt.Errorf("creating pod: %w", err)
	}
	c.metrics.podsCreated.Inc()
	c.recorder.Eventf(rs, corev1.EventTypeNormal, "SuccessfulCreate", "Created pod: %v", created.Name)
	return nil
}

// slowStart calls fn count times, in batches that start at initial and
// double while every call succeeds. It returns the number of successful
// calls and the first error.
func slowStart(count, initial int, fn func() error) (int, error) {
	done := 0
	for batch := min(count, initial); batch > 0; batch = min(2*batch, count-done) {
		errs := make(chan error, batch)
		var wg sync.WaitGroup
		for range batch {
			wg.Go(func() {
				if err := fn(); err != nil {
					errs <- err
				}
			})
		}
		wg.Wait()
		close(errs)
		done += batch - len(errs)
		if err, failed := <-errs; failed {
			return done, err
		}
	}
	return done, nil
}

// deletePods deletes the chosen pods in parallel.
func (c *Controller) deletePods(ctx context.Context, rs *appsv1.ReplicaSet, key string, pods []*corev1.Pod) error {
	keys := make([]string, len(pods))
	for i, p := range pods {
		keys[i] = podKey(p)
	}
	c.exp.expectDeletions(key, keys)
	var (
		mu   sync.Mutex
		errs []error
		wg   sync.WaitGroup
	)
	for _, p := range pods {
		wg.Go(func() {
			uid := p.UID
			err := c.client.CoreV1().Pods(p.Namespace).Delete(ctx, p.Name, metav1.DeleteOptions{Preconditions: &metav1.Preconditions{UID: &uid}})
			if err == nil {
				c.metrics.podsDeleted.Inc()
				c.recorder.Eventf(rs, corev1.EventTypeNormal, "SuccessfulDelete", "Deleted pod: %v", p.Name)
				return
			}
			// The deletion will not be observed through this request.
			c.exp.deletionObserved(key, podKey(p))
			if apierrors.IsNotFound(err) || apierrors.IsConflict(err) {
				return // already gone (or replaced by a pod of the same name)
			}
			c.recorder.Eventf(rs, corev1.EventTypeWarning, "FailedDelete", "Error deleting: %v", err)
			mu.Lock()
			errs = append(errs, fmt.Errorf("deleting pod %s: %w", p.Name, err))
			mu.Unlock()
		})
	}
	wg.Wait()
	return errors.Join(errs...)
}

// writeStatus stores st unless it would change nothing.
func (c *Controller) writeStatus(ctx context.Context, rs *appsv1.ReplicaSet, st appsv1.ReplicaSetStatus) error {
	if statusEqual(rs, st) {
		return nil
	}
	cp := rs.DeepCopy()
	cp.Status = st
	if _, err := c.client.AppsV1().ReplicaSets(rs.Namespace).UpdateStatus(ctx, cp, metav1.UpdateOptions{}); err != nil {
		return fmt.Errorf("updating replicaset status: %w", err)
	}
	return nil
}
