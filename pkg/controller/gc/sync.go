package gc

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
)

// sync acts on one object: as an owner being deleted with a propagation
// finalizer, or as a dependent whose owners may be gone.
func (c *Controller) sync(ctx context.Context, uid types.UID) error {
	n, ok := c.graph.get(uid)
	if !ok {
		return nil
	}
	if n.deleting {
		return c.syncOwner(ctx, n)
	}
	if len(n.owners) == 0 {
		return nil
	}
	states := map[types.UID]ownerState{}
	for _, r := range n.owners {
		s, err := c.ownerState(ctx, n, r)
		if err != nil {
			return err
		}
		states[r.UID] = s
	}
	a := decideDependent(n, states, c.graph.hasBlockingDependents(uid))
	switch a.Kind {
	case actDelete:
		c.log.Info("deleting dependent", "resource", n.ref.GVR.Resource, "namespace", n.ref.Namespace, "name", n.ref.Name, "propagation", a.Policy)
		return c.delete(ctx, n, a.Policy)
	case actSetOwners:
		c.log.Info("dropping owner references", "resource", n.ref.GVR.Resource, "namespace", n.ref.Namespace, "name", n.ref.Name, "kept", len(a.Owners))
		return c.setOwners(ctx, n, a.Owners)
	}
	return nil
}

// syncOwner orphans or deletes the dependents of an object being deleted,
// then removes the finalizer that made its deletion wait.
func (c *Controller) syncOwner(ctx context.Context, n node) error {
	p := decideOwner(n, c.graph.dependentsOf(n.ref.UID))
	var errs []error
	for _, d := range p.Orphan {
		c.log.Info("orphaning dependent", "resource", d.ref.GVR.Resource, "namespace", d.ref.Namespace, "name", d.ref.Name, "owner", n.ref.Name)
		if err := c.setOwners(ctx, d, withoutOwner(d.owners, n.ref.UID)); err != nil {
			errs = append(errs, err)
		}
	}
	for _, d := range p.Delete {
		c.queue.Add(d.ref.UID)
	}
	if len(errs) > 0 {
		return errors.Join(errs...)
	}
	if p.RemoveFinalizer == "" {
		return nil
	}
	c.log.Info("removing finalizer", "resource", n.ref.GVR.Resource, "namespace", n.ref.Namespace, "name", n.ref.Name, "finalizer", p.RemoveFinalizer)
	return c.patch(ctx, n, []jsonPatchOp{
		{Op: "test", Path: "/metadata/uid", Value: n.ref.UID},
		{Op: "test", Path: "/metadata/finalizers", Value: n.finalizers},
		replaceOrRemove("/metadata/finalizers", without(n.finalizers, p.RemoveFinalizer)),
	})
}

// ownerState looks the owner up live, never in the cache: acting on a
// stale cache could delete an object whose owner exists.
func (c *Controller) ownerState(ctx context.Context, dep node, r metav1.OwnerReference) (ownerState, error) {
	gv, err := schema.ParseGroupVersion(r.APIVersion)
	if err != nil {
		return ownerDangling, fmt.Errorf("parsing owner apiVersion %q: %w", r.APIVersion, err)
	}
	gk := schema.GroupKind{Group: gv.Group, Kind: r.Kind}
	mapping, err := c.mapper.RESTMapping(gk, gv.Version)
	if meta.IsNoMatchError(err) {
		c.mapper.Reset()
		mapping, err = c.mapper.RESTMapping(gk, gv.Version)
	}
	if err != nil {
		return ownerDangling, fmt.Errorf("mapping owner kind %s: %w", gk, err)
	}
	ns := ""
	if mapping.Scope.Name() == meta.RESTScopeNameNamespace {
		ns = dep.ref.Namespace
	}
	obj, err := c.md.Resource(mapping.Resource).Namespace(ns).Get(ctx, r.Name, metav1.GetOptions{})
	switch {
	case apierrors.IsNotFound(err):
		return ownerDangling, nil
	case err != nil:
		return ownerDangling, fmt.Errorf("getting owner %s %s: %w", r.Kind, r.Name, err)
	case obj.UID != r.UID:
		return ownerDangling, nil
	case obj.DeletionTimestamp != nil && hasString(obj.Finalizers, metav1.FinalizerDeleteDependents):
		return ownerWaiting, nil
	}
	return ownerSolid, nil
}

// delete deletes n, only if it still has the UID we know.
func (c *Controller) delete(ctx context.Context, n node, policy metav1.DeletionPropagation) error {
	uid := n.ref.UID
	err := c.md.Resource(n.ref.GVR).Namespace(n.ref.Namespace).Delete(ctx, n.ref.Name, metav1.DeleteOptions{
		Preconditions:     &metav1.Preconditions{UID: &uid},
		PropagationPolicy: &policy,
	})
	if err != nil && !apierrors.IsNotFound(err) && !apierrors.IsConflict(err) {
		return fmt.Errorf("deleting %s %s/%s: %w", n.ref.GVR.Resource, n.ref.Namespace, n.ref.Name, err)
	}
	return nil
}

// setOwners replaces n's ownerReferences, provided they are still the
// ones we based the decision on.
func (c *Controller) setOwners(ctx context.Context, n node, owners []metav1.OwnerReference) error {
	return c.patch(ctx, n, []jsonPatchOp{
		{Op: "test", Path: "/metadata/uid", Value: n.ref.UID},
		{Op: "test", Path: "/metadata/ownerReferences", Value: n.owners},
		replaceOrRemove("/metadata/ownerReferences", owners),
	})
}

type jsonPatchOp struct {
	Op    string `json:"op"`
	Path  string `json:"path"`
	Value any    `json:"value,omitempty"`
}

func replaceOrRemove[T any](path string, v []T) jsonPatchOp {
	if len(v) == 0 {
		return jsonPatchOp{Op: "remove", Path: path}
	}
	return jsonPatchOp{Op: "replace", Path: path, Value: v}
}

func (c *Controller) patch(ctx context.Context, n node, ops []jsonPatchOp) error {
	data, err := json.Marshal(ops)
	if err != nil {
		return err
	}
	_, err = c.md.Resource(n.ref.GVR).Namespace(n.ref.Namespace).Patch(ctx, n.ref.Name, types.JSONPatchType, data, metav1.PatchOptions{})
	if apierrors.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("patching %s %s/%s: %w", n.ref.GVR.Resource, n.ref.Namespace, n.ref.Name, err)
	}
	return nil
}

func hasString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
