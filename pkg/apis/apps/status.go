package apps

import (
	apimachineryvalidation "k8s.io/apimachinery/pkg/api/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// counted is a named status counter.
type counted struct {
	name  string
	value int32
}

// validateReplicaCounts checks that status.replicas and each counter are
// non-negative and that no counter exceeds status.replicas.
func validateReplicaCounts(fldPath *field.Path, total int32, counters ...counted) field.ErrorList {
	allErrs := nonNegative(int64(total), fldPath.Child("replicas"))
	for _, c := range counters {
		allErrs = append(allErrs, nonNegative(int64(c.value), fldPath.Child(c.name))...)
	}
	for _, c := range counters {
		if c.name != "unavailableReplicas" && c.value > total {
			allErrs = append(allErrs, field.Invalid(fldPath.Child(c.name), c.value, "cannot be greater than status.replicas"))
		}
	}
	return allErrs
}

// nonNegative is ValidateNonnegativeField.
func nonNegative(v int64, fldPath *field.Path) field.ErrorList {
	return apimachineryvalidation.ValidateNonnegativeField(v, fldPath)
}

// replicas returns *r, or 0 for nil (which defaulting prevents).
func replicas(r *int32) int32 {
	if r == nil {
		return 0
	}
	return *r
}

// isDecremented reports whether a counter went down or disappeared.
func isDecremented(update, old *int32) bool {
	if update == nil {
		return old != nil
	}
	return old != nil && *update < *old
}
