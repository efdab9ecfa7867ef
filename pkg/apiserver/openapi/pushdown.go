package openapi

import (
	"cmp"
	"slices"

	"k8s.io/kube-openapi/pkg/spec3"
	"k8s.io/kube-openapi/pkg/validation/spec"
)

// operationLevelParams are query parameters that must stay on each operation.
// The builders hoist a parameter to its path when every operation on the path
// has it (a path with only PATCH, say), but kubectl looks for fieldValidation
// (and, before 1.26, dryRun) among the parameters of the operation itself.
func operationLevelParams() []string { return []string{"fieldValidation", "dryRun"} }

// pushDownV2 moves operationLevelParams from paths into their operations.
func pushDownV2(sw *spec.Swagger) (*spec.Swagger, error) {
	if sw.Paths == nil {
		return sw, nil
	}
	keep := operationLevelParams()
	for path, item := range sw.Paths.Paths {
		var moved []spec.Parameter
		item.Parameters = slices.DeleteFunc(item.Parameters, func(p spec.Parameter) bool {
			if p.In == "query" && slices.Contains(keep, p.Name) {
				moved = append(moved, p)
				return true
			}
			return false
		})
		if len(moved) == 0 {
			continue
		}
		for _, op := range []*spec.Operation{item.Get, item.Put, item.Post, item.Delete, item.Options, item.Head, item.Patch} {
			if op != nil {
				op.Parameters = append(op.Parameters, moved...)
				slices.SortFunc(op.Parameters, func(a, b spec.Parameter) int {
					return cmp.Or(cmp.Compare(a.Name, b.Name), cmp.Compare(a.In, b.In))
				})
			}
		}
		sw.Paths.Paths[path] = item
	}
	return sw, nil
}

// pushDownV3 moves operationLevelParams from paths into their operations.
func pushDownV3(doc *spec3.OpenAPI) (*spec3.OpenAPI, error) {
	if doc.Paths == nil {
		return doc, nil
	}
	keep := operationLevelParams()
	for _, item := range doc.Paths.Paths {
		var moved []*spec3.Parameter
		item.Parameters = slices.DeleteFunc(item.Parameters, func(p *spec3.Parameter) bool {
			if p.In == "query" && slices.Contains(keep, p.Name) {
				moved = append(moved, p)
				return true
			}
			return false
		})
		if len(moved) == 0 {
			continue
		}
		for _, op := range []*spec3.Operation{item.Get, item.Put, item.Post, item.Delete, item.Options, item.Head, item.Patch, item.Trace} {
			if op != nil {
				op.Parameters = append(op.Parameters, moved...)
				slices.SortFunc(op.Parameters, func(a, b *spec3.Parameter) int {
					return cmp.Or(cmp.Compare(a.Name, b.Name), cmp.Compare(a.In, b.In))
				})
			}
		}
	}
	return doc, nil
}
