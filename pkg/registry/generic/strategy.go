package generic

import (
	"context"

	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/svcnet/svcnet/pkg/storage"
)

// Strategy holds what is specific to one resource.
type Strategy interface {
	// PrepareForCreate defaults obj and clears what users may not set on
	// create (such as status, for resources with a status subresource).
	PrepareForCreate(ctx context.Context, obj runtime.Object)
	// Validate checks a new object.
	Validate(ctx context.Context, obj runtime.Object) field.ErrorList
	// PrepareForUpdate defaults obj and carries over from old what this
	// endpoint may not change.
	PrepareForUpdate(ctx context.Context, obj, old runtime.Object)
	// ValidateUpdate checks an updated object against the old one.
	ValidateUpdate(ctx context.Context, obj, old runtime.Object) field.ErrorList
}

// AttrsFunc returns the labels and the selectable fields of an object.
type AttrsFunc func(obj runtime.Object) (labels.Set, fields.Set, error)

// Hooks add storage ops to the transaction that writes an object. Each hook
// may be called several times for one request when the store retries.
type Hooks interface {
	// BeforeCreate returns the ops to commit with a new object, and may
	// change the object (for example to record an allocated ClusterIP).
	BeforeCreate(ctx context.Context, obj runtime.Object) ([]storage.Op, error)
	// BeforeUpdate returns the ops to commit with an update.
	BeforeUpdate(ctx context.Context, obj, old runtime.Object) ([]storage.Op, error)
	// BeforeDelete returns the ops to commit when obj is removed from
	// storage for good.
	BeforeDelete(ctx context.Context, obj runtime.Object) ([]storage.Op, error)
	// Conflict is told that an op key already existed, so that the next
	// attempt avoids it. requested is the object as the client sent it,
	// before any hook ran. Conflict returns false if the request must fail
	// instead (the key was one the client asked for), with the error.
	Conflict(ctx context.Context, requested runtime.Object, key string) (retry bool, err error)
}

// GracefulDeleter decides whether a delete is graceful (the object stays
// with a deletionTimestamp until its owner finishes with it), as for pods
// bound to a node. It returns the grace period to record.
type GracefulDeleter interface {
	GracePeriod(obj runtime.Object, requested *int64) (seconds int64, graceful bool)
}

// StrategyFuncs adapts plain functions to Strategy. Nil functions do nothing.
type StrategyFuncs struct {
	PrepareForCreateFunc func(obj runtime.Object)
	ValidateFunc         func(obj runtime.Object) field.ErrorList
	PrepareForUpdateFunc func(obj, old runtime.Object)
	ValidateUpdateFunc   func(obj, old runtime.Object) field.ErrorList
}

var _ Strategy = StrategyFuncs{}

// PrepareForCreate implements Strategy.
func (s StrategyFuncs) PrepareForCreate(_ context.Context, obj runtime.Object) {
	if s.PrepareForCreateFunc != nil {
		s.PrepareForCreateFunc(obj)
	}
}

// Validate implements Strategy.
func (s StrategyFuncs) Validate(_ context.Context, obj runtime.Object) field.ErrorList {
	if s.ValidateFunc != nil {
		return s.ValidateFunc(obj)
	}
	return nil
}

// PrepareForUpdate implements Strategy.
func (s StrategyFuncs) PrepareForUpdate(_ context.Context, obj, old runtime.Object) {
	if s.PrepareForUpdateFunc != nil {
		s.PrepareForUpdateFunc(obj, old)
	}
}

// ValidateUpdate implements Strategy.
func (s StrategyFuncs) ValidateUpdate(_ context.Context, obj, old runtime.Object) field.ErrorList {
	if s.ValidateUpdateFunc != nil {
		return s.ValidateUpdateFunc(obj, old)
	}
	return nil
}
