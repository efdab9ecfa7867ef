package openapi

// exampleResources is a small served set: what the tests build documents of.
func exampleResources() []Resource {
	return []Resource{
		{Version: "v1", Kind: "Service", Plural: "services", Namespaced: true,
			Subresources: []Subresource{{Name: "status"}}},
		{Version: "v1", Kind: "Pod", Plural: "pods", Namespaced: true,
			Subresources: []Subresource{{Name: "status"}, {Name: "binding", Kind: "Binding"}}},
		{Version: "v1", Kind: "Node", Plural: "nodes",
			Subresources: []Subresource{{Name: "status"}}},
		{Version: "v1", Kind: "Namespace", Plural: "namespaces",
			Subresources: []Subresource{{Name: "status"}}},
		{Version: "v1", Kind: "Endpoints", Plural: "endpoints", Namespaced: true},
		{Group: "apps", Version: "v1", Kind: "Deployment", Plural: "deployments", Namespaced: true,
			Subresources: []Subresource{{Name: "status"}, {Name: "scale", Group: "autoscaling", Version: "v1", Kind: "Scale"}}},
		{Group: "apps", Version: "v1", Kind: "ReplicaSet", Plural: "replicasets", Namespaced: true,
			Subresources: []Subresource{{Name: "status"}, {Name: "scale", Group: "autoscaling", Version: "v1", Kind: "Scale"}}},
		{Group: "discovery.k8s.io", Version: "v1", Kind: "EndpointSlice", Plural: "endpointslices", Namespaced: true},
		{Group: "coordination.k8s.io", Version: "v1", Kind: "Lease", Plural: "leases", Namespaced: true},
		{Group: "events.k8s.io", Version: "v1", Kind: "Event", Plural: "events", Namespaced: true},
	}
}
