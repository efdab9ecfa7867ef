// Package apiserver is svcnet's Kubernetes API HTTP layer: discovery, the REST
// verbs with Kubernetes' wire semantics (JSON and protobuf, server-side
// Tables, PartialObjectMetadata, JSON/merge/strategic-merge patches, strict
// field validation, dry runs), watches with bookmarks and watch-list, and
// status, scale and binding subresources.
//
// It holds no storage logic of its own: each Resource points at a
// generic.Registry, which owns metadata semantics, concurrency and
// persistence. Authentication wraps the handler from outside (see authn).
package apiserver
