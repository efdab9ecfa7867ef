package core

import (
	"slices"

	corev1 "k8s.io/api/core/v1"
	apimachineryvalidation "k8s.io/apimachinery/pkg/api/validation"
	metav1validation "k8s.io/apimachinery/pkg/apis/meta/v1/validation"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// podCIDRChangeMsg is the detail when an update changes an assigned podCIDR.
const podCIDRChangeMsg = `node updates may not change podCIDR except from "" to valid`

// DefaultNode keeps spec.podCIDR and spec.podCIDRs in step, as the Kubernetes
// API round trip does (podCIDRs wins when both are set), and defaults
// allocatable to capacity.
func DefaultNode(node *corev1.Node) {
	spec := &node.Spec
	if len(spec.PodCIDRs) == 0 && spec.PodCIDR != "" {
		spec.PodCIDRs = []string{spec.PodCIDR}
	}
	spec.PodCIDR = ""
	if len(spec.PodCIDRs) > 0 {
		spec.PodCIDR = spec.PodCIDRs[0]
	}
	if node.Status.Allocatable == nil && node.Status.Capacity != nil {
		node.Status.Allocatable = node.Status.Capacity.DeepCopy()
	}
}

// ValidateNode validates a Node on create: a DNS-1123 subdomain name, valid
// taints, non-negative capacity, and podCIDRs that are valid CIDRs, at most
// one per IP family.
func ValidateNode(node *corev1.Node) field.ErrorList {
	allErrs := apimachineryvalidation.ValidateObjectMeta(&node.ObjectMeta, false, ValidateNodeName, field.NewPath("metadata"))
	allErrs = append(allErrs, validateNodeTaints(node.Spec.Taints, field.NewPath("metadata", "taints"))...)
	allErrs = append(allErrs, validateNodeResources(node)...)
	allErrs = append(allErrs, validatePodCIDRs(node.Spec.PodCIDRs, field.NewPath("spec", "podCIDRs"))...)
	return allErrs
}

// ValidateNodeUpdate validates a Node update, including status updates from
// the node agent: everything ValidateNode checks, plus podCIDRs and
// providerID may be set once and then never change, and status addresses
// may not repeat.
func ValidateNodeUpdate(node, oldNode *corev1.Node) field.ErrorList {
	allErrs := ValidateNode(node)
	allErrs = append(allErrs, apimachineryvalidation.ValidateObjectMetaUpdate(&node.ObjectMeta, &oldNode.ObjectMeta, field.NewPath("metadata"))...)
	seen := map[corev1.NodeAddress]bool{}
	for i, addr := range node.Status.Addresses {
		if seen[addr] {
			allErrs = append(allErrs, field.Duplicate(field.NewPath("status", "addresses").Index(i), addr))
		}
		seen[addr] = true
	}
	if len(oldNode.Spec.PodCIDRs) > 0 {
		podCIDRsPath := field.NewPath("spec", "podCIDRs")
		if len(oldNode.Spec.PodCIDRs) != len(node.Spec.PodCIDRs) {
			allErrs = append(allErrs, field.Forbidden(podCIDRsPath, podCIDRChangeMsg))
		} else {
			for i := range oldNode.Spec.PodCIDRs {
				if oldNode.Spec.PodCIDRs[i] != node.Spec.PodCIDRs[i] {
					allErrs = append(allErrs, field.Forbidden(podCIDRsPath, podCIDRChangeMsg))
				}
			}
		}
	}
	if oldNode.Spec.ProviderID != "" && oldNode.Spec.ProviderID != node.Spec.ProviderID {
		allErrs = append(allErrs, field.Forbidden(field.NewPath("spec", "providerID"), `node updates may not change providerID except from "" to valid`))
	}
	if node.Spec.DoNotUseExternalID != oldNode.Spec.DoNotUseExternalID {
		allErrs = append(allErrs, field.Forbidden(field.NewPath("spec", "externalID"), "may not be updated"))
	}
	return allErrs
}

// validatePodCIDRs checks podCIDRs: valid CIDRs, at most one per family, no repeats.
func validatePodCIDRs(cidrs []string, fldPath *field.Path) field.ErrorList {
	var allErrs field.ErrorList
	for i, cidr := range cidrs {
		allErrs = append(allErrs, validation.IsValidCIDR(fldPath.Index(i), cidr)...)
	}
	if len(cidrs) < 2 {
		return allErrs
	}
	if !isDualStack(cidrs, cidrFamilyOf) || len(cidrs) > 2 {
		allErrs = append(allErrs, field.Invalid(fldPath, cidrs, "may specify no more than one CIDR for each IP family"))
	}
	for i := range cidrs {
		if slices.Contains(cidrs[:i], cidrs[i]) {
			allErrs = append(allErrs, field.Duplicate(fldPath.Index(i), cidrs[i]))
		}
	}
	return allErrs
}

// validateNodeTaints checks taints: label-style keys and values, a known
// effect, and no (key, effect) pair twice. Kubernetes reports them under
// metadata.taints; so does this.
func validateNodeTaints(taints []corev1.Taint, fldPath *field.Path) field.ErrorList {
	var allErrs field.ErrorList
	type keyEffect struct {
		key    string
		effect corev1.TaintEffect
	}
	seen := map[keyEffect]bool{}
	for i, taint := range taints {
		idxPath := fldPath.Index(i)
		allErrs = append(allErrs, metav1validation.ValidateLabelName(taint.Key, idxPath.Child("key"))...)
		for _, msg := range validation.IsValidLabelValue(taint.Value) {
			allErrs = append(allErrs, field.Invalid(idxPath.Child("value"), taint.Value, msg))
		}
		if taint.Effect == "" {
			allErrs = append(allErrs, field.Required(idxPath.Child("effect"), ""))
		} else {
			allErrs = append(allErrs, validateTaintEffect(taint.Effect, idxPath.Child("effect"))...)
		}
		k := keyEffect{taint.Key, taint.Effect}
		if seen[k] {
			dup := field.Duplicate(idxPath, taint)
			dup.Detail = "taints must be unique by key and effect pair"
			allErrs = append(allErrs, dup)
			continue
		}
		seen[k] = true
	}
	return allErrs
}

// validateNodeResources checks that capacity and allocatable are not negative.
func validateNodeResources(node *corev1.Node) field.ErrorList {
	var allErrs field.ErrorList
	for name, q := range node.Status.Capacity {
		allErrs = append(allErrs, validateNonnegativeQuantity(q, field.NewPath("status", "capacity", string(name)))...)
	}
	for name, q := range node.Status.Allocatable {
		allErrs = append(allErrs, validateNonnegativeQuantity(q, field.NewPath("status", "allocatable", string(name)))...)
	}
	return allErrs
}
