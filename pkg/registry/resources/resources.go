package resources

import (
	"context"
	"fmt"
	"log/slog"
	"net/netip"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	eventsv1 "k8s.io/api/events/v1"
	networkingv1 "k8s.io/api/networking/v1"
	apivalidation "k8s.io/apimachinery/pkg/api/validation"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/svcnet/svcnet/pkg/apiserver"
	"github.com/svcnet/svcnet/pkg/registry/generic"
	"github.com/svcnet/svcnet/pkg/registry/service"
	"github.com/svcnet/svcnet/pkg/registry/service/allocator"
	"github.com/svcnet/svcnet/pkg/storage"
)

// Config configures the served resources.
type Config struct {
	// Store persists every resource.
	Store storage.Store
	// ServiceCIDR is the ClusterIP range.
	ServiceCIDR netip.Prefix
	// NodePortRange is the node port range, such as "30000-32767".
	NodePortRange string
	// NodeToken authenticates the API server to the node agents' exec and
	// log endpoints.
	NodeToken string
	// Logger receives registry messages.
	Logger *slog.Logger
	// Now returns the current time; nil means time.Now.
	Now func() time.Time
}

// Validate checks the configuration.
func (c *Config) Validate() error {
	if c.Store == nil {
		return fmt.Errorf("resources: Store is required")
	}
	if !c.ServiceCIDR.IsValid() {
		return fmt.Errorf("resources: ServiceCIDR is required")
	}
	if _, err := allocator.ParsePortRange(c.NodePortRange); err != nil {
		return fmt.Errorf("resources: NodePortRange: %w", err)
	}
	return nil
}

// Set is every served resource, plus what the server needs to run them.
type Set struct {
	Resources []apiserver.Resource
	// Allocator is the Service registry's allocator; the server syncs and
	// repairs it at start.
	Allocator *service.Allocator
	// Namespaces admits creates into live namespaces.
	Namespaces *NamespaceLifecycle
	byName     map[string]*generic.Registry
	nodeToken  string
}

// Registry returns the registry of a group-resource, such as "services" or
// "deployments.apps".
func (s *Set) Registry(groupResource string) *generic.Registry { return s.byName[groupResource] }

// def is the static description of one resource.
type def struct {
	gv         schema.GroupVersion
	kind       string
	plural     string
	singular   string
	short      []string
	categories []string
	namespaced bool
	newFunc    func() runtime.Object
	newList    func() runtime.Object
	strategy   generic.Strategy
	attrs      generic.AttrsFunc
	nameFunc   apivalidation.ValidateNameFunc
	status     bool
	generation bool
	createOnUp bool
	configure  func(*generic.Config)
}

var (
	coreGV        = corev1.SchemeGroupVersion
	appsGV        = appsv1.SchemeGroupVersion
	discoveryGV   = discoveryv1.SchemeGroupVersion
	coordGV       = coordinationv1.SchemeGroupVersion
	eventsGV      = eventsv1.SchemeGroupVersion
	networkingGV  = networkingv1.SchemeGroupVersion
	allCategories = []string{"all"}
)

// New builds every served resource on c.Store.
func New(c Config) (*Set, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	ports, _ := allocator.ParsePortRange(c.NodePortRange)
	alloc, err := service.NewAllocator(service.Config{
		ServiceCIDR: c.ServiceCIDR, NodePorts: ports, Store: c.Store, Logger: c.Logger, Now: c.Now,
	})
	if err != nil {
		return nil, err
	}
	set := &Set{Allocator: alloc, byName: map[string]*generic.Registry{}, nodeToken: c.NodeToken}
	defs := definitions(alloc)
	for _, d := range defs {
		gc := generic.Config{
			Resource:            schema.GroupResource{Group: d.gv.Group, Resource: d.plural},
			Kind:                schema.GroupKind{Group: d.gv.Group, Kind: d.kind},
			NewFunc:             d.newFunc,
			NewListFunc:         d.newList,
			KeyPrefix:           keyPrefix(d),
			Namespaced:          d.namespaced,
			Store:               c.Store,
			Strategy:            d.strategy,
			Attrs:               d.attrs,
			NameValidation:      d.nameFunc,
			TrackGeneration:     d.generation,
			HasStatus:           d.status,
			AllowCreateOnUpdate: d.createOnUp,
			Now:                 c.Now,
		}
		if d.attrs == nil {
			gc.Attrs = objectMetaFields
		}
		if d.configure != nil {
			d.configure(&gc)
		}
		reg, err := generic.New(gc)
		if err != nil {
			return nil, err
		}
		name := d.plural
		if d.gv.Group != "" {
			name += "." + d.gv.Group
		}
		set.byName[name] = reg
		set.Resources = append(set.Resources, apiserver.Resource{
			GroupVersion: d.gv, Kind: d.kind, Plural: d.plural, Singular: d.singular,
			ShortNames: d.short, Categories: d.categories, Namespaced: d.namespaced, Registry: reg,
		})
	}
	set.Namespaces = &NamespaceLifecycle{Registry: set.byName["namespaces"]}
	set.addSubresources()
	return set, nil
}

// keyPrefix is the storage prefix of a resource: /registry/<group>/<plural>,
// with the core group left out, as Kubernetes lays out etcd.
func keyPrefix(d def) string {
	switch {
	case d.plural == "ipaddresses":
		return service.IPAddressPrefix
	case d.plural == "services":
		return service.ServicePrefix
	case d.gv.Group == "" || d.gv == eventsGV:
		// core and events.k8s.io events share storage in Kubernetes; here
		// the two event APIs keep their own prefixes (see definitions).
		return "/registry/" + d.plural + groupSuffix(d.gv)
	}
	return "/registry/" + d.gv.Group + "/" + d.plural
}

func groupSuffix(gv schema.GroupVersion) string {
	if gv.Group == "" {
		return ""
	}
	return "." + gv.Group
}

// NamespaceLifecycle implements apiserver.NamespaceLifecycle on the
// namespaces registry.
type NamespaceLifecycle struct {
	Registry *generic.Registry
}

// Admit implements apiserver.NamespaceLifecycle.
func (n *NamespaceLifecycle) Admit(ctx context.Context, namespace string) error {
	obj, err := n.Registry.Get(ctx, "", namespace)
	if err != nil {
		return err
	}
	if ns := obj.(*corev1.Namespace); ns.DeletionTimestamp != nil || ns.Status.Phase == corev1.NamespaceTerminating {
		return forbiddenTerminating(namespace)
	}
	return nil
}
