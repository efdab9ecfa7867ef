package generic

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	apivalidation "k8s.io/apimachinery/pkg/api/validation"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	utilrand "k8s.io/apimachinery/pkg/util/rand"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/svcnet/svcnet/pkg/storage"
)

// maxConflictRetries bounds how often a create retries after its hooks'
// keys were taken by a concurrent writer.
const maxConflictRetries = 32

// Config describes one resource.
type Config struct {
	// Resource is the group and plural resource name, used in errors.
	Resource schema.GroupResource
	// Kind is the served kind, used in 422 errors.
	Kind schema.GroupKind
	// NewFunc and NewListFunc make empty objects of the kind and its list.
	NewFunc     func() runtime.Object
	NewListFunc func() runtime.Object
	// KeyPrefix is the storage prefix, for example "/registry/services".
	KeyPrefix string
	// Namespaced says whether objects live in namespaces.
	Namespaced bool
	// Store persists the objects.
	Store storage.Store
	// Strategy holds the resource's defaulting and validation.
	Strategy Strategy
	// Attrs returns labels and selectable fields.
	Attrs AttrsFunc
	// NameValidation checks metadata.name; nil means DNS-1123 subdomain.
	NameValidation apivalidation.ValidateNameFunc
	// Hooks, if set, add ops to the object's writes.
	Hooks Hooks
	// Graceful, if set, makes some deletes graceful.
	Graceful GracefulDeleter
	// PrepareForDelete, if set, changes an object when it is marked for
	// deletion (namespaces turn Terminating).
	PrepareForDelete func(obj runtime.Object)
	// ReadyToDelete, if set, says whether an object marked for deletion may
	// leave storage; the default is "no finalizers left".
	ReadyToDelete func(obj runtime.Object) bool
	// TrackGeneration bumps metadata.generation when the spec changes.
	TrackGeneration bool
	// HasStatus says the resource has a status subresource: the main
	// endpoint then keeps the stored status, and Status endpoints keep the
	// stored spec.
	HasStatus bool
	// AllowCreateOnUpdate lets PUT create a missing object.
	AllowCreateOnUpdate bool
	// Now returns the current time; nil means time.Now.
	Now func() time.Time
}

// Registry implements the REST verbs of one resource.
type Registry struct {
	c Config
}

// New returns a Registry for c.
func New(c Config) (*Registry, error) {
	switch {
	case c.Store == nil || c.Strategy == nil || c.NewFunc == nil || c.NewListFunc == nil || c.Attrs == nil:
		return nil, fmt.Errorf("registry %s: Store, Strategy, NewFunc, NewListFunc and Attrs are required", c.Resource)
	case c.KeyPrefix == "" || strings.HasSuffix(c.KeyPrefix, "/"):
		return nil, fmt.Errorf("registry %s: KeyPrefix must be set, without a trailing slash", c.Resource)
	}
	if c.NameValidation == nil {
		c.NameValidation = apivalidation.NameIsDNSSubdomain
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.ReadyToDelete == nil {
		c.ReadyToDelete = func(obj runtime.Object) bool {
			acc, err := meta.Accessor(obj)
			return err == nil && len(acc.GetFinalizers()) == 0
		}
	}
	return &Registry{c: c}, nil
}

// Config returns the registry's configuration.
func (r *Registry) Config() Config { return r.c }

// New returns an empty object of the registry's kind.
func (r *Registry) New() runtime.Object { return r.c.NewFunc() }

// NewList returns an empty list of the registry's kind.
func (r *Registry) NewList() runtime.Object { return r.c.NewListFunc() }

// Key returns the storage key of an object.
func (r *Registry) Key(namespace, name string) string {
	if r.c.Namespaced {
		return r.c.KeyPrefix + "/" + namespace + "/" + name
	}
	return r.c.KeyPrefix + "/" + name
}

// prefix returns the storage prefix of a namespace, or of everything.
func (r *Registry) prefix(namespace string) string {
	if r.c.Namespaced && namespace != "" {
		return r.c.KeyPrefix + "/" + namespace + "/"
	}
	return r.c.KeyPrefix + "/"
}

func (r *Registry) now() metav1.Time {
	return metav1.NewTime(r.c.Now().Truncate(time.Second))
}

// mapError turns storage errors into API errors.
func (r *Registry) mapError(err error, name string) error {
	switch {
	case err == nil:
		return nil
	case storage.IsNotFound(err):
		return apierrors.NewNotFound(r.c.Resource, name)
	case storage.IsExpired(err):
		return apierrors.NewResourceExpired(err.Error())
	case storage.IsInvalidContinue(err):
		return apierrors.NewBadRequest(err.Error())
	}
	var status apierrors.APIStatus
	if errors.As(err, &status) {
		return err
	}
	return apierrors.NewInternalError(err)
}

// Get returns one object.
func (r *Registry) Get(ctx context.Context, namespace, name string) (runtime.Object, error) {
	obj, err := r.c.Store.Get(ctx, r.Key(namespace, name))
	return obj, r.mapError(err, name)
}

// CreateOptions carries the options of a create.
type CreateOptions struct {
	DryRun bool
	// Trusted skips the strategy's validation; only the server's own
	// writers use it, for objects Kubernetes' reconcilers also write
	// straight to storage (the kubernetes Service's endpoints on a loopback
	// address, for one).
	Trusted bool
}

// Create stores a new object.
func (r *Registry) Create(ctx context.Context, obj runtime.Object, opts CreateOptions) (runtime.Object, error) {
	acc, err := meta.Accessor(obj)
	if err != nil {
		return nil, apierrors.NewBadRequest(err.Error())
	}
	if acc.GetName() == "" && acc.GetGenerateName() != "" {
		acc.SetName(generateName(acc.GetGenerateName()))
	}
	acc.SetUID(types.UID(uuid.NewString()))
	acc.SetCreationTimestamp(r.now())
	acc.SetResourceVersion("")
	acc.SetDeletionTimestamp(nil)
	acc.SetDeletionGracePeriodSeconds(nil)
	acc.SetSelfLink("")
	acc.SetManagedFields(nil)
	acc.SetGeneration(0)
	if r.c.TrackGeneration {
		acc.SetGeneration(1)
	}
	if !r.c.Namespaced {
		acc.SetNamespace("")
	}
	r.c.Strategy.PrepareForCreate(ctx, obj)
	key := r.Key(acc.GetNamespace(), acc.GetName())
	for attempt := 0; ; attempt++ {
		var ops []storage.Op
		attemptObj := obj.DeepCopyObject()
		// Allocation hooks run before validation, as Kubernetes' BeginCreate
		// does, so that validation sees the allocated values.
		if r.c.Hooks != nil && !opts.DryRun {
			if ops, err = r.c.Hooks.BeforeCreate(ctx, attemptObj); err != nil {
				return nil, err
			}
		}
		attemptAcc, _ := meta.Accessor(attemptObj)
		errs := apivalidation.ValidateObjectMetaAccessor(attemptAcc, r.c.Namespaced, r.c.NameValidation, field.NewPath("metadata"))
		if !opts.Trusted {
			errs = append(errs, r.c.Strategy.Validate(ctx, attemptObj)...)
		}
		if len(errs) > 0 {
			return nil, apierrors.NewInvalid(r.c.Kind, acc.GetName(), dedupe(errs))
		}
		if opts.DryRun {
			return attemptObj, nil
		}
		out, err := r.c.Store.Create(ctx, key, attemptObj, ops)
		if err == nil {
			return out, nil
		}
		conflictKey, exists := storage.IsKeyExists(err)
		switch {
		case !exists:
			return nil, r.mapError(err, acc.GetName())
		case conflictKey == key:
			return nil, apierrors.NewAlreadyExists(r.c.Resource, acc.GetName())
		case r.c.Hooks == nil || attempt >= maxConflictRetries:
			return nil, apierrors.NewConflict(r.c.Resource, acc.GetName(), fmt.Errorf("allocation of %s kept conflicting", conflictKey))
		}
		retry, herr := r.c.Hooks.Conflict(ctx, obj, conflictKey)
		if !retry {
			return nil, herr
		}
	}
}

// generateName appends 5 random characters to a prefix, truncating the
// prefix so that the result stays within 63 characters.
func generateName(base string) string {
	const maxNameLength, randomLength = 63, 5
	if len(base) > maxNameLength-randomLength {
		base = base[:maxNameLength-randomLength]
	}
	return base + utilrand.String(randomLength)
}

// dedupe removes identical field errors, which arise when the generic
// metadata checks and a strategy's checks both report the same problem.
func dedupe(errs field.ErrorList) field.ErrorList {
	seen := make(map[string]bool, len(errs))
	out := errs[:0]
	for _, e := range errs {
		if k := e.Error(); !seen[k] {
			seen[k] = true
			out = append(out, e)
		}
	}
	return out
}

// resourceVersionOf parses an object's resourceVersion; "" is 0.
func resourceVersionOf(obj runtime.Object) (int64, error) {
	acc, err := meta.Accessor(obj)
	if err != nil {
		return 0, err
	}
	if acc.GetResourceVersion() == "" {
		return 0, nil
	}
	return strconv.ParseInt(acc.GetResourceVersion(), 10, 64)
}

// specOf returns what metadata.generation tracks: the Spec field of a typed
// object, or, for kinds without one (EndpointSlice), everything but its
// type and object metadata.
func specOf(obj runtime.Object) (reflect.Value, bool) {
	v := reflect.ValueOf(obj)
	if v.Kind() != reflect.Pointer || v.Elem().Kind() != reflect.Struct {
		return reflect.Value{}, false
	}
	if f := v.Elem().FieldByName("Spec"); f.IsValid() {
		return f, true
	}
	c := reflect.New(v.Elem().Type()).Elem()
	c.Set(v.Elem())
	for _, name := range []string{"TypeMeta", "ObjectMeta"} {
		if f := c.FieldByName(name); f.IsValid() && f.CanSet() {
			f.Set(reflect.Zero(f.Type()))
		}
	}
	return c, true
}

// copyField sets dst.<name> = src.<name> for typed objects of the same type.
func copyField(dst, src runtime.Object, name string) {
	d := reflect.ValueOf(dst).Elem().FieldByName(name)
	s := reflect.ValueOf(src).Elem().FieldByName(name)
	if d.IsValid() && s.IsValid() && d.CanSet() {
		d.Set(s)
	}
}

// semanticallyEqual compares two objects ignoring resourceVersion.
func semanticallyEqual(a, b runtime.Object) bool {
	a, b = a.DeepCopyObject(), b.DeepCopyObject()
	for _, o := range []runtime.Object{a, b} {
		if acc, err := meta.Accessor(o); err == nil {
			acc.SetResourceVersion("")
		}
		o.GetObjectKind().SetGroupVersionKind(schema.GroupVersionKind{})
	}
	return apiequality.Semantic.DeepEqual(a, b)
}
