// Package probe runs a pod's liveness, readiness and startup probes, as the
// kubelet does.
//
// A Prober performs one probe: an HTTP GET from the node to the pod's IP
// (any status from 200 to 399 succeeds), a TCP connect, or a command run
// in the container (exit code 0 succeeds). It is an interface so that
// tests inject results without a network.
//
// A Manager keeps one worker goroutine per (container, probe kind) for the
// running containers it is told about (Sync). A worker waits
// initialDelaySeconds after the container started, then probes every
// periodSeconds with timeoutSeconds, and turns the result to Success after
// successThreshold consecutive successes and to Failure after
// failureThreshold consecutive failures (the Tracker, a pure state
// machine). Readiness starts as Failure, liveness as Success, startup as
// Unknown. While a container has a startup probe that has not succeeded,
// its liveness and readiness workers do not probe. A worker stops probing
// startup once it succeeds. Each result change calls OnChange, so the
// agent re-syncs the pod.
package probe
