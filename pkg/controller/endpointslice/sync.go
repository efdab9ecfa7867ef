package endpointslice

import (
	"context"
	"fmt"

	"golang.org/x/time/rate"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/tools/cache"

	"github.com/svcnet/svcnet/pkg/controller/endpointslice/endpointutil"
)

// sync brings one Service's slices to the desired state. It reads only
// the informer caches and writes only what the plan says.
func (c *Controller) sync(ctx context.Context, key string) error {
	ns, name, err := cache.SplitMetaNamespaceKey(key)
	if err != nil {
		return nil // not a key this controller enqueued; nothing to retry
	}
	nn := types.NamespacedName{Namespace: ns, Name: name}
	svc, err := c.services.Services(ns).Get(name)
	switch {
	case apierrors.IsNotFound(err):
		svc = nil
	case err != nil:
		return fmt.Errorf("reading service %s from the cache: %w", key, err)
	}
	existing := c.managedSlices(nn)
	if c.tracker.Stale(nn, existing) {
		return errStaleCache
	}
	if svc == nil || !endpointutil.WantsEndpoints(svc) {
		if svc == nil {
			c.triggers.Delete(nn)
		}
		return c.apply(ctx, nn, svc, DeleteAll(existing))
	}

	pods, err := c.pods.Pods(ns).List(labels.SelectorFromValidatedSet(svc.Spec.Selector))
	if err != nil {
		return fmt.Errorf("listing pods of service %s: %w", key, err)
	}
	trigger, commit := c.triggers.Compute(svc, pods)
	plan := Reconcile(Input{
		Service:              svc,
		Pods:                 pods,
		Existing:             existing,
		NodeZone:             c.nodeZone,
		MaxEndpointsPerSlice: c.max,
		TriggerTime:          trigger,
	})
	if err := c.apply(ctx, nn, svc, plan); err != nil {
		c.recorder.Eventf(svc, corev1.EventTypeWarning, "FailedToUpdateEndpointSlices",
			"Error updating Endpoint Slices for Service %s/%s: %v", ns, name, err)
		return err
	}
	commit()
	return nil
}

// managedSlices returns the cached slices this controller manages for a
// Service.
func (c *Controller) managedSlices(nn types.NamespacedName) []*discoveryv1.EndpointSlice {
	objs, err := c.slices.ByIndex(sliceIndex, nn.String())
	if err != nil {
		return nil
	}
	out := make([]*discoveryv1.EndpointSlice, 0, len(objs))
	for _, o := range objs {
		if s, ok := o.(*discoveryv1.EndpointSlice); ok {
			out = append(out, s)
		}
	}
	return out
}

func (c *Controller) nodeZone(name string) string {
	n, err := c.nodes.Get(name)
	if err != nil {
		return ""
	}
	return n.Labels[corev1.LabelTopologyZone]
}

// apply performs a plan: creates first, then updates, then deletes, so
// that an endpoint moving between slices is never absent. No slice is
// created for a Service that is being deleted. Every write is recorded in
// the tracker.
func (c *Controller) apply(ctx context.Context, nn types.NamespacedName, svc *corev1.Service, plan Plan) error {
	client := c.client.DiscoveryV1().EndpointSlices(nn.Namespace)
	if svc != nil && svc.DeletionTimestamp == nil {
		for _, s := range plan.Create {
			created, err := client.Create(ctx, s, metav1.CreateOptions{})
			if err != nil {
				if apierrors.HasStatusCause(err, corev1.NamespaceTerminatingCause) {
					return nil // creates keep failing until the namespace is gone
				}
				return fmt.Errorf("creating an endpointslice for service %s: %w", nn, err)
			}
			c.tracker.Update(created)
			c.metrics.changes.WithLabelValues("create").Inc()
		}
	}
	for _, s := range plan.Update {
		updated, err := client.Update(ctx, s, metav1.UpdateOptions{})
		if err != nil {
			return fmt.Errorf("updating endpointslice %s/%s: %w", nn.Namespace, s.Name, err)
		}
		c.tracker.Update(updated)
		c.metrics.changes.WithLabelValues("update").Inc()
	}
	for _, s := range plan.Delete {
		uid := s.UID
		err := client.Delete(ctx, s.Name, metav1.DeleteOptions{Preconditions: &metav1.Preconditions{UID: &uid}})
		if apierrors.IsNotFound(err) {
			continue
		}
		if err != nil {
			return fmt.Errorf("deleting endpointslice %s/%s: %w", nn.Namespace, s.Name, err)
		}
		c.tracker.ExpectDeletion(s)
		c.metrics.changes.WithLabelValues("delete").Inc()
	}
	return nil
}

// newBucket is the overall retry rate limit: 10 per second, bursts of 100.
func newBucket() *rate.Limiter { return rate.NewLimiter(rate.Limit(10), 100) }
