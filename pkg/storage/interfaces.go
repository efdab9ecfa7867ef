package storage

import (
	"context"
	"errors"
	"fmt"

	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/watch"
)

// OpType says what an Op does to its key.
type OpType int

const (
	// OpCreate writes the key and fails the whole transaction with a
	// KeyExistsError if the key is already present.
	OpCreate OpType = iota
	// OpPut writes the key unconditionally.
	OpPut
	// OpDelete removes the key if present.
	OpDelete
)

// Op is an extra key write that commits atomically with an object write.
// Value is either raw bytes or an Object, which the store encodes with its
// codec (so side objects such as IPAddress allocations are real API objects).
type Op struct {
	Type   OpType
	Key    string
	Value  []byte
	Object runtime.Object
}

// UpdateFunc computes the new state of an object from its current state. It
// may be called several times when the store retries after a concurrent
// write. Returning a nil object with nil error means "no change".
type UpdateFunc func(current runtime.Object) (updated runtime.Object, ops []Op, err error)

// DeleteFunc checks preconditions against the current object and returns the
// extra ops (such as allocation releases) to commit with the delete.
type DeleteFunc func(current runtime.Object) (ops []Op, err error)

// Predicate selects objects for list and watch.
type Predicate func(obj runtime.Object) bool

// ListOptions controls a List call.
type ListOptions struct {
	// Predicate filters objects; nil selects everything.
	Predicate Predicate
	// Limit caps the number of returned objects; 0 means no limit.
	Limit int64
	// Continue resumes a previous paginated list.
	Continue string
	// ResourceVersion, when non-zero and without Continue, lists the state at
	// exactly that revision.
	ResourceVersion int64
}

// ListResult is one page of a List call.
type ListResult struct {
	Items []runtime.Object
	// ResourceVersion is the revision the page was read at.
	ResourceVersion int64
	// Continue is set when more items remain.
	Continue string
	// RemainingItemCount estimates the items after this page, when known.
	RemainingItemCount *int64
}

// WatchOptions controls a Watch call.
type WatchOptions struct {
	// ResourceVersion: events after this revision are delivered. Zero means
	// "from now".
	ResourceVersion int64
	// Predicate filters objects. An object that stops matching is delivered
	// as DELETED, and one that starts matching as ADDED, as Kubernetes does.
	Predicate Predicate
	// ProgressNotify asks for periodic BOOKMARK events carrying the current
	// revision in an object made by NewObject.
	ProgressNotify bool
	// NewObject makes an empty object of the watched kind, for bookmarks.
	NewObject func() runtime.Object
}

// Store is the persistence interface of the REST layer.
type Store interface {
	// Create stores obj under key with ops, failing with a KeyExistsError for
	// key itself if it exists. It returns the stored object with its
	// resourceVersion set.
	Create(ctx context.Context, key string, obj runtime.Object, ops []Op) (runtime.Object, error)
	// Get returns the object at key, or a NotFoundError.
	Get(ctx context.Context, key string) (runtime.Object, error)
	// Update reads key, calls fn and writes the result if the key did not
	// change in between, retrying otherwise.
	Update(ctx context.Context, key string, fn UpdateFunc) (runtime.Object, error)
	// Delete removes key after fn accepts the current object.
	Delete(ctx context.Context, key string, fn DeleteFunc) (runtime.Object, error)
	// List returns the objects under prefix.
	List(ctx context.Context, prefix string, opts ListOptions) (*ListResult, error)
	// Watch streams changes under prefix.
	Watch(ctx context.Context, prefix string, opts WatchOptions) (watch.Interface, error)
	// Revision returns the store's current revision.
	Revision(ctx context.Context) (int64, error)
	// GetRaw returns the raw value of key, or a NotFoundError.
	GetRaw(ctx context.Context, key string) ([]byte, error)
	// ListRaw returns the raw keys and values under prefix.
	ListRaw(ctx context.Context, prefix string) (map[string][]byte, int64, error)
	// Txn commits raw ops atomically.
	Txn(ctx context.Context, ops []Op) error
}

// KeyExistsError reports a create of a key that already exists.
type KeyExistsError struct{ Key string }

func (e *KeyExistsError) Error() string { return fmt.Sprintf("key %q already exists", e.Key) }

// NotFoundError reports a missing key.
type NotFoundError struct{ Key string }

func (e *NotFoundError) Error() string { return fmt.Sprintf("key %q not found", e.Key) }

// ExpiredError reports a revision that has been compacted away.
type ExpiredError struct{ Revision int64 }

func (e *ExpiredError) Error() string {
	return fmt.Sprintf("resource version %d is too old: it has been compacted", e.Revision)
}

// InvalidContinueError reports a malformed continue token.
type InvalidContinueError struct{ Reason string }

func (e *InvalidContinueError) Error() string { return "invalid continue token: " + e.Reason }

// IsKeyExists reports whether err is a KeyExistsError and returns its key.
func IsKeyExists(err error) (string, bool) {
	var e *KeyExistsError
	if errors.As(err, &e) {
		return e.Key, true
	}
	return "", false
}

// IsNotFound reports whether err is a NotFoundError.
func IsNotFound(err error) bool {
	var e *NotFoundError
	return errors.As(err, &e)
}

// IsExpired reports whether err is an ExpiredError.
func IsExpired(err error) bool {
	var e *ExpiredError
	return errors.As(err, &e)
}

// IsInvalidContinue reports whether err is an InvalidContinueError.
func IsInvalidContinue(err error) bool {
	var e *InvalidContinueError
	return errors.As(err, &e)
}
