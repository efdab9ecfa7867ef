// Package dnstest helps test DNS code without the network: a Recorder
// ResponseWriter for calling handlers directly, and an Upstream, a small
// authoritative server on loopback that answers from zone-file records.
package dnstest
