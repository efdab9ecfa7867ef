package namespace

import (
	"fmt"
	"sort"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// report is what one pass over a terminating namespace's content found.
type report struct {
	// DiscoveryErr is set when the namespaced resources could not all be
	// listed.
	DiscoveryErr error
	// DeleteErrs are the errors of deleting or listing content.
	DeleteErrs []error
	// Remaining counts the objects left, by resource ("pods",
	// "configmaps", "deployments.apps").
	Remaining map[string]int
	// Finalizers counts the remaining objects holding each finalizer.
	Finalizers map[string]int
	// Estimate is when the slowest remaining object should be gone (the
	// end of a pod's grace period), zero when unknown.
	Estimate time.Duration
}

// empty reports whether the namespace can be finalized: everything was
// discovered and deleted, and nothing is left.
func (r *report) empty() bool {
	return r.DiscoveryErr == nil && len(r.DeleteErrs) == 0 && len(r.Remaining) == 0
}

// Re-checks of a namespace whose content is still going: at the
// estimate, within bounds, or after unknownRecheck without one (content
// held by finalizers, or pods whose grace period is over but whose node
// has not confirmed them stopped).
const (
	minRecheck     = time.Second
	maxRecheck     = 5 * time.Second
	unknownRecheck = 2 * time.Second
)

// recheckAfter is when to look at the namespace again when it is not
// empty.
func (r *report) recheckAfter() time.Duration {
	if r.Estimate == 0 {
		return unknownRecheck
	}
	return min(max(r.Estimate, minRecheck), maxRecheck)
}

// Condition reasons, as Kubernetes uses them.
const (
	reasonDiscoveryFailed      = "DiscoveryFailed"
	reasonContentDeletionFail  = "ContentDeletionFailed"
	reasonSomeResourcesRemain  = "SomeResourcesRemain"
	reasonSomeFinalizersRemain = "SomeFinalizersRemain"
	reasonContentDeleted       = "ContentDeleted"
	reasonContentHasNoFinalize = "ContentHasNoFinalizers"
	reasonResourcesDiscovered  = "ResourcesDiscovered"
)

// conditions returns the namespace's deletion conditions for the report,
// in a fixed order.
func (r *report) conditions(now metav1.Time) []corev1.NamespaceCondition {
	cond := func(t corev1.NamespaceConditionType, bad bool, badReason, badMsg, okReason, okMsg string) corev1.NamespaceCondition {
		if bad {
			return corev1.NamespaceCondition{Type: t, Status: corev1.ConditionTrue, Reason: badReason, Message: badMsg, LastTransitionTime: now}
		}
		return corev1.NamespaceCondition{Type: t, Status: corev1.ConditionFalse, Reason: okReason, Message: okMsg, LastTransitionTime: now}
	}
	var discMsg string
	if r.DiscoveryErr != nil {
		discMsg = fmt.Sprintf("Discovery failed for some groups: %v", r.DiscoveryErr)
	}
	var delMsgs []string
	for _, e := range r.DeleteErrs {
		delMsgs = append(delMsgs, e.Error())
	}
	var remain []string
	for _, res := range sortedKeys(r.Remaining) {
		remain = append(remain, fmt.Sprintf("%s has %d resource instances", res, r.Remaining[res]))
	}
	var fins []string
	for _, f := range sortedKeys(r.Finalizers) {
		fins = append(fins, fmt.Sprintf("%s in %d resource instances", f, r.Finalizers[f]))
	}
	return []corev1.NamespaceCondition{
		cond(corev1.NamespaceDeletionDiscoveryFailure, r.DiscoveryErr != nil, reasonDiscoveryFailed, discMsg,
			reasonResourcesDiscovered, "All resources successfully discovered"),
		cond(corev1.NamespaceDeletionContentFailure, len(delMsgs) > 0, reasonContentDeletionFail,
			"Failed to delete all resource types, "+fmt.Sprint(len(delMsgs))+" remaining: "+strings.Join(delMsgs, ", "),
			reasonContentDeleted, "All content successfully deleted, may be waiting on finalization"),
		cond(corev1.NamespaceContentRemaining, len(remain) > 0, reasonSomeResourcesRemain,
			"Some resources are remaining: "+strings.Join(remain, ", "),
			reasonContentDeleted, "All content successfully removed"),
		cond(corev1.NamespaceFinalizersRemaining, len(fins) > 0, reasonSomeFinalizersRemain,
			"Some content in the namespace has finalizers remaining: "+strings.Join(fins, ", "),
			reasonContentHasNoFinalize, "All content-preserving finalizers finished"),
	}
}

// mergeConditions puts want into cur, keeping a condition's transition
// time when its status did not change. It reports whether anything
// changed.
func mergeConditions(cur, want []corev1.NamespaceCondition) ([]corev1.NamespaceCondition, bool) {
	out := append([]corev1.NamespaceCondition(nil), cur...)
	changed := false
	for _, w := range want {
		i := -1
		for j := range out {
			if out[j].Type == w.Type {
				i = j
			}
		}
		switch {
		case i < 0:
			out = append(out, w)
			changed = true
		case out[i].Status != w.Status || out[i].Reason != w.Reason || out[i].Message != w.Message:
			if out[i].Status == w.Status {
				w.LastTransitionTime = out[i].LastTransitionTime
			}
			out[i] = w
			changed = true
		}
	}
	return out, changed
}

func sortedKeys(m map[string]int) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
