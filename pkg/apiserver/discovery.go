package apiserver

import (
	"net/http"
	"sort"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

var (
	resourceVerbs    = metav1.Verbs{"create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"}
	subresourceVerbs = metav1.Verbs{"get", "patch", "update"}
)

// groupVersions returns the served group-versions in a stable order: the
// core group first, then the others by name.
func (s *Server) groupVersions() []schema.GroupVersion {
	var gvs []schema.GroupVersion
	for gv := range s.resources {
		gvs = append(gvs, gv)
	}
	sort.Slice(gvs, func(i, j int) bool {
		if (gvs[i].Group == "") != (gvs[j].Group == "") {
			return gvs[i].Group == ""
		}
		return gvs[i].String() < gvs[j].String()
	})
	return gvs
}

func (s *Server) installDiscovery() {
	s.mux.HandleFunc("/api", func(w http.ResponseWriter, r *http.Request) {
		s.writeDiscovery(w, r, &metav1.APIVersions{
			Versions: []string{"v1"},
			ServerAddressByClientCIDRs: []metav1.ServerAddressByClientCIDR{
				{ClientCIDR: "0.0.0.0/0", ServerAddress: s.c.ExternalAddress},
			},
		})
	})
	s.mux.HandleFunc("/apis", func(w http.ResponseWriter, r *http.Request) {
		list := &metav1.APIGroupList{}
		for _, gv := range s.groupVersions() {
			if gv.Group != "" {
				list.Groups = append(list.Groups, s.apiGroup(gv.Group))
			}
		}
		s.writeDiscovery(w, r, list)
	})
}

func (s *Server) apiGroup(group string) metav1.APIGroup {
	g := metav1.APIGroup{Name: group}
	for _, gv := range s.groupVersions() {
		if gv.Group == group {
			v := metav1.GroupVersionForDiscovery{GroupVersion: gv.String(), Version: gv.Version}
			g.Versions = append(g.Versions, v)
			if g.PreferredVersion.Version == "" {
				g.PreferredVersion = v
			}
		}
	}
	return g
}

// writeDiscovery writes a discovery document. Discovery documents are
// unversioned, so they are encoded for version v1.
func (s *Server) writeDiscovery(w http.ResponseWriter, r *http.Request, obj runtime.Object) {
	s.writeObject(w, r, http.StatusOK, schema.GroupVersion{Version: "v1"}, obj)
}

// serveDiscoveryPath serves /api/v1, /apis/<group> and /apis/<group>/<version>.
func (s *Server) serveDiscoveryPath(w http.ResponseWriter, r *http.Request) {
	parts := splitPath(r.URL.Path)
	var gv schema.GroupVersion
	switch {
	case len(parts) == 2 && parts[0] == "api":
		gv = schema.GroupVersion{Version: parts[1]}
	case len(parts) == 2 && parts[0] == "apis":
		g := s.apiGroup(parts[1])
		if len(g.Versions) == 0 {
			s.writeError(w, apierrors.NewNotFound(schema.GroupResource{}, r.URL.Path))
			return
		}
		s.writeDiscovery(w, r, &g)
		return
	case len(parts) == 3 && parts[0] == "apis":
		gv = schema.GroupVersion{Group: parts[1], Version: parts[2]}
	default:
		s.writeError(w, apierrors.NewNotFound(schema.GroupResource{}, r.URL.Path))
		return
	}
	resources, ok := s.resources[gv]
	if !ok {
		s.writeError(w, apierrors.NewNotFound(schema.GroupResource{}, r.URL.Path))
		return
	}
	list := &metav1.APIResourceList{GroupVersion: gv.String()}
	names := make([]string, 0, len(resources))
	for name := range resources {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		list.APIResources = append(list.APIResources, apiResources(resources[name])...)
	}
	s.writeDiscovery(w, r, list)
}

// apiResources lists a resource and its subresources for discovery.
func apiResources(res *Resource) []metav1.APIResource {
	out := []metav1.APIResource{{
		Name: res.Plural, SingularName: res.Singular, Namespaced: res.Namespaced,
		Kind: res.Kind, Verbs: resourceVerbs, ShortNames: res.ShortNames, Categories: res.Categories,
	}}
	if res.Status != nil {
		out = append(out, metav1.APIResource{Name: res.Plural + "/status", Namespaced: res.Namespaced, Kind: res.Kind, Verbs: subresourceVerbs})
	}
	if res.Scale != nil {
		out = append(out, metav1.APIResource{Name: res.Plural + "/scale", Namespaced: res.Namespaced,
			Group: "autoscaling", Version: "v1", Kind: "Scale", Verbs: subresourceVerbs})
	}
	var subs []string
	for name := range res.Subresources {
		subs = append(subs, name)
	}
	sort.Strings(subs)
	for _, name := range subs {
		h := res.Subresources[name]
		ar := metav1.APIResource{Name: res.Plural + "/" + name, Namespaced: res.Namespaced, Kind: h.Kind.Kind, Verbs: h.Verbs}
		if h.Kind.GroupVersion() != res.GroupVersion {
			ar.Group, ar.Version = h.Kind.Group, h.Kind.Version
		}
		out = append(out, ar)
	}
	return out
}
