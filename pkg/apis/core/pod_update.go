package core

import (
	"fmt"
	"math"
	"net"
	"reflect"
	"strings"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apimachineryvalidation "k8s.io/apimachinery/pkg/api/validation"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// updatablePodSpecFields is the list kube-apiserver prints when a pod update
// touches anything else.
var updatablePodSpecFields = []string{
	"`spec.containers[*].image`",
	"`spec.initContainers[*].image`",
	"`spec.activeDeadlineSeconds`",
	"`spec.tolerations` (only additions to existing tolerations)",
	"`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)",
}

// ValidatePodUpdate validates an update of a Pod's metadata and spec. A pod
// spec is immutable except for container images, activeDeadlineSeconds
// (which may only be set or lowered), added tolerations (existing ones may
// only change tolerationSeconds) and removed scheduling gates. Anything else
// yields kube-apiserver's "pod updates may not change fields other than ..."
// error, followed by a diff.
func ValidatePodUpdate(newPod, oldPod *corev1.Pod) field.ErrorList {
	allErrs := apimachineryvalidation.ValidateObjectMetaUpdate(&newPod.ObjectMeta, &oldPod.ObjectMeta, field.NewPath("metadata"))
	allErrs = append(allErrs, validatePodMetadataAndSpec(newPod)...)
	specPath := field.NewPath("spec")
	for _, list := range []struct {
		name     string
		new, old []corev1.Container
	}{
		{"containers", newPod.Spec.Containers, oldPod.Spec.Containers},
		{"initContainers", newPod.Spec.InitContainers, oldPod.Spec.InitContainers},
	} {
		if len(list.new) != len(list.old) {
			return append(allErrs, field.Forbidden(specPath.Child(list.name), "pod updates may not add or remove containers"))
		}
		for i, c := range list.new {
			if c.Image == "" {
				allErrs = append(allErrs, field.Required(specPath.Child(list.name).Index(i).Child("image"), ""))
			}
		}
	}
	if errs := validateActiveDeadlineUpdate(newPod.Spec.ActiveDeadlineSeconds, oldPod.Spec.ActiveDeadlineSeconds, specPath.Child("activeDeadlineSeconds")); len(errs) > 0 {
		return append(allErrs, errs...)
	}
	allErrs = append(allErrs, validateOnlyAddedTolerations(newPod.Spec.Tolerations, oldPod.Spec.Tolerations, specPath.Child("tolerations"))...)
	allErrs = append(allErrs, validateOnlyDeletedSchedulingGates(newPod.Spec.SchedulingGates, oldPod.Spec.SchedulingGates, specPath.Child("schedulingGates"))...)
	if equality.Semantic.DeepEqual(newPod.Spec, oldPod.Spec) {
		return allErrs
	}
	munged := mungePodSpec(&newPod.Spec, &oldPod.Spec)
	if !equality.Semantic.DeepEqual(*munged, oldPod.Spec) {
		diff := cmp.Diff(oldPod.Spec, *munged)
		msg := fmt.Sprintf("pod updates may not change fields other than %s\n%v", strings.Join(updatablePodSpecFields, ","), diff)
		allErrs = append(allErrs, field.Forbidden(specPath, msg))
	}
	return allErrs
}

// mungePodSpec returns a copy of newSpec with the fields that may change
// copied from oldSpec, so that what is left differs only where it may not.
func mungePodSpec(newSpec, oldSpec *corev1.PodSpec) *corev1.PodSpec {
	munged := newSpec.DeepCopy()
	for i := range munged.Containers {
		munged.Containers[i].Image = oldSpec.Containers[i].Image
	}
	for i := range munged.InitContainers {
		munged.InitContainers[i].Image = oldSpec.InitContainers[i].Image
	}
	munged.ActiveDeadlineSeconds = oldSpec.DeepCopy().ActiveDeadlineSeconds
	munged.SchedulingGates = oldSpec.DeepCopy().SchedulingGates
	munged.Tolerations = oldSpec.DeepCopy().Tolerations
	if o, n := oldSpec.TerminationGracePeriodSeconds, munged.TerminationGracePeriodSeconds; o != nil && *o < 0 && n != nil && *n == 1 {
		munged.TerminationGracePeriodSeconds = oldSpec.DeepCopy().TerminationGracePeriodSeconds
	}
	return munged
}

// validateActiveDeadlineUpdate allows activeDeadlineSeconds to be set or
// lowered, never raised or removed.
func validateActiveDeadlineUpdate(newVal, oldVal *int64, fldPath *field.Path) field.ErrorList {
	switch {
	case newVal != nil && (*newVal < 0 || *newVal > math.MaxInt32):
		return field.ErrorList{field.Invalid(fldPath, *newVal, validation.InclusiveRangeError(0, math.MaxInt32))}
	case newVal != nil && oldVal != nil && *oldVal < *newVal:
		return field.ErrorList{field.Invalid(fldPath, *newVal, "must be less than or equal to previous value")}
	case newVal == nil && oldVal != nil:
		return field.ErrorList{field.Invalid(fldPath, newVal, "must not update from a positive integer to nil value")}
	}
	return nil
}

// validateOnlyAddedTolerations checks that every old toleration is still
// there (tolerationSeconds aside) and that the new list is valid.
func validateOnlyAddedTolerations(newTolerations, oldTolerations []corev1.Toleration, fldPath *field.Path) field.ErrorList {
	for _, old := range oldTolerations {
		found := false
		for _, n := range newTolerations {
			o := *old.DeepCopy()
			o.TolerationSeconds = n.TolerationSeconds
			if reflect.DeepEqual(o, n) {
				found = true
				break
			}
		}
		if !found {
			return field.ErrorList{field.Forbidden(fldPath, "existing toleration can not be modified except its tolerationSeconds")}
		}
	}
	return ValidateTolerations(newTolerations, fldPath)
}

// validateOnlyDeletedSchedulingGates forbids adding scheduling gates.
func validateOnlyDeletedSchedulingGates(newGates, oldGates []corev1.PodSchedulingGate, fldPath *field.Path) field.ErrorList {
	var allErrs field.ErrorList
	old := map[string]bool{}
	for _, g := range oldGates {
		old[g.Name] = true
	}
	for i, g := range newGates {
		if !old[g.Name] {
			allErrs = append(allErrs, field.Forbidden(fldPath.Index(i).Child("name"), fmt.Sprintf("only deletion is allowed, but found new scheduling gate '%s'", g.Name)))
		}
	}
	return allErrs
}

// ValidatePodStatusUpdate validates an update of the status subresource, as
// the node agent makes it: metadata rules, custom condition types, no
// change of nodeName or qosClass, valid pod and host IPs (one per family),
// and no terminated container coming back to life unless the restart
// policy allows it.
func ValidatePodStatusUpdate(newPod, oldPod *corev1.Pod) field.ErrorList {
	metaPath := field.NewPath("metadata")
	allErrs := apimachineryvalidation.ValidateObjectMetaUpdate(&newPod.ObjectMeta, &oldPod.ObjectMeta, metaPath)
	system := []corev1.PodConditionType{corev1.PodScheduled, corev1.PodReady, corev1.PodInitialized}
	for i, c := range newPod.Status.Conditions {
		if !containsValue(system, c.Type) {
			allErrs = append(allErrs, ValidateQualifiedName(string(c.Type), metaPath.Child("conditions").Index(i).Child("Type"))...)
		}
	}
	statusPath := field.NewPath("status")
	if newPod.Spec.NodeName != oldPod.Spec.NodeName {
		allErrs = append(allErrs, field.Forbidden(statusPath.Child("nodeName"), "may not be changed directly"))
	}
	if n := newPod.Status.NominatedNodeName; n != oldPod.Status.NominatedNodeName && n != "" {
		for _, msg := range ValidateNodeName(n, false) {
			allErrs = append(allErrs, field.Invalid(statusPath.Child("nominatedNodeName"), n, msg))
		}
	}
	allErrs = append(allErrs, validateImmutable(newPod.Status.QOSClass, oldPod.Status.QOSClass, statusPath.Child("qosClass"))...)
	allErrs = append(allErrs, validateContainerStateTransition(newPod.Status.ContainerStatuses, oldPod.Status.ContainerStatuses, statusPath.Child("containerStatuses"), oldPod.Spec.RestartPolicy, nil)...)
	sidecars := map[string]bool{}
	for _, c := range oldPod.Spec.InitContainers {
		sidecars[c.Name] = c.RestartPolicy != nil && *c.RestartPolicy == corev1.ContainerRestartPolicyAlways
	}
	allErrs = append(allErrs, validateContainerStateTransition(newPod.Status.InitContainerStatuses, oldPod.Status.InitContainerStatuses, statusPath.Child("initContainerStatuses"), oldPod.Spec.RestartPolicy, sidecars)...)
	podIPs := make([]string, len(newPod.Status.PodIPs))
	for i, ip := range newPod.Status.PodIPs {
		podIPs[i] = ip.IP
	}
	allErrs = append(allErrs, validateIPList(podIPs, newPod.Status.PodIPs, statusPath.Child("podIPs"))...)
	if len(newPod.Status.HostIPs) > 0 {
		hostIPsPath := statusPath.Child("hostIPs")
		if newPod.Status.HostIP != newPod.Status.HostIPs[0].IP {
			allErrs = append(allErrs, field.Invalid(hostIPsPath.Index(0).Child("ip"), newPod.Status.HostIPs[0].IP, "must be equal to `hostIP`"))
		}
		hostIPs := make([]string, len(newPod.Status.HostIPs))
		for i, ip := range newPod.Status.HostIPs {
			hostIPs[i] = ip.IP
		}
		allErrs = append(allErrs, validateIPList(hostIPs, newPod.Status.HostIPs, hostIPsPath)...)
	}
	return allErrs
}

// validateIPList checks a list of pod or host IPs: each valid, at most one
// per family, no duplicates. raw is the original list, used as the bad value.
func validateIPList(ips []string, raw any, fldPath *field.Path) field.ErrorList {
	var allErrs field.ErrorList
	for i, ip := range ips {
		allErrs = append(allErrs, validation.IsValidIP(fldPath.Index(i), ip)...)
	}
	if len(ips) < 2 {
		return allErrs
	}
	for _, ip := range ips {
		if net.ParseIP(ip) == nil {
			return allErrs
		}
	}
	if !isDualStack(ips, ipFamilyOf) || len(ips) > 2 {
		allErrs = append(allErrs, field.Invalid(fldPath, raw, "may specify no more than one IP for each IP family"))
	}
	seen := map[string]bool{}
	for i, ip := range ips {
		if seen[ip] {
			allErrs = append(allErrs, field.Duplicate(fldPath.Index(i), reflect.ValueOf(raw).Index(i).Interface()))
		}
		seen[ip] = true
	}
	return allErrs
}

// validateContainerStateTransition forbids terminated containers from
// running again when the pod's restart policy does not restart them.
// Containers named in restartable (sidecar init containers) are exempt.
func validateContainerStateTransition(newStatuses, oldStatuses []corev1.ContainerStatus, fldPath *field.Path, policy corev1.RestartPolicy, restartable map[string]bool) field.ErrorList {
	if policy == corev1.RestartPolicyAlways {
		return nil
	}
	var allErrs field.ErrorList
	for i, old := range oldStatuses {
		term := old.State.Terminated
		if term == nil || (term.ExitCode != 0 && policy == corev1.RestartPolicyOnFailure) || restartable[old.Name] {
			continue
		}
		for _, n := range newStatuses {
			if n.Name == old.Name && n.State.Terminated == nil {
				allErrs = append(allErrs, field.Forbidden(fldPath.Index(i).Child("state"), "may not be transitioned to non-terminated state"))
			}
		}
	}
	return allErrs
}

// ValidatePodBinding validates a Binding posted to pods/binding by the scheduler.
func ValidatePodBinding(binding *corev1.Binding) field.ErrorList {
	var allErrs field.ErrorList
	if binding.Target.Kind != "" && binding.Target.Kind != "Node" {
		allErrs = append(allErrs, field.NotSupported(field.NewPath("target", "kind"), binding.Target.Kind, []string{"Node", "<empty>"}))
	}
	if binding.Target.Name == "" {
		allErrs = append(allErrs, field.Required(field.NewPath("target", "name"), ""))
	}
	return allErrs
}
