// Package openapi builds and serves the OpenAPI documents of svcnet's API
// server: /openapi/v2 (JSON and protobuf) and /openapi/v3 (an index plus one
// document per group-version, such as /openapi/v3/api/v1).
//
// Clients depend on these documents more than one would guess:
//
//   - kubectl apply fetches /openapi/v3, then /openapi/v2, and refuses to run
//     without them. Its strategic merge patch reads the
//     x-kubernetes-patch-merge-key and x-kubernetes-patch-strategy extensions
//     of the schemas, found through x-kubernetes-group-version-kind.
//   - kubectl 1.27 and later leave field validation to the server only when a
//     kind's PATCH operation in the v3 document declares the fieldValidation
//     query parameter.
//   - kubectl 1.20 validates objects on the client against /openapi/v2,
//     fetched as protobuf.
//   - kubectl explain renders schemas from the v3 document of the group-version.
//
// The schemas come from pkg/generated/openapi. The paths and operations are
// built from a list of Resource values the way kube-apiserver lays them out
// (operation IDs such as listCoreV1NamespacedService, the x-kubernetes-action
// extension and the standard query parameters), fed through kube-openapi's
// builders as routes, and served by kube-openapi's handlers. Only definitions
// reachable from the served operations are included.
//
// A Service is immutable once built: NewService builds both documents once,
// and Install only registers handlers.
package openapi
