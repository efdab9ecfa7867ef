package endpointslicemirroring

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/tools/cache"

	"github.com/svcnet/svcnet/pkg/controller/endpointslice/endpointutil"
)

// sync mirrors one Endpoints object, or removes its mirrored slices when
// it should not be mirrored (any more).
func (c *Controller) sync(ctx context.Context, key string) error {
	ns, name, err := cache.SplitMetaNamespaceKey(key)
	if err != nil {
		return nil // not a key this controller enqueued
	}
	nn := types.NamespacedName{Namespace: ns, Name: name}
	existing := c.mirroredSlices(nn)
	if c.tracker.Stale(nn, existing) {
		return errStaleCache
	}
	ep, err := c.endpoints.Endpoints(ns).Get(name)
	switch {
	case apierrors.IsNotFound(err):
		return c.apply(ctx, nn, nil, Plan{Delete: existing})
	case err != nil:
		return fmt.Errorf("reading endpoints %s from the cache: %w", key, err)
	}
	if !shouldMirror(ep) {
		return c.apply(ctx, nn, nil, Plan{Delete: existing})
	}
	svc, err := c.services.Services(ns).Get(name)
	switch {
	case apierrors.IsNotFound(err):
		return c.apply(ctx, nn, nil, Plan{Delete: existing})
	case err != nil:
		return fmt.Errorf("reading service %s from the cache: %w", key, err)
	case endpointutil.HasSelector(svc):
		// The EndpointSlice controller owns this Service's slices.
		return c.apply(ctx, nn, nil, Plan{Delete: existing})
	}
	res := Reconcile(Input{Endpoints: ep, Existing: existing, MaxEndpointsPerSubset: c.max})
	if res.Invalid > 0 {
		c.recorder.Eventf(ep, corev1.EventTypeWarning, "InvalidIPAddress",
			"Skipped %d invalid IP addresses when mirroring to EndpointSlices", res.Invalid)
	}
	if res.Skipped > 0 {
		c.recorder.Eventf(ep, corev1.EventTypeWarning, "TooManyAddressesToMirror",
			"A max of %d addresses can be mirrored to EndpointSlices per Endpoints subset. %d addresses were skipped", c.max, res.Skipped)
	}
	c.metrics.skipped.Add(float64(res.Invalid + res.Skipped))
	return c.apply(ctx, nn, ep, res.Plan)
}

// mirroredSlices returns the cached slices mirrored for an Endpoints
// object.
func (c *Controller) mirroredSlices(nn types.NamespacedName) []*discoveryv1.EndpointSlice {
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

// apply performs a plan, creates first and deletes last. Nothing is
// created for an Endpoints object that is being deleted (or for none).
func (c *Controller) apply(ctx context.Context, nn types.NamespacedName, ep *corev1.Endpoints, plan Plan) error {
	client := c.client.DiscoveryV1().EndpointSlices(nn.Namespace)
	if ep != nil && ep.DeletionTimestamp == nil {
		for _, s := range plan.Create {
			created, err := client.Create(ctx, s, metav1.CreateOptions{})
			if err != nil {
				if apierrors.HasStatusCause(err, corev1.NamespaceTerminatingCause) {
					return nil
				}
				return fmt.Errorf("creating a mirrored endpointslice for %s: %w", nn, err)
			}
			c.tracker.Update(created)
			c.metrics.changes.WithLabelValues("create").Inc()
		}
	}
	for _, s := range plan.Update {
		updated, err := client.Update(ctx, s, metav1.UpdateOptions{})
		if err != nil {
			return fmt.Errorf("updating mirrored endpointslice %s/%s: %w", nn.Namespace, s.Name, err)
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
			return fmt.Errorf("deleting mirrored endpointslice %s/%s: %w", nn.Namespace, s.Name, err)
		}
		c.tracker.ExpectDeletion(s)
		c.metrics.changes.WithLabelValues("delete").Inc()
	}
	return nil
}
