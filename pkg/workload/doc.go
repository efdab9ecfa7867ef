// Package workload holds the built-in workloads that svcnet pods run
// instead of container images.
//
// svcnet has no container images. When a pod's container names a
// well-known image, the node agent runs the matching workload by
// re-executing the svcnet binary as
//
//	svcnet workload NAME [--port N]... [ARGS]...
//
// with one --port for each containerPort, followed by the container's own
// args. [Lookup] maps an image reference (and, for agnhost, its args) to a
// workload name; [Names] lists the names for the agent's "image not found"
// message; [Main] runs a workload until SIGTERM or SIGINT.
//
// The workloads answer as the real images do, so that tutorials work word
// for word:
//
//   - nginx serves the nginx welcome page, and nginx's 404 page elsewhere.
//   - httpd serves Apache's "It works!" page.
//   - whoami prints the host name, the interface addresses and the request,
//     as traefik/whoami does, with /api (JSON) and /health.
//   - netexec is agnhost's netexec: /hostname, /clientip, /echo, /dial
//     and more over HTTP, and hostname/echo/clientip over UDP.
//   - serve-hostname answers the host name on every request.
//   - sleep does nothing until it is stopped (busybox, alpine, curl...).
//
// Each HTTP workload logs one line per request to stdout in an access-log
// format, so that kubectl logs shows the traffic.
//
// Args that a workload does not understand are ignored, as real images
// ignore them. A hidden --address flag picks the IP to listen on (default
// 0.0.0.0); tests use it to stay on loopback.
//
// The package keeps no global state: each Main call builds its own
// servers, so tests run many workloads in one process.
package workload
