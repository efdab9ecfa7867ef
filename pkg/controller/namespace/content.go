package namespace

import (
	"context"
	"fmt"
	"slices"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/metadata"
)

// resource is a namespaced resource the deleter empties.
type resource struct {
	GVR              schema.GroupVersionResource
	DeleteCollection bool
}

func (r resource) String() string {
	if r.GVR.Group == "" {
		return r.GVR.Resource
	}
	return r.GVR.Resource + "." + r.GVR.Group
}

// namespacedResources lists the namespaced resources that can be listed
// and deleted. With a partial discovery failure it returns what it found
// and the error.
func namespacedResources(d discovery.ServerResourcesInterface) ([]resource, error) {
	lists, err := d.ServerPreferredNamespacedResources()
	if err != nil && len(lists) == 0 {
		return nil, fmt.Errorf("discovering namespaced resources: %w", err)
	}
	var out []resource
	for _, l := range lists {
		gv, perr := schema.ParseGroupVersion(l.GroupVersion)
		if perr != nil {
			continue
		}
		for _, r := range l.APIResources {
			if !r.Namespaced || containsSlash(r.Name) || !slices.Contains(r.Verbs, "list") || !slices.Contains(r.Verbs, "delete") {
				continue
			}
			out = append(out, resource{GVR: gv.WithResource(r.Name), DeleteCollection: slices.Contains(r.Verbs, "deletecollection")})
		}
	}
	slices.SortFunc(out, func(a, b resource) int {
		if a.String() < b.String() {
			return -1
		}
		if a.String() > b.String() {
			return 1
		}
		return 0
	})
	if err != nil {
		err = fmt.Errorf("discovering namespaced resources: %w", err)
	}
	return out, err
}

func containsSlash(s string) bool {
	for _, c := range s {
		if c == '/' {
			return true
		}
	}
	return false
}

// deleter empties namespaces through the metadata client.
type deleter struct {
	md   metadata.Interface
	disc discovery.ServerResourcesInterface
}

// deleteContent deletes everything in the namespace, with the default
// grace period and background propagation, and reports what is left.
func (d *deleter) deleteContent(ctx context.Context, ns string, now time.Time) report {
	r := report{Remaining: map[string]int{}, Finalizers: map[string]int{}}
	resources, err := namespacedResources(d.disc)
	r.DiscoveryErr = err
	for _, res := range resources {
		if err := d.deleteAll(ctx, res, ns); err != nil {
			r.DeleteErrs = append(r.DeleteErrs, err)
			continue
		}
		list, err := d.md.Resource(res.GVR).Namespace(ns).List(ctx, metav1.ListOptions{})
		if err != nil {
			r.DeleteErrs = append(r.DeleteErrs, fmt.Errorf("listing %s: %w", res, err))
			continue
		}
		for _, item := range list.Items {
			r.Remaining[res.String()]++
			for _, f := range item.Finalizers {
				r.Finalizers[f]++
			}
			if dt := item.DeletionTimestamp; dt != nil && dt.After(now) {
				r.Estimate = max(r.Estimate, dt.Sub(now))
			}
		}
	}
	if len(r.Remaining) == 0 {
		r.Remaining = nil
	}
	if len(r.Finalizers) == 0 {
		r.Finalizers = nil
	}
	return r
}

// deleteAll deletes a resource's objects in ns: in one call where the
// resource supports deletecollection, else one by one.
func (d *deleter) deleteAll(ctx context.Context, res resource, ns string) error {
	background := metav1.DeletePropagationBackground
	opts := metav1.DeleteOptions{PropagationPolicy: &background}
	client := d.md.Resource(res.GVR).Namespace(ns)
	if res.DeleteCollection {
		err := client.DeleteCollection(ctx, opts, metav1.ListOptions{})
		if err == nil || apierrors.IsNotFound(err) {
			return nil
		}
		if !apierrors.IsMethodNotSupported(err) {
			return fmt.Errorf("deleting all %s: %w", res, err)
		}
	}
	list, err := client.List(ctx, metav1.ListOptions{})
	if err != nil {
		return fmt.Errorf("listing %s: %w", res, err)
	}
	for _, item := range list.Items {
		if item.DeletionTimestamp != nil {
			continue
		}
		if err := client.Delete(ctx, item.Name, opts); err != nil && !apierrors.IsNotFound(err) {
			return fmt.Errorf("deleting %s %s: %w", res, item.Name, err)
		}
	}
	return nil
}
