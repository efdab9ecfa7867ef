package model

import (
	"reflect"
	"sync"

	v1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
)

// ServiceTracker records Service changes between syncs. It is safe for
// concurrent use: informer callbacks call Update, the sync loop Checkout.
type ServiceTracker struct {
	scope Scope

	mu sync.Mutex
	// pending holds the latest ports of every Service changed since the
	// last Checkout; nil ports mean the Service is gone or out of scope.
	pending map[types.NamespacedName][]*ServicePort
}

// NewServiceTracker returns a tracker that trims Services with scope.
func NewServiceTracker(scope Scope) *ServiceTracker {
	return &ServiceTracker{scope: scope, pending: map[types.NamespacedName][]*ServicePort{}}
}

// Update records a Service change: an add (old nil), an update or a
// delete (svc nil). It reports whether the proxy's view changed, that is
// whether a sync is needed.
func (t *ServiceTracker) Update(old, svc *v1.Service) bool {
	obj := svc
	if obj == nil {
		obj = old
	}
	if obj == nil {
		return false
	}
	before, after := t.scope.ServicePorts(old), t.scope.ServicePorts(svc)
	name := nsName(obj.Namespace, obj.Name)
	t.mu.Lock()
	defer t.mu.Unlock()
	_, queued := t.pending[name]
	if !queued && portsEqual(before, after) {
		return false
	}
	t.pending[name] = after
	return true
}

// Checkout returns the ports of every Service changed since the previous
// Checkout (nil for Services that are gone or out of scope) and forgets
// them.
func (t *ServiceTracker) Checkout() map[types.NamespacedName][]*ServicePort {
	t.mu.Lock()
	defer t.mu.Unlock()
	out := t.pending
	t.pending = map[types.NamespacedName][]*ServicePort{}
	return out
}

// Pending reports whether changes wait for a Checkout.
func (t *ServiceTracker) Pending() bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(t.pending) > 0
}

// portsEqual reports whether two trimmed port lists program the same rules.
func portsEqual(a, b []*ServicePort) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !reflect.DeepEqual(a[i], b[i]) {
			return false
		}
	}
	return true
}
