package openapi

import (
	"k8s.io/kube-openapi/pkg/common"
)

// Query parameters of the Kubernetes API. The descriptions are short; the
// names, types and placement follow kube-apiserver, because clients look them
// up by name (kubectl checks for fieldValidation on PATCH).

func queryParam(name, dataType, doc string) param {
	return param{name: name, doc: doc, kind: common.QueryParameterKind, dataType: dataType}
}

func pathParam(name, doc string) param {
	return param{name: name, doc: doc, required: true, kind: common.PathParameterKind, dataType: "string"}
}

func bodyParam(required bool) param {
	return param{name: "body", required: required, kind: common.BodyParameterKind, dataType: "object"}
}

func prettyParam() param {
	return queryParam("pretty", "string", "If 'true', then the output is pretty printed.")
}

func namespaceParam() param {
	return pathParam("namespace", "object name and auth scope, such as for teams and projects")
}

func nameParam(kind string) param {
	return pathParam("name", "name of the "+kind)
}

// listParams are the parameters of list, watch and (without the watch ones)
// deletecollection.
func listParams(withWatch bool) []common.Parameter {
	ps := []common.Parameter{
		queryParam("continue", "string", "The continue token returned by a previous paged list call, to fetch the next page."),
		queryParam("fieldSelector", "string", "A selector restricting the returned objects by their fields. Defaults to everything."),
		queryParam("labelSelector", "string", "A selector restricting the returned objects by their labels. Defaults to everything."),
		queryParam("limit", "integer", "The maximum number of objects to return in one page; a continue token in the list metadata fetches the rest."),
		queryParam("resourceVersion", "string", "Constrains which resource versions the request may be served from."),
		queryParam("resourceVersionMatch", "string", "How resourceVersion applies to list calls: Exact or NotOlderThan."),
		queryParam("sendInitialEvents", "boolean", "With watch=true, start the watch with synthetic ADDED events for the current state, ended by a BOOKMARK annotated \"k8s.io/initial-events-end\": \"true\"."),
		queryParam("timeoutSeconds", "integer", "Timeout for the list or watch call, whether or not there is activity."),
	}
	if withWatch {
		ps = append(ps,
			queryParam("allowWatchBookmarks", "boolean", "Requests BOOKMARK watch events. The server may send them at its discretion."),
			queryParam("watch", "boolean", "Watch for changes to the described resources and return them as a stream of add, update and remove notifications."),
		)
	}
	return ps
}

// writeParams are the parameters of create, update and patch.
func writeParams() []common.Parameter {
	return []common.Parameter{
		dryRunParam(),
		queryParam("fieldManager", "string", "The name of the actor making the change, recorded in managedFields."),
		queryParam("fieldValidation", "string", "How the server treats unknown or duplicate fields in the request body: Ignore, Warn or Strict."),
	}
}

// deleteParams are the parameters of delete and deletecollection.
func deleteParams() []common.Parameter {
	return []common.Parameter{
		dryRunParam(),
		queryParam("gracePeriodSeconds", "integer", "Seconds before the object is deleted; zero means immediately."),
		queryParam("ignoreStoreReadErrorWithClusterBreakingPotential", "boolean", "Delete a corrupt object that cannot be read from storage."),
		queryParam("orphanDependents", "boolean", "Deprecated: use propagationPolicy. Whether dependents are orphaned."),
		queryParam("propagationPolicy", "string", "Whether and how garbage collection is done: Orphan, Background or Foreground."),
	}
}

func dryRunParam() param {
	return queryParam("dryRun", "string", "When present, modifications are not persisted. The only valid value is All.")
}

func forceParam() param {
	return queryParam("force", "boolean", "Force an apply request: take ownership of conflicting fields. Only valid for apply patches.")
}
