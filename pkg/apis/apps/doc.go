// Package apps holds defaulting and validation for the apps/v1 types svcnet
// serves, Deployments and ReplicaSets, and for their autoscaling/v1 Scale
// subresource.
//
// As in package core, the API server runs Default* on every create and
// update, then Validate* or Validate*Update, and turns the field.ErrorList
// into a 422; paths and messages follow kube-apiserver. Pod templates are
// defaulted and validated with core.DefaultPodTemplateSpec and
// core.ValidatePodTemplateSpec.
package apps
