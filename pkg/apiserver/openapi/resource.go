package openapi

import (
	"errors"
	"fmt"
	"slices"

	"k8s.io/apimachinery/pkg/runtime/schema"
)

// Verbs of the Kubernetes API, spelled as discovery spells them.
const (
	VerbGet              = "get"
	VerbList             = "list"
	VerbWatch            = "watch"
	VerbCreate           = "create"
	VerbUpdate           = "update"
	VerbPatch            = "patch"
	VerbDelete           = "delete"
	VerbDeleteCollection = "deletecollection"
)

// defaultResourceVerbs returns the verbs of a resource whose Verbs field is
// empty.
func defaultResourceVerbs() []string {
	return []string{
		VerbGet, VerbList, VerbWatch, VerbCreate, VerbUpdate, VerbPatch, VerbDelete, VerbDeleteCollection,
	}
}

// subresourceVerbs returns the verbs a subresource may declare.
func subresourceVerbs() []string {
	return []string{VerbGet, VerbCreate, VerbUpdate, VerbPatch}
}

// Resource describes one served REST resource.
type Resource struct {
	// Group, Version and Kind name the resource's kind, e.g. "", "v1",
	// "Service". The kind must be registered in client-go's scheme and have a
	// generated OpenAPI definition.
	Group, Version, Kind string
	// Plural is the resource name in URLs, e.g. "services".
	Plural string
	// Namespaced is true when objects live in a namespace.
	Namespaced bool
	// Subresources lists the served subresources, e.g. {Name: "status"},
	// {Name: "scale", Group: "autoscaling", Version: "v1", Kind: "Scale"},
	// {Name: "binding", Kind: "Binding"}.
	Subresources []Subresource
	// ListKind is the kind of a list of these objects. Empty means Kind+"List".
	ListKind string
	// Verbs are the verbs served on the resource. Empty means all of get,
	// list, watch, create, update, patch, delete and deletecollection.
	Verbs []string
}

// Subresource describes a subresource of a served resource.
type Subresource struct {
	// Name is the last path segment, e.g. "status".
	Name string
	// Group and Version are those of the subresource's kind. When Version is
	// empty, both are the parent's.
	Group, Version string
	// Kind is the kind read and written through the subresource. Empty means
	// the parent's kind.
	Kind string
	// Verbs are the served verbs, among get, create, update and patch. Empty
	// means create for "binding" and "eviction", and get, update and patch
	// otherwise.
	Verbs []string
}

// groupVersion returns the resource's group-version.
func (r Resource) groupVersion() schema.GroupVersion {
	return schema.GroupVersion{Group: r.Group, Version: r.Version}
}

// gvk returns the resource's group-version-kind.
func (r Resource) gvk() schema.GroupVersionKind {
	return r.groupVersion().WithKind(r.Kind)
}

// listGVK returns the group-version-kind of the resource's list.
func (r Resource) listGVK() schema.GroupVersionKind {
	if r.ListKind != "" {
		return r.groupVersion().WithKind(r.ListKind)
	}
	return r.groupVersion().WithKind(r.Kind + "List")
}

// verbs returns the served verbs, defaults applied.
func (r Resource) verbs() []string {
	if len(r.Verbs) == 0 {
		return defaultResourceVerbs()
	}
	return r.Verbs
}

// has reports whether the resource serves verb.
func (r Resource) has(verb string) bool {
	return slices.Contains(r.verbs(), verb)
}

// gvk returns the subresource's group-version-kind, defaults taken from parent.
func (s Subresource) gvk(parent Resource) schema.GroupVersionKind {
	gvk := parent.gvk()
	if s.Version != "" {
		gvk.Group, gvk.Version = s.Group, s.Version
	}
	if s.Kind != "" {
		gvk.Kind = s.Kind
	}
	return gvk
}

// verbs returns the served verbs, defaults applied.
func (s Subresource) verbs() []string {
	switch {
	case len(s.Verbs) > 0:
		return s.Verbs
	case s.Name == "binding" || s.Name == "eviction":
		return []string{VerbCreate}
	default:
		return []string{VerbGet, VerbUpdate, VerbPatch}
	}
}

// validate checks the fields that the path and operation layout depends on.
func (r Resource) validate() error {
	if r.Version == "" || r.Kind == "" || r.Plural == "" {
		return errors.New("version, kind and plural are required")
	}
	for _, v := range r.Verbs {
		if !slices.Contains(defaultResourceVerbs(), v) {
			return fmt.Errorf("unknown verb %q", v)
		}
	}
	seen := map[string]bool{}
	for _, s := range r.Subresources {
		if s.Name == "" {
			return errors.New("subresource without a name")
		}
		if seen[s.Name] {
			return fmt.Errorf("subresource %q listed twice", s.Name)
		}
		seen[s.Name] = true
		if s.Group != "" && s.Version == "" {
			return fmt.Errorf("subresource %q: group %q without a version", s.Name, s.Group)
		}
		for _, v := range s.Verbs {
			if !slices.Contains(subresourceVerbs(), v) {
				return fmt.Errorf("subresource %q: verb %q not supported", s.Name, v)
			}
		}
	}
	return nil
}
