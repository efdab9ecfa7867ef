package generic

import (
	"context"
	"errors"
	"fmt"

	apiequality "k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	apivalidation "k8s.io/apimachinery/pkg/api/validation"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/svcnet/svcnet/pkg/storage"
)

// TransformFunc computes the requested object from the current one: a PUT
// returns its body, a PATCH applies itself to current. current is nil when
// the object does not exist (only with AllowCreateOnUpdate).
type TransformFunc func(ctx context.Context, current runtime.Object) (runtime.Object, error)

// Subresource selects what part of an object an update may change.
type Subresource int

const (
	// MainResource updates everything but status (when HasStatus).
	MainResource Subresource = iota
	// StatusSubresource updates only status (and metadata labels,
	// annotations, finalizers and owner references, as Kubernetes allows).
	StatusSubresource
	// AllFields updates spec and status together, without the strategy's
	// update validation; only the server's own trusted writers (binding,
	// finalize, bootstrap) use it.
	AllFields
)

// UpdateOptions carries the options of an update.
type UpdateOptions struct {
	DryRun      bool
	Subresource Subresource
	// StatusStrategy validates status updates; nil skips extra checks.
	StatusValidate func(obj, old runtime.Object) field.ErrorList
}

// dryRunDone aborts a store update after the new object has been computed.
type dryRunDone struct{ obj runtime.Object }

func (d *dryRunDone) Error() string { return "dry run" }

// Update changes an existing object. It returns the new object and whether
// it was created (PUT on a missing object with AllowCreateOnUpdate).
func (r *Registry) Update(ctx context.Context, namespace, name string, transform TransformFunc, opts UpdateOptions) (runtime.Object, bool, error) {
	for attempt := 0; ; attempt++ {
		out, created, requested, err := r.update(ctx, namespace, name, transform, opts)
		key, exists := storage.IsKeyExists(err)
		if !exists {
			return out, created, err
		}
		if r.c.Hooks == nil || attempt >= maxConflictRetries || requested == nil {
			return nil, false, apierrors.NewConflict(r.c.Resource, name, fmt.Errorf("allocation of %s kept conflicting", key))
		}
		if retry, herr := r.c.Hooks.Conflict(ctx, requested, key); !retry {
			return nil, false, herr
		}
	}
}

// update is one attempt of Update. On a KeyExistsError it also returns the
// requested object, as it was before the hooks ran.
func (r *Registry) update(ctx context.Context, namespace, name string, transform TransformFunc, opts UpdateOptions) (runtime.Object, bool, runtime.Object, error) {
	key := r.Key(namespace, name)
	var requested runtime.Object
	var deleted runtime.Object
	out, err := r.c.Store.Update(ctx, key, func(cur runtime.Object) (runtime.Object, []storage.Op, error) {
		deleted = nil
		obj, err := transform(ctx, cur.DeepCopyObject())
		if err != nil {
			return nil, nil, err
		}
		requested = obj.DeepCopyObject()
		ops, err := r.prepareUpdate(ctx, obj, cur, opts)
		if err != nil {
			return nil, nil, err
		}
		if acc, _ := meta.Accessor(obj); acc.GetDeletionTimestamp() != nil && r.c.ReadyToDelete(obj) {
			// The last finalizer is gone: the object leaves storage now.
			deleted = obj
			ops = []storage.Op{{Type: storage.OpDelete, Key: key}}
			if r.c.Hooks != nil {
				more, err := r.c.Hooks.BeforeDelete(ctx, cur)
				if err != nil {
					return nil, nil, err
				}
				ops = append(ops, more...)
			}
			if opts.DryRun {
				return nil, nil, &dryRunDone{obj: obj}
			}
			return nil, ops, nil
		}
		if semanticallyEqual(obj, cur) {
			return nil, nil, nil
		}
		if opts.DryRun {
			return nil, nil, &dryRunDone{obj: obj}
		}
		return obj, ops, nil
	})
	var dr *dryRunDone
	if errors.As(err, &dr) {
		return dr.obj, false, nil, nil
	}
	if storage.IsNotFound(err) && r.c.AllowCreateOnUpdate && opts.Subresource == MainResource {
		obj, terr := transform(ctx, nil)
		if terr != nil {
			return nil, false, nil, terr
		}
		created, cerr := r.Create(ctx, obj, CreateOptions{DryRun: opts.DryRun})
		return created, cerr == nil, nil, cerr
	}
	if _, exists := storage.IsKeyExists(err); exists {
		return nil, false, requested, err
	}
	if err != nil {
		return nil, false, nil, r.mapError(err, name)
	}
	if deleted != nil {
		return deleted, false, nil, nil
	}
	return out, false, nil, nil
}

// prepareUpdate applies preconditions, carries over immutable metadata, runs
// the allocation hooks and validates obj as a replacement for cur. It
// returns the hooks' ops.
func (r *Registry) prepareUpdate(ctx context.Context, obj, cur runtime.Object, opts UpdateOptions) ([]storage.Op, error) {
	acc, err := meta.Accessor(obj)
	if err != nil {
		return nil, apierrors.NewBadRequest(err.Error())
	}
	curAcc, _ := meta.Accessor(cur)
	if rv := acc.GetResourceVersion(); rv != "" && rv != curAcc.GetResourceVersion() {
		return nil, apierrors.NewConflict(r.c.Resource, curAcc.GetName(),
			errors.New("the object has been modified; please apply your changes to the latest version and try again"))
	}
	if uid := acc.GetUID(); uid != "" && uid != curAcc.GetUID() {
		return nil, apierrors.NewConflict(r.c.Resource, curAcc.GetName(),
			fmt.Errorf("Precondition failed: UID in precondition: %v, UID in object meta: %v", uid, curAcc.GetUID()))
	}
	acc.SetResourceVersion(curAcc.GetResourceVersion())
	acc.SetUID(curAcc.GetUID())
	acc.SetCreationTimestamp(curAcc.GetCreationTimestamp())
	acc.SetDeletionTimestamp(curAcc.GetDeletionTimestamp())
	acc.SetDeletionGracePeriodSeconds(curAcc.GetDeletionGracePeriodSeconds())
	acc.SetGeneration(curAcc.GetGeneration())
	acc.SetManagedFields(nil)
	acc.SetSelfLink("")
	if acc.GetGenerateName() == "" {
		acc.SetGenerateName(curAcc.GetGenerateName())
	}
	if !r.c.Namespaced {
		acc.SetNamespace("")
	}
	switch opts.Subresource {
	case MainResource:
		if r.c.HasStatus {
			copyField(obj, cur, "Status")
		}
	case StatusSubresource:
		copyField(obj, cur, "Spec")
		// Like Kubernetes, status writes may not change the object's
		// identity-bearing metadata beyond labels, annotations, finalizers
		// and owner references.
	}
	if r.c.TrackGeneration {
		if spec, ok := specOf(obj); ok {
			old, _ := specOf(cur)
			if !semanticSpecEqual(spec.Interface(), old.Interface()) {
				acc.SetGeneration(curAcc.GetGeneration() + 1)
			}
		}
	}
	r.c.Strategy.PrepareForUpdate(ctx, obj, cur)
	var ops []storage.Op
	if r.c.Hooks != nil && !opts.DryRun && !semanticallyEqual(obj, cur) {
		var err error
		if ops, err = r.c.Hooks.BeforeUpdate(ctx, obj, cur); err != nil {
			return nil, err
		}
	}
	errs := apivalidation.ValidateObjectMetaAccessorUpdate(acc, curAcc, field.NewPath("metadata"))
	errs = append(errs, apivalidation.ValidateObjectMetaAccessor(acc, r.c.Namespaced, r.c.NameValidation, field.NewPath("metadata"))...)
	switch opts.Subresource {
	case StatusSubresource:
		if opts.StatusValidate != nil {
			errs = append(errs, opts.StatusValidate(obj, cur)...)
		}
	case MainResource:
		errs = append(errs, r.c.Strategy.ValidateUpdate(ctx, obj, cur)...)
	}
	if len(errs) > 0 {
		return nil, apierrors.NewInvalid(r.c.Kind, acc.GetName(), dedupe(errs))
	}
	return ops, nil
}

func semanticSpecEqual(a, b any) bool { return apiequality.Semantic.DeepEqual(a, b) }
