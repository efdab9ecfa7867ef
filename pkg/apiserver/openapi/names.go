package openapi

import (
	"fmt"
	"sort"
	"strings"
	"unicode"

	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	kubeutil "k8s.io/kube-openapi/pkg/util"
	"k8s.io/kube-openapi/pkg/validation/spec"
)

// extensionGVK is the extension naming the kinds of a definition (a list) or
// of an operation (a single object).
const extensionGVK = "x-kubernetes-group-version-kind"

// extensionAction is the extension naming an operation's verb, as
// kube-apiserver spells it: get, list, put, patch, post, delete,
// deletecollection, watch, watchlist.
const extensionAction = "x-kubernetes-action"

// gvPath returns the URL prefix of a group-version without its leading slash,
// which is also its key in the /openapi/v3 index: "api/v1" or "apis/apps/v1".
func gvPath(gv schema.GroupVersion) string {
	if gv.Group == "" {
		return "api/" + gv.Version
	}
	return "apis/" + gv.Group + "/" + gv.Version
}

// camel removes the characters that cannot appear in an operation ID and
// capitalises the letter after each of them, and the first letter when
// upper is true: ("rbac.authorization", true) -> "RbacAuthorization".
func camel(s string, upper bool) string {
	var b strings.Builder
	for _, r := range s {
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) {
			upper = true
			continue
		}
		if upper {
			r = unicode.ToUpper(r)
			upper = false
		}
		b.WriteRune(r)
	}
	return b.String()
}

// groupName is the group as it appears in operation IDs and tags: "core" for
// the legacy group, and without the ".k8s.io" suffix otherwise.
func groupName(group string) string {
	if group == "" {
		return "core"
	}
	return strings.TrimSuffix(group, ".k8s.io")
}

// operationID composes an operation ID as kube-apiserver does: the verb, then
// the group-version, then the rest: ("list", core/v1, "NamespacedService") ->
// "listCoreV1NamespacedService".
func operationID(verb string, gv schema.GroupVersion, rest string) string {
	return verb + camel(groupName(gv.Group), true) + camel(gv.Version, true) + camel(rest, true)
}

// tag is the operation tag of a group-version, e.g. "core_v1", "apps_v1".
func tag(gv schema.GroupVersion) string {
	return camel(groupName(gv.Group), false) + "_" + camel(gv.Version, false)
}

// modelNamer maps kinds to definition names through a scheme: the Go type
// registered for a kind names its definition.
type modelNamer struct {
	scheme *runtime.Scheme
}

// name returns the definition name of a kind, e.g. io.k8s.api.core.v1.Service.
func (n modelNamer) name(gvk schema.GroupVersionKind) (model, error) {
	obj, err := n.scheme.New(gvk)
	if err != nil {
		return "", fmt.Errorf("looking up the Go type of %v: %w", gvk, err)
	}
	return model(restName(kubeutil.GetCanonicalTypeName(obj))), nil
}

// restName turns a Go type name such as k8s.io/api/core/v1.Service into its
// definition name, io.k8s.api.core.v1.Service. Names that are already
// definition names (those of types with an OpenAPIModelName method) have no
// slash and are kept.
func restName(name string) string {
	if !strings.Contains(name, "/") {
		return name
	}
	return kubeutil.ToRESTFriendlyName(name)
}

// definitionNamer is the builders' GetDefinitionName hook. Definitions are
// already keyed by their final names; the namer adds the
// x-kubernetes-group-version-kind extension to those that are kinds.
type definitionNamer struct {
	kinds map[string][]schema.GroupVersionKind
}

// add records that the definition named m is the schema of gvk.
func (d *definitionNamer) add(m model, gvk schema.GroupVersionKind) {
	for _, have := range d.kinds[string(m)] {
		if have == gvk {
			return
		}
	}
	d.kinds[string(m)] = append(d.kinds[string(m)], gvk)
}

// extensions returns the definition extensions of each named definition, with
// the kinds sorted by group, version and kind as kube-apiserver sorts them.
func (d *definitionNamer) extensions() map[string]spec.Extensions {
	out := make(map[string]spec.Extensions, len(d.kinds))
	for name, gvks := range d.kinds {
		sorted := append([]schema.GroupVersionKind(nil), gvks...)
		sort.Slice(sorted, func(i, j int) bool {
			a, b := sorted[i], sorted[j]
			if a.Group != b.Group {
				return a.Group < b.Group
			}
			if a.Version != b.Version {
				return a.Version < b.Version
			}
			return a.Kind < b.Kind
		})
		list := make([]interface{}, 0, len(sorted))
		for _, gvk := range sorted {
			list = append(list, gvkObject(gvk))
		}
		out[name] = spec.Extensions{extensionGVK: list}
	}
	return out
}

// getDefinitionName returns a GetDefinitionName hook serving exts.
func getDefinitionName(exts map[string]spec.Extensions) func(string) (string, spec.Extensions) {
	return func(name string) (string, spec.Extensions) {
		name = restName(name)
		return name, exts[name]
	}
}

// gvkObject renders a kind as the object the extensions hold.
func gvkObject(gvk schema.GroupVersionKind) map[string]interface{} {
	return map[string]interface{}{"group": gvk.Group, "version": gvk.Version, "kind": gvk.Kind}
}
