package resources

import (
	appsv1 "k8s.io/api/apps/v1"
	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	eventsv1 "k8s.io/api/events/v1"
	networkingv1 "k8s.io/api/networking/v1"
	apivalidation "k8s.io/apimachinery/pkg/api/validation"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"

	appsapi "github.com/svcnet/svcnet/pkg/apis/apps"
	coordapi "github.com/svcnet/svcnet/pkg/apis/coordination"
	coreapi "github.com/svcnet/svcnet/pkg/apis/core"
	discoveryapi "github.com/svcnet/svcnet/pkg/apis/discovery"
	eventsapi "github.com/svcnet/svcnet/pkg/apis/events"
	networkingapi "github.com/svcnet/svcnet/pkg/apis/networking"
	"github.com/svcnet/svcnet/pkg/registry/generic"
	"github.com/svcnet/svcnet/pkg/registry/service"
)

// typed adapts typed defaulting and validation functions to a Strategy.
func typed[T runtime.Object](def func(T), defUpdate func(T, T), validate func(T) field.ErrorList, validateUpdate func(T, T) field.ErrorList) generic.Strategy {
	return generic.StrategyFuncs{
		PrepareForCreateFunc: func(obj runtime.Object) {
			resetStatusOnCreate(obj)
			if def != nil {
				def(obj.(T))
			}
		},
		ValidateFunc: func(obj runtime.Object) field.ErrorList {
			if validate == nil {
				return nil
			}
			return validate(obj.(T))
		},
		PrepareForUpdateFunc: func(obj, old runtime.Object) {
			switch {
			case defUpdate != nil:
				defUpdate(obj.(T), old.(T))
			case def != nil:
				def(obj.(T))
			}
		},
		ValidateUpdateFunc: func(obj, old runtime.Object) field.ErrorList {
			if validateUpdate != nil {
				return validateUpdate(obj.(T), old.(T))
			}
			if validate != nil {
				return validate(obj.(T))
			}
			return nil
		},
	}
}

// definitions lists every served resource.
func definitions(alloc *service.Allocator) []def {
	return []def{
		{gv: coreGV, kind: "Namespace", plural: "namespaces", singular: "namespace", short: []string{"ns"},
			newFunc: func() runtime.Object { return &corev1.Namespace{} }, newList: func() runtime.Object { return &corev1.NamespaceList{} },
			strategy: typed(coreapi.PrepareNamespaceForCreate, func(n, _ *corev1.Namespace) { coreapi.DefaultNamespace(n) }, coreapi.ValidateNamespace, coreapi.ValidateNamespaceUpdate),
			attrs:    namespaceAttrs, nameFunc: apivalidation.ValidateNamespaceName, status: true, configure: configureNamespaces},
		{gv: coreGV, kind: "Node", plural: "nodes", singular: "node", short: []string{"no"},
			newFunc: func() runtime.Object { return &corev1.Node{} }, newList: func() runtime.Object { return &corev1.NodeList{} },
			strategy: typed(coreapi.DefaultNode, nil, coreapi.ValidateNode, coreapi.ValidateNodeUpdate), attrs: nodeAttrs, status: true},
		{gv: coreGV, kind: "Pod", plural: "pods", singular: "pod", short: []string{"po"}, categories: allCategories, namespaced: true,
			newFunc: func() runtime.Object { return &corev1.Pod{} }, newList: func() runtime.Object { return &corev1.PodList{} },
			strategy: typed(coreapi.DefaultPod, nil, coreapi.ValidatePod, coreapi.ValidatePodUpdate),
			attrs:    podAttrs, status: true, generation: true, configure: configurePods},
		{gv: coreGV, kind: "Service", plural: "services", singular: "service", short: []string{"svc"}, categories: allCategories, namespaced: true,
			newFunc: func() runtime.Object { return &corev1.Service{} }, newList: func() runtime.Object { return &corev1.ServiceList{} },
			strategy: typed(coreapi.DefaultService, coreapi.DefaultServiceUpdate, coreapi.ValidateService, coreapi.ValidateServiceUpdate),
			attrs:    serviceAttrs, nameFunc: apivalidation.NameIsDNS1035Label, status: true,
			configure: func(c *generic.Config) { c.Hooks = alloc }},
		{gv: coreGV, kind: "Endpoints", plural: "endpoints", singular: "endpoints", short: []string{"ep"}, namespaced: true,
			newFunc: func() runtime.Object { return &corev1.Endpoints{} }, newList: func() runtime.Object { return &corev1.EndpointsList{} },
			strategy: typed(coreapi.DefaultEndpoints, nil, coreapi.ValidateEndpoints, coreapi.ValidateEndpointsUpdate), createOnUp: true},
		{gv: coreGV, kind: "Event", plural: "events", singular: "event", short: []string{"ev"}, namespaced: true,
			newFunc: func() runtime.Object { return &corev1.Event{} }, newList: func() runtime.Object { return &corev1.EventList{} },
			strategy: typed(nil, nil, coreapi.ValidateEvent, coreapi.ValidateEventUpdate), attrs: eventAttrs, createOnUp: true},
		{gv: coreGV, kind: "ConfigMap", plural: "configmaps", singular: "configmap", short: []string{"cm"}, namespaced: true,
			newFunc: func() runtime.Object { return &corev1.ConfigMap{} }, newList: func() runtime.Object { return &corev1.ConfigMapList{} },
			strategy: typed(nil, nil, coreapi.ValidateConfigMap, coreapi.ValidateConfigMapUpdate)},
		{gv: discoveryGV, kind: "EndpointSlice", plural: "endpointslices", singular: "endpointslice", namespaced: true,
			newFunc: func() runtime.Object { return &discoveryv1.EndpointSlice{} }, newList: func() runtime.Object { return &discoveryv1.EndpointSliceList{} },
			strategy:   typed(discoveryapi.DefaultEndpointSlice, nil, discoveryapi.ValidateEndpointSlice, discoveryapi.ValidateEndpointSliceUpdate),
			generation: true},
		{gv: appsGV, kind: "Deployment", plural: "deployments", singular: "deployment", short: []string{"deploy"}, categories: allCategories, namespaced: true,
			newFunc: func() runtime.Object { return &appsv1.Deployment{} }, newList: func() runtime.Object { return &appsv1.DeploymentList{} },
			strategy: typed(appsapi.DefaultDeployment, nil, appsapi.ValidateDeployment, appsapi.ValidateDeploymentUpdate),
			status:   true, generation: true},
		{gv: appsGV, kind: "ReplicaSet", plural: "replicasets", singular: "replicaset", short: []string{"rs"}, categories: allCategories, namespaced: true,
			newFunc: func() runtime.Object { return &appsv1.ReplicaSet{} }, newList: func() runtime.Object { return &appsv1.ReplicaSetList{} },
			strategy: typed(appsapi.DefaultReplicaSet, nil, appsapi.ValidateReplicaSet, appsapi.ValidateReplicaSetUpdate),
			attrs:    replicaSetAttrs, status: true, generation: true},
		{gv: coordGV, kind: "Lease", plural: "leases", singular: "lease", namespaced: true,
			newFunc: func() runtime.Object { return &coordinationv1.Lease{} }, newList: func() runtime.Object { return &coordinationv1.LeaseList{} },
			strategy: typed(nil, nil, coordapi.ValidateLease, coordapi.ValidateLeaseUpdate), createOnUp: true},
		{gv: eventsGV, kind: "Event", plural: "events", singular: "event", short: []string{"ev"}, namespaced: true,
			newFunc: func() runtime.Object { return &eventsv1.Event{} }, newList: func() runtime.Object { return &eventsv1.EventList{} },
			strategy: typed(nil, nil, eventsapi.ValidateEvent, eventsapi.ValidateEventUpdate), attrs: eventsV1Attrs, createOnUp: true},
		{gv: networkingGV, kind: "ServiceCIDR", plural: "servicecidrs", singular: "servicecidr",
			newFunc: func() runtime.Object { return &networkingv1.ServiceCIDR{} }, newList: func() runtime.Object { return &networkingv1.ServiceCIDRList{} },
			strategy: typed(nil, nil, networkingapi.ValidateServiceCIDR, networkingapi.ValidateServiceCIDRUpdate), status: true},
		{gv: networkingGV, kind: "IPAddress", plural: "ipaddresses", singular: "ipaddress", short: []string{"ip"},
			newFunc: func() runtime.Object { return &networkingv1.IPAddress{} }, newList: func() runtime.Object { return &networkingv1.IPAddressList{} },
			strategy: typed(nil, nil, networkingapi.ValidateIPAddress, networkingapi.ValidateIPAddressUpdate),
			nameFunc: func(string, bool) []string { return nil }},
	}
}
