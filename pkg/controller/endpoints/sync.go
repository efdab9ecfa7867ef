package endpoints

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/tools/cache"

	"github.com/svcnet/svcnet/pkg/controller/endpointslice/endpointutil"
)

// sync brings one Service's Endpoints object to the desired state.
func (c *Controller) sync(ctx context.Context, key string) error {
	ns, name, err := cache.SplitMetaNamespaceKey(key)
	if err != nil {
		return nil // not a key this controller enqueued
	}
	if ns == metav1.NamespaceDefault && name == "kubernetes" {
		return nil // the API server maintains its own Endpoints
	}
	svc, err := c.services.Services(ns).Get(name)
	if apierrors.IsNotFound(err) {
		return c.deleteEndpoints(ctx, ns, name)
	}
	if err != nil {
		return fmt.Errorf("reading service %s from the cache: %w", key, err)
	}
	if !endpointutil.WantsEndpoints(svc) {
		// Selectorless Services get their Endpoints from users;
		// ExternalName Services have none.
		return nil
	}
	pods, err := c.pods.Pods(ns).List(labels.SelectorFromValidatedSet(svc.Spec.Selector))
	if err != nil {
		return fmt.Errorf("listing pods of service %s: %w", key, err)
	}
	cur, err := c.endpoints.Endpoints(ns).Get(name)
	switch {
	case apierrors.IsNotFound(err):
		cur = nil
	case err != nil:
		return fmt.Errorf("reading endpoints %s from the cache: %w", key, err)
	case c.written.stale(cur):
		return errStaleCache
	}
	trigger, commit := c.triggers.Compute(svc, pods)
	want, action := Reconcile(Input{Service: svc, Pods: pods, Current: cur, TriggerTime: trigger})
	var written *corev1.Endpoints
	switch action {
	case ActionNone:
		commit()
		return nil
	case ActionCreate:
		written, err = c.client.CoreV1().Endpoints(ns).Create(ctx, want, metav1.CreateOptions{})
		if apierrors.HasStatusCause(err, corev1.NamespaceTerminatingCause) {
			return nil
		}
	case ActionUpdate:
		written, err = c.client.CoreV1().Endpoints(ns).Update(ctx, want, metav1.UpdateOptions{})
	}
	if err != nil {
		c.recorder.Eventf(svc, corev1.EventTypeWarning, "FailedToUpdateEndpoint",
			"Failed to %s endpoints %s/%s: %v", action, ns, name, err)
		return fmt.Errorf("writing endpoints %s (%s): %w", key, action, err)
	}
	c.written.record(written)
	c.metrics.changes.WithLabelValues(action.String()).Inc()
	commit()
	return nil
}

// deleteEndpoints removes the Endpoints of a deleted Service, as
// Kubernetes does.
func (c *Controller) deleteEndpoints(ctx context.Context, ns, name string) error {
	key := ns + "/" + name
	err := c.client.CoreV1().Endpoints(ns).Delete(ctx, name, metav1.DeleteOptions{})
	if err != nil && !apierrors.IsNotFound(err) {
		return fmt.Errorf("deleting endpoints %s of a deleted service: %w", key, err)
	}
	if err == nil {
		c.metrics.changes.WithLabelValues("delete").Inc()
	}
	c.written.forget(key)
	c.triggers.Delete(types.NamespacedName{Namespace: ns, Name: name})
	return nil
}
