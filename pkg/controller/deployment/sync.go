package deployment

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/tools/cache"
)

// selectorOf returns a Deployment's selector; an empty one is an error, as
// it would select every pod in the namespace.
func selectorOf(d *appsv1.Deployment) (labels.Selector, error) {
	if d.Spec.Selector == nil || (len(d.Spec.Selector.MatchLabels) == 0 && len(d.Spec.Selector.MatchExpressions) == 0) {
		return nil, errors.New("empty selector")
	}
	return metav1.LabelSelectorAsSelector(d.Spec.Selector)
}

// rsClaims is what a Deployment makes of the ReplicaSets in its namespace.
type rsClaims struct {
	owned, adopt, release []*appsv1.ReplicaSet
}

// claimReplicaSets sorts ReplicaSets like pods are sorted for ReplicaSets:
// owned and matching, orphans to adopt, owned but no longer matching to
// release. A Deployment being deleted neither adopts nor releases.
func claimReplicaSets(d *appsv1.Deployment, sel labels.Selector, rss []*appsv1.ReplicaSet) rsClaims {
	var c rsClaims
	deleting := d.DeletionTimestamp != nil
	for _, rs := range rss {
		ref := metav1.GetControllerOfNoCopy(rs)
		match := sel.Matches(labels.Set(rs.Labels))
		switch {
		case ref != nil && ref.UID != d.UID:
		case ref != nil && match:
			c.owned = append(c.owned, rs)
		case ref != nil && !deleting:
			c.release = append(c.release, rs)
		case ref == nil && match && !deleting && rs.DeletionTimestamp == nil:
			c.adopt = append(c.adopt, rs)
		}
	}
	return c
}

// sync reconciles one Deployment and returns when to look again for the
// progress deadline.
func (c *Controller) sync(ctx context.Context, key string) (time.Duration, error) {
	ns, name, err := cache.SplitMetaNamespaceKey(key)
	if err != nil {
		return 0, nil
	}
	d, err := c.dLister.Deployments(ns).Get(name)
	if apierrors.IsNotFound(err) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("reading deployment from cache: %w", err)
	}
	sel, err := selectorOf(d)
	if err != nil {
		// The API server's validation rejects such Deployments; this is
		// for servers that do not validate.
		if d.Status.ObservedGeneration < d.Generation {
			c.recorder.Eventf(d, corev1.EventTypeWarning, "SelectingAll", "This deployment is selecting all pods. A non-empty selector is required.")
			cp := d.DeepCopy()
			cp.Status.ObservedGeneration = d.Generation
			if _, err := c.client.AppsV1().Deployments(ns).UpdateStatus(ctx, cp, metav1.UpdateOptions{}); err != nil {
				return 0, fmt.Errorf("updating deployment status: %w", err)
			}
		}
		return 0, nil
	}
	all, err := c.rsLister.ReplicaSets(ns).List(labels.Everything())
	if err != nil {
		return 0, fmt.Errorf("listing replicasets from cache: %w", err)
	}
	owned, err := c.applyClaims(ctx, d, claimReplicaSets(d, sel, all))
	if err != nil {
		return 0, err
	}
	podMap, err := c.podMap(d, sel, owned)
	if err != nil {
		return 0, err
	}
	s := plan(d, owned, podMap, c.now())
	if err := c.execute(ctx, d, s); err != nil {
		return 0, err
	}
	return s.requeueAfter, nil
}

// podMap groups the Deployment's pods by the UID of the ReplicaSet that
// controls them.
func (c *Controller) podMap(d *appsv1.Deployment, sel labels.Selector, rss []*appsv1.ReplicaSet) (map[types.UID][]*corev1.Pod, error) {
	pods, err := c.podLister.Pods(d.Namespace).List(sel)
	if err != nil {
		return nil, fmt.Errorf("listing pods from cache: %w", err)
	}
	m := make(map[types.UID][]*corev1.Pod, len(rss))
	for _, rs := range rss {
		m[rs.UID] = nil
	}
	for _, p := range pods {
		ref := metav1.GetControllerOfNoCopy(p)
		if ref == nil {
			continue
		}
		if list, ok := m[ref.UID]; ok {
			m[ref.UID] = append(list, p)
		}
	}
	return m, nil
}

// applyClaims adopts and releases ReplicaSets and returns those the
// Deployment controls afterwards.
func (c *Controller) applyClaims(ctx context.Context, d *appsv1.Deployment, cl rsClaims) ([]*appsv1.ReplicaSet, error) {
	owned := append([]*appsv1.ReplicaSet(nil), cl.owned...)
	var errs []error
	if len(cl.adopt) > 0 {
		fresh, err := c.client.AppsV1().Deployments(d.Namespace).Get(ctx, d.Name, metav1.GetOptions{})
		if err != nil {
			return nil, fmt.Errorf("rechecking deployment before adoption: %w", err)
		}
		if fresh.UID != d.UID || fresh.DeletionTimestamp != nil {
			return nil, fmt.Errorf("deployment %s/%s was recreated or is being deleted, not adopting: %w", d.Namespace, d.Name, errCacheLag)
		}
		ref, _ := json.Marshal(metav1.NewControllerRef(d, controllerKind))
		for _, rs := range cl.adopt {
			patch := fmt.Sprintf(`{"metadata":{"ownerReferences":[%s],"uid":%q}}`, ref, rs.UID)
			_, err := c.client.AppsV1().ReplicaSets(rs.Namespace).Patch(ctx, rs.Name, types.StrategicMergePatchType, []byte(patch), metav1.PatchOptions{})
			switch {
			case err == nil:
				owned = append(owned, rs)
			case !apierrors.IsNotFound(err):
				errs = append(errs, fmt.Errorf("adopting replicaset %s: %w", rs.Name, err))
			}
		}
	}
	for _, rs := range cl.release {
		patch := fmt.Sprintf(`{"metadata":{"ownerReferences":[{"$patch":"delete","uid":%q}],"uid":%q}}`, d.UID, rs.UID)
		_, err := c.client.AppsV1().ReplicaSets(rs.Namespace).Patch(ctx, rs.Name, types.StrategicMergePatchType, []byte(patch), metav1.PatchOptions{})
		if err != nil && !apierrors.IsNotFound(err) && !apierrors.IsInvalid(err) {
			errs = append(errs, fmt.Errorf("releasing replicaset %s: %w", rs.Name, err))
		}
	}
	return owned, errors.Join(errs...)
}

// execute carries out a plan: the ReplicaSet writes in order, each
// followed by its events, then the Deployment's annotations and status. It
// stops at the first error; the retry plans again from fresh caches.
func (c *Controller) execute(ctx context.Context, d *appsv1.Deployment, s *state) error {
	for _, o := range s.ops {
		if err := c.write(ctx, d, o); err != nil {
			return err
		}
		c.metrics.writes.WithLabelValues(o.kind.String()).Inc()
		for _, e := range o.events {
			c.recorder.Event(d, e.kind, e.reason, e.message)
		}
	}
	if reflect.DeepEqual(d.Annotations, s.d.Annotations) && reflect.DeepEqual(d.Status, s.d.Status) {
		return nil
	}
	cp := d.DeepCopy()
	cp.Annotations = s.d.Annotations
	cp.Status = s.d.Status
	// Status writes may carry annotations, as in Kubernetes: the revision
	// annotation and the status change together.
	if _, err := c.client.AppsV1().Deployments(d.Namespace).UpdateStatus(ctx, cp, metav1.UpdateOptions{}); err != nil {
		return fmt.Errorf("updating deployment status: %w", err)
	}
	return nil
}

func (c *Controller) write(ctx context.Context, d *appsv1.Deployment, o *op) error {
	rsClient := c.client.AppsV1().ReplicaSets(o.rs.Namespace)
	switch o.kind {
	case opCreate:
		_, err := rsClient.Create(ctx, o.rs, metav1.CreateOptions{})
		switch {
		case err == nil:
			return nil
		case apierrors.IsAlreadyExists(err):
			return c.onNameTaken(ctx, d, o.rs)
		}
		msg := fmt.Sprintf("Failed to create new replica set %q: %v", o.rs.Name, err)
		c.recorder.Event(d, corev1.EventTypeWarning, ReasonRSCreateError, msg)
		if hasProgressDeadline(withDefaults(d)) {
			cp := d.DeepCopy()
			setCondition(&cp.Status, newCondition(appsv1.DeploymentProgressing, corev1.ConditionFalse, ReasonRSCreateError, msg, c.now()))
			if _, uerr := c.client.AppsV1().Deployments(d.Namespace).UpdateStatus(ctx, cp, metav1.UpdateOptions{}); uerr != nil {
				err = errors.Join(err, fmt.Errorf("updating deployment status: %w", uerr))
			}
		}
		return fmt.Errorf("creating replicaset %s: %w", o.rs.Name, err)
	case opUpdate:
		if _, err := rsClient.Update(ctx, o.rs, metav1.UpdateOptions{}); err != nil {
			return fmt.Errorf("updating replicaset %s: %w", o.rs.Name, err)
		}
	case opDelete:
		uid := o.rs.UID
		err := rsClient.Delete(ctx, o.rs.Name, metav1.DeleteOptions{Preconditions: &metav1.Preconditions{UID: &uid}})
		if err != nil && !apierrors.IsNotFound(err) && !apierrors.IsConflict(err) {
			return fmt.Errorf("deleting old replicaset %s: %w", o.rs.Name, err)
		}
	}
	return nil
}

// onNameTaken handles a new ReplicaSet whose name already exists. If it is
// ours and has the same template, the cache simply has not shown it yet.
// Otherwise the hash collides with another template: the collision count
// goes up, which changes the hash, and the next sync tries a new name.
func (c *Controller) onNameTaken(ctx context.Context, d *appsv1.Deployment, want *appsv1.ReplicaSet) error {
	have, err := c.client.AppsV1().ReplicaSets(want.Namespace).Get(ctx, want.Name, metav1.GetOptions{})
	if err != nil {
		return fmt.Errorf("reading existing replicaset %s: %w", want.Name, err)
	}
	if metav1.IsControlledBy(have, d) && equalIgnoreHash(&have.Spec.Template, &d.Spec.Template) {
		return fmt.Errorf("replicaset %s exists: %w", want.Name, errCacheLag)
	}
	cp := d.DeepCopy()
	n := int32(1)
	if cp.Status.CollisionCount != nil {
		n = *cp.Status.CollisionCount + 1
	}
	cp.Status.CollisionCount = &n
	if _, err := c.client.AppsV1().Deployments(d.Namespace).UpdateStatus(ctx, cp, metav1.UpdateOptions{}); err != nil {
		return fmt.Errorf("raising collision count: %w", err)
	}
	return fmt.Errorf("replicaset name %s taken by another template, collision count now %d: %w", want.Name, n, errCacheLag)
}
