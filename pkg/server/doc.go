// Package server wires svcnet's control plane into one process: etcd
// (embedded or external), first-start credentials, the Service registry and
// the other resources, the HTTPS API server with authentication, the
// bootstrap objects (default namespaces, the kubernetes Service, the
// ServiceCIDR) and the controllers.
//
// It is the only package that imports the components side by side; they
// otherwise talk to each other through the API.
package server
