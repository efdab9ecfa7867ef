// Package healthcheck serves the proxy's two kinds of health checks.
//
// ProxyHealth answers /healthz for the proxy as a whole: it fails (503)
// once a change has waited longer than a timeout without a successful
// sync, so a supervisor or a load balancer can tell that the node's rules
// are stale.
//
// ServiceServer answers the healthCheckNodePort of each LoadBalancer
// Service with externalTrafficPolicy Local. Cloud load balancers probe
// that port on every node and send traffic only to nodes that answer 200,
// that is nodes with at least one local endpoint, since such Services
// never forward to other nodes. The JSON body is kube-proxy's:
//
//	{"service":{"namespace":"ns","name":"web"},"localEndpoints":2,"serviceProxyHealthy":true}
package healthcheck
