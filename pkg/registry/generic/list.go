package generic

import (
	"context"
	"fmt"
	"strconv"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/watch"

	"github.com/svcnet/svcnet/pkg/storage"
)

// ListOptions selects objects for List, Watch and DeleteCollection.
type ListOptions struct {
	Labels          labels.Selector
	Fields          fields.Selector
	Limit           int64
	Continue        string
	ResourceVersion int64
	// ProgressNotify asks the watch for periodic bookmarks.
	ProgressNotify bool
}

// predicate builds the storage predicate for label and field selectors, and
// rejects field selectors on fields the resource does not index, with the
// message Kubernetes gives.
func (r *Registry) predicate(opts ListOptions) (storage.Predicate, error) {
	lsel, fsel := opts.Labels, opts.Fields
	if lsel != nil && lsel.Empty() {
		lsel = nil
	}
	if fsel != nil && fsel.Empty() {
		fsel = nil
	}
	if fsel != nil {
		_, known, err := r.c.Attrs(r.c.NewFunc())
		if err != nil {
			return nil, apierrors.NewInternalError(err)
		}
		for _, req := range fsel.Requirements() {
			if _, ok := known[req.Field]; !ok {
				return nil, apierrors.NewBadRequest(fmt.Sprintf("field label not supported: %s", req.Field))
			}
		}
	}
	if lsel == nil && fsel == nil {
		return nil, nil
	}
	return func(obj runtime.Object) bool {
		ls, fs, err := r.c.Attrs(obj)
		if err != nil {
			return false
		}
		return (lsel == nil || lsel.Matches(ls)) && (fsel == nil || fsel.Matches(fs))
	}, nil
}

// List returns the matching objects as a typed list.
func (r *Registry) List(ctx context.Context, namespace string, opts ListOptions) (runtime.Object, error) {
	pred, err := r.predicate(opts)
	if err != nil {
		return nil, err
	}
	res, err := r.c.Store.List(ctx, r.prefix(namespace), storage.ListOptions{
		Predicate: pred, Limit: opts.Limit, Continue: opts.Continue, ResourceVersion: opts.ResourceVersion,
	})
	if err != nil {
		return nil, r.mapError(err, "")
	}
	list := r.c.NewListFunc()
	if err := meta.SetList(list, res.Items); err != nil {
		return nil, apierrors.NewInternalError(err)
	}
	lm, err := meta.ListAccessor(list)
	if err != nil {
		return nil, apierrors.NewInternalError(err)
	}
	lm.SetResourceVersion(strconv.FormatInt(res.ResourceVersion, 10))
	lm.SetContinue(res.Continue)
	lm.SetRemainingItemCount(res.RemainingItemCount)
	return list, nil
}

// Watch streams changes to matching objects after opts.ResourceVersion.
func (r *Registry) Watch(ctx context.Context, namespace string, opts ListOptions) (watch.Interface, error) {
	pred, err := r.predicate(opts)
	if err != nil {
		return nil, err
	}
	w, err := r.c.Store.Watch(ctx, r.prefix(namespace), storage.WatchOptions{
		ResourceVersion: opts.ResourceVersion, Predicate: pred,
		ProgressNotify: opts.ProgressNotify, NewObject: r.c.NewFunc,
	})
	return w, r.mapError(err, "")
}

// Matcher returns the predicate for opts, for callers that filter objects
// they obtained elsewhere (such as the initial events of a watch-list).
func (r *Registry) Matcher(opts ListOptions) (storage.Predicate, error) {
	return r.predicate(opts)
}

// DeleteCollection deletes every matching object and returns them in a list.
func (r *Registry) DeleteCollection(ctx context.Context, namespace string, listOpts ListOptions, delOpts *metav1.DeleteOptions) (runtime.Object, error) {
	list, err := r.List(ctx, namespace, ListOptions{Labels: listOpts.Labels, Fields: listOpts.Fields})
	if err != nil {
		return nil, err
	}
	items, err := meta.ExtractList(list)
	if err != nil {
		return nil, apierrors.NewInternalError(err)
	}
	var deleted []runtime.Object
	for _, item := range items {
		acc, _ := meta.Accessor(item)
		obj, _, err := r.Delete(ctx, acc.GetNamespace(), acc.GetName(), delOpts)
		if apierrors.IsNotFound(err) {
			continue
		}
		if err != nil {
			return nil, err
		}
		deleted = append(deleted, obj)
	}
	out := r.c.NewListFunc()
	if err := meta.SetList(out, deleted); err != nil {
		return nil, apierrors.NewInternalError(err)
	}
	return out, nil
}
