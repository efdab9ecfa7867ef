package generic

import (
	"context"
	"fmt"
	"slices"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/svcnet/svcnet/pkg/storage"
)

// checkPreconditions applies DeleteOptions.Preconditions to the current object.
func (r *Registry) checkPreconditions(cur runtime.Object, opts *metav1.DeleteOptions) error {
	if opts == nil || opts.Preconditions == nil {
		return nil
	}
	acc, _ := meta.Accessor(cur)
	if p := opts.Preconditions.UID; p != nil && *p != acc.GetUID() {
		return apierrors.NewConflict(r.c.Resource, acc.GetName(),
			fmt.Errorf("Precondition failed: UID in precondition: %v, UID in object meta: %v", *p, acc.GetUID()))
	}
	if p := opts.Preconditions.ResourceVersion; p != nil && *p != acc.GetResourceVersion() {
		return apierrors.NewConflict(r.c.Resource, acc.GetName(),
			fmt.Errorf("Precondition failed: ResourceVersion in precondition: %v, ResourceVersion in object meta: %v", *p, acc.GetResourceVersion()))
	}
	return nil
}

// propagationFinalizer returns the finalizer a delete's propagation policy
// asks the garbage collector to honour, if any.
func propagationFinalizer(opts *metav1.DeleteOptions) string {
	if opts == nil {
		return ""
	}
	if opts.PropagationPolicy != nil {
		switch *opts.PropagationPolicy {
		case metav1.DeletePropagationForeground:
			return metav1.FinalizerDeleteDependents
		case metav1.DeletePropagationOrphan:
			return metav1.FinalizerOrphanDependents
		}
		return ""
	}
	if opts.OrphanDependents != nil && *opts.OrphanDependents {
		return metav1.FinalizerOrphanDependents
	}
	return ""
}

// Delete removes an object, or marks it for deletion when finalizers or a
// graceful period must run first. It returns the object and whether it is
// gone from storage.
func (r *Registry) Delete(ctx context.Context, namespace, name string, opts *metav1.DeleteOptions) (runtime.Object, bool, error) {
	key := r.Key(namespace, name)
	dryRun := opts != nil && len(opts.DryRun) > 0
	for {
		cur, err := r.c.Store.Get(ctx, key)
		if err != nil {
			return nil, false, r.mapError(err, name)
		}
		if err := r.checkPreconditions(cur, opts); err != nil {
			return nil, false, err
		}
		acc, _ := meta.Accessor(cur)
		finalizers := acc.GetFinalizers()
		if f := propagationFinalizer(opts); f != "" && !slices.Contains(finalizers, f) {
			finalizers = append(slices.Clone(finalizers), f)
		}
		var grace int64
		graceful := false
		if r.c.Graceful != nil {
			var requested *int64
			if opts != nil {
				requested = opts.GracePeriodSeconds
			}
			grace, graceful = r.c.Graceful.GracePeriod(cur, requested)
		}
		marked := cur.DeepCopyObject()
		if ma, _ := meta.Accessor(marked); ma != nil {
			ma.SetFinalizers(finalizers)
			if ma.GetDeletionTimestamp() == nil {
				now := r.now()
				ma.SetDeletionTimestamp(&now)
			}
		}
		if r.c.ReadyToDelete(marked) && !graceful {
			if dryRun {
				return cur, true, nil
			}
			out, err := r.c.Store.Delete(ctx, key, func(latest runtime.Object) ([]storage.Op, error) {
				if la, _ := meta.Accessor(latest); la.GetResourceVersion() != acc.GetResourceVersion() {
					return nil, errRetry
				}
				if r.c.Hooks == nil {
					return nil, nil
				}
				return r.c.Hooks.BeforeDelete(ctx, latest)
			})
			if err == errRetry {
				continue
			}
			return out, err == nil, r.mapError(err, name)
		}
		out, err := r.markDeleting(ctx, key, acc.GetResourceVersion(), finalizers, grace, graceful, dryRun)
		if err == errRetry {
			continue
		}
		return out, false, r.mapError(err, name)
	}
}

// errRetry restarts a delete whose object changed between read and write.
var errRetry = fmt.Errorf("object changed, retrying")

// markDeleting sets deletionTimestamp (and the grace period) and records
// the propagation finalizer.
func (r *Registry) markDeleting(ctx context.Context, key, rv string, finalizers []string, grace int64, graceful, dryRun bool) (runtime.Object, error) {
	var result runtime.Object
	out, err := r.c.Store.Update(ctx, key, func(cur runtime.Object) (runtime.Object, []storage.Op, error) {
		acc, _ := meta.Accessor(cur)
		if acc.GetResourceVersion() != rv {
			return nil, nil, errRetry
		}
		now := r.c.Now()
		if graceful {
			deadline := metav1.NewTime(now.Add(time.Duration(grace) * time.Second).Truncate(time.Second))
			old := acc.GetDeletionGracePeriodSeconds()
			// A delete may shorten a grace period already running, never
			// lengthen it.
			if acc.GetDeletionTimestamp() == nil || old == nil || grace < *old {
				acc.SetDeletionTimestamp(&deadline)
				acc.SetDeletionGracePeriodSeconds(&grace)
			}
		} else if acc.GetDeletionTimestamp() == nil {
			ts := metav1.NewTime(now.Truncate(time.Second))
			var zero int64
			acc.SetDeletionTimestamp(&ts)
			acc.SetDeletionGracePeriodSeconds(&zero)
		}
		acc.SetFinalizers(finalizers)
		if r.c.PrepareForDelete != nil {
			r.c.PrepareForDelete(cur)
		}
		result = cur
		if dryRun {
			return nil, nil, &dryRunDone{obj: cur}
		}
		return cur, nil, nil
	})
	if dr, ok := err.(*dryRunDone); ok {
		return dr.obj, nil
	}
	if err != nil {
		return nil, err
	}
	if out == nil {
		out = result
	}
	return out, nil
}
