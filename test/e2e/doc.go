// Package e2e holds end-to-end tests: they build the svcnet binary and drive
// a real control plane with real kubectl clients (the embedded one, and the
// machine's older kubectl releases where present). Lab-based tests that need
// root and network namespaces skip with the reason when those are missing.
package e2e
