// Package integration holds integration tests: each starts a real control
// plane (embedded etcd in a temporary directory, the HTTPS API server on a
// loopback port) and drives it with client-go and the embedded kubectl.
package integration
