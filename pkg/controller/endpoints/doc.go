// Package endpoints is the Endpoints controller: it keeps the core/v1
// Endpoints object of every Service with a selector in step with the pods
// the selector matches, the object that older clients and `kubectl
// describe service` ("Endpoints:") read.
//
// Membership follows Kubernetes: pods that have an IP and are not
// terminal; ready pods go in addresses, others in notReadyAddresses;
// terminating pods are left out unless the Service publishes not-ready
// addresses. Addresses that offer the same ports share a subset, and an
// object is cut to 1000 addresses (ready ones first) with the
// endpoints.kubernetes.io/over-capacity: truncated annotation.
//
// The controller never touches the Endpoints of a Service without a
// selector (those belong to their users; the endpointslicemirroring
// controller turns them into EndpointSlices) and deletes the Endpoints of
// a Service that is deleted, as Kubernetes does.
//
// Reconcile is the pure core; Controller is the informer and workqueue
// loop around it.
package endpoints
