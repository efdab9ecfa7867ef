package apiserver

import (
	"net/http"
	"strings"
)

// requestInfo is what a resource request's path and method say.
type requestInfo struct {
	Group, Version string
	Namespace      string
	Resource       string
	Name           string
	Subresource    string
	Verb           string
}

// namespaceSubresources are the subresources of a namespace object itself,
// which must not be read as resources inside that namespace.
var namespaceSubresources = map[string]bool{"status": true, "finalize": true}

// parseRequestInfo parses /api/v1/... and /apis/<group>/<version>/... paths.
// It returns ok=false for paths that are not resource requests.
func parseRequestInfo(r *http.Request) (requestInfo, bool) {
	var info requestInfo
	parts := splitPath(r.URL.Path)
	switch {
	case len(parts) >= 3 && parts[0] == "api":
		info.Version, parts = parts[1], parts[2:]
	case len(parts) >= 4 && parts[0] == "apis":
		info.Group, info.Version, parts = parts[1], parts[2], parts[3:]
	default:
		return info, false
	}
	watchPath := false
	if parts[0] == "watch" {
		watchPath, parts = true, parts[1:]
		if len(parts) == 0 {
			return info, false
		}
	}
	if parts[0] == "namespaces" && len(parts) > 1 {
		info.Namespace = parts[1]
		if len(parts) > 2 && !namespaceSubresources[parts[2]] {
			parts = parts[2:]
		}
	}
	info.Resource = parts[0]
	if len(parts) > 1 {
		info.Name = parts[1]
	}
	if len(parts) > 2 {
		info.Subresource = strings.Join(parts[2:], "/")
	}
	if info.Resource == "namespaces" {
		// /api/v1/namespaces/foo names the namespace foo itself.
		info.Namespace = ""
	}
	info.Verb = verbFor(r, info, watchPath)
	return info, true
}

func splitPath(p string) []string {
	p = strings.Trim(p, "/")
	if p == "" {
		return nil
	}
	return strings.Split(p, "/")
}

func verbFor(r *http.Request, info requestInfo, watchPath bool) string {
	switch r.Method {
	case http.MethodGet, http.MethodHead:
		if watchPath || isTrue(r.URL.Query().Get("watch")) {
			return "watch"
		}
		if info.Name == "" {
			return "list"
		}
		return "get"
	case http.MethodPost:
		return "create"
	case http.MethodPut:
		return "update"
	case http.MethodPatch:
		return "patch"
	case http.MethodDelete:
		if info.Name == "" {
			return "deletecollection"
		}
		return "delete"
	}
	return ""
}

func isTrue(s string) bool { return s == "true" || s == "1" }
