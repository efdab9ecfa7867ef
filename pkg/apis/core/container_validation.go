package core

import (
	"fmt"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

var (
	supportedPullPolicies = []corev1.PullPolicy{corev1.PullAlways, corev1.PullIfNotPresent, corev1.PullNever}
	supportedHTTPSchemes  = []corev1.URIScheme{corev1.URISchemeHTTP, corev1.URISchemeHTTPS}
)

// initOnlyMsg is the detail for fields that plain init containers may not set.
const initOnlyMsg = "may not be set for init containers without restartPolicy=Always"

// validateContainers checks spec.containers: at least one, unique names,
// the per-container rules, and host port conflicts across containers.
func validateContainers(containers []corev1.Container, volumes map[string]corev1.VolumeSource, gracePeriod *int64, fldPath *field.Path) field.ErrorList {
	if len(containers) == 0 {
		return field.ErrorList{field.Required(fldPath, "")}
	}
	var allErrs field.ErrorList
	allNames := map[string]bool{}
	for i := range containers {
		ctr := &containers[i]
		path := fldPath.Index(i)
		allErrs = append(allErrs, validateContainerCommon(ctr, volumes, path)...)
		if allNames[ctr.Name] {
			allErrs = append(allErrs, field.Duplicate(path.Child("name"), ctr.Name))
		}
		allNames[ctr.Name] = true
		allErrs = append(allErrs, validateContainerHandlers(ctr, gracePeriod, path)...)
		if ctr.RestartPolicy != nil {
			allErrs = append(allErrs, field.Forbidden(path.Child("restartPolicy"), "may not be set for non-init containers"))
		}
	}
	return append(allErrs, checkHostPortConflicts(containers, fldPath)...)
}

// validateInitContainers checks spec.initContainers. Names must be unique
// across regular and init containers; only restartable (sidecar) init
// containers may have probes and lifecycle hooks.
func validateInitContainers(containers, regular []corev1.Container, volumes map[string]corev1.VolumeSource, gracePeriod *int64, fldPath *field.Path) field.ErrorList {
	var allErrs field.ErrorList
	allNames := map[string]bool{}
	for _, c := range regular {
		allNames[c.Name] = true
	}
	for i := range containers {
		ctr := &containers[i]
		path := fldPath.Index(i)
		allErrs = append(allErrs, validateContainerCommon(ctr, volumes, path)...)
		restartAlways := false
		if ctr.RestartPolicy != nil {
			if *ctr.RestartPolicy != corev1.ContainerRestartPolicyAlways {
				allErrs = append(allErrs, field.NotSupported(path.Child("restartPolicy"), *ctr.RestartPolicy, []corev1.ContainerRestartPolicy{corev1.ContainerRestartPolicyAlways}))
			}
			restartAlways = *ctr.RestartPolicy == corev1.ContainerRestartPolicyAlways
		}
		if allNames[ctr.Name] {
			allErrs = append(allErrs, field.Duplicate(path.Child("name"), ctr.Name))
		} else if ctr.Name != "" {
			allNames[ctr.Name] = true
		}
		allErrs = append(allErrs, checkHostPortConflicts([]corev1.Container{*ctr}, fldPath)...)
		if restartAlways {
			allErrs = append(allErrs, validateContainerHandlers(ctr, gracePeriod, path)...)
			continue
		}
		for _, f := range []struct {
			name string
			set  bool
		}{
			{"lifecycle", ctr.Lifecycle != nil}, {"livenessProbe", ctr.LivenessProbe != nil},
			{"readinessProbe", ctr.ReadinessProbe != nil}, {"startupProbe", ctr.StartupProbe != nil},
		} {
			if f.set {
				allErrs = append(allErrs, field.Forbidden(path.Child(f.name), initOnlyMsg))
			}
		}
	}
	return allErrs
}

// validateContainerCommon applies the rules every kind of container follows.
func validateContainerCommon(ctr *corev1.Container, volumes map[string]corev1.VolumeSource, path *field.Path) field.ErrorList {
	var allErrs field.ErrorList
	if ctr.Name == "" {
		allErrs = append(allErrs, field.Required(path.Child("name"), ""))
	} else {
		allErrs = append(allErrs, ValidateDNS1123Label(ctr.Name, path.Child("name"))...)
	}
	if ctr.Image == "" {
		allErrs = append(allErrs, field.Required(path.Child("image"), ""))
	}
	switch ctr.TerminationMessagePolicy {
	case corev1.TerminationMessageReadFile, corev1.TerminationMessageFallbackToLogsOnError:
	case "":
		allErrs = append(allErrs, field.Required(path.Child("terminationMessagePolicy"), ""))
	default:
		supported := []corev1.TerminationMessagePolicy{corev1.TerminationMessageReadFile, corev1.TerminationMessageFallbackToLogsOnError}
		allErrs = append(allErrs, field.NotSupported(path.Child("terminationMessagePolicy"), ctr.TerminationMessagePolicy, supported))
	}
	allErrs = append(allErrs, validateContainerPorts(ctr.Ports, path.Child("ports"))...)
	allErrs = append(allErrs, validateEnv(ctr.Env, path.Child("env"))...)
	allErrs = append(allErrs, validateVolumeMounts(ctr.VolumeMounts, volumes, path.Child("volumeMounts"))...)
	switch ctr.ImagePullPolicy {
	case corev1.PullAlways, corev1.PullIfNotPresent, corev1.PullNever:
	case "":
		allErrs = append(allErrs, field.Required(path.Child("imagePullPolicy"), ""))
	default:
		allErrs = append(allErrs, field.NotSupported(path.Child("imagePullPolicy"), ctr.ImagePullPolicy, supportedPullPolicies))
	}
	allErrs = append(allErrs, validateResources(&ctr.Resources, path.Child("resources"))...)
	allErrs = append(allErrs, validateSecurityContext(ctr.SecurityContext, path.Child("securityContext"))...)
	return allErrs
}

// validateContainerPorts checks a container's ports: unique IANA_SVC_NAME
// names, containerPort required and in range, hostPort in range, protocol.
func validateContainerPorts(ports []corev1.ContainerPort, fldPath *field.Path) field.ErrorList {
	var allErrs field.ErrorList
	allNames := map[string]bool{}
	for i, port := range ports {
		idxPath := fldPath.Index(i)
		if port.Name != "" {
			if msgs := validation.IsValidPortName(port.Name); len(msgs) != 0 {
				for _, msg := range msgs {
					allErrs = append(allErrs, field.Invalid(idxPath.Child("name"), port.Name, msg))
				}
			} else if allNames[port.Name] {
				allErrs = append(allErrs, field.Duplicate(idxPath.Child("name"), port.Name))
			} else {
				allNames[port.Name] = true
			}
		}
		if port.ContainerPort == 0 {
			allErrs = append(allErrs, field.Required(idxPath.Child("containerPort"), ""))
		} else {
			for _, msg := range validation.IsValidPortNum(int(port.ContainerPort)) {
				allErrs = append(allErrs, field.Invalid(idxPath.Child("containerPort"), port.ContainerPort, msg))
			}
		}
		if port.HostPort != 0 {
			for _, msg := range validation.IsValidPortNum(int(port.HostPort)) {
				allErrs = append(allErrs, field.Invalid(idxPath.Child("hostPort"), port.HostPort, msg))
			}
		}
		allErrs = append(allErrs, validateProtocol(port.Protocol, idxPath.Child("protocol"))...)
	}
	return allErrs
}

// checkHostPortConflicts reports a hostPort used twice for the same protocol and hostIP.
func checkHostPortConflicts(containers []corev1.Container, fldPath *field.Path) field.ErrorList {
	var allErrs field.ErrorList
	seen := map[string]bool{}
	for ci, ctr := range containers {
		for pi, p := range ctr.Ports {
			if p.HostPort == 0 {
				continue
			}
			key := fmt.Sprintf("%s/%s/%d", p.Protocol, p.HostIP, p.HostPort)
			if seen[key] {
				allErrs = append(allErrs, field.Duplicate(fldPath.Index(ci).Child("ports").Index(pi).Child("hostPort"), key))
			}
			seen[key] = true
		}
	}
	return allErrs
}

// validateContainerHandlers checks lifecycle hooks and probes.
func validateContainerHandlers(ctr *corev1.Container, gracePeriod *int64, path *field.Path) field.ErrorList {
	var allErrs field.ErrorList
	if lc := ctr.Lifecycle; lc != nil {
		if lc.PostStart != nil {
			allErrs = append(allErrs, validateHandler(lifecycleHandler(lc.PostStart), gracePeriod, path.Child("lifecycle", "postStart"))...)
		}
		if lc.PreStop != nil {
			allErrs = append(allErrs, validateHandler(lifecycleHandler(lc.PreStop), gracePeriod, path.Child("lifecycle", "preStop"))...)
		}
	}
	if p := ctr.LivenessProbe; p != nil {
		allErrs = append(allErrs, validateProbe(p, gracePeriod, path.Child("livenessProbe"))...)
		if p.SuccessThreshold != 1 {
			allErrs = append(allErrs, field.Invalid(path.Child("livenessProbe", "successThreshold"), p.SuccessThreshold, "must be 1"))
		}
	}
	if p := ctr.ReadinessProbe; p != nil {
		allErrs = append(allErrs, validateProbe(p, gracePeriod, path.Child("readinessProbe"))...)
		if p.TerminationGracePeriodSeconds != nil {
			allErrs = append(allErrs, field.Invalid(path.Child("readinessProbe", "terminationGracePeriodSeconds"), p.TerminationGracePeriodSeconds, "must not be set for readinessProbes"))
		}
	}
	if p := ctr.StartupProbe; p != nil {
		allErrs = append(allErrs, validateProbe(p, gracePeriod, path.Child("startupProbe"))...)
		if p.SuccessThreshold != 1 {
			allErrs = append(allErrs, field.Invalid(path.Child("startupProbe", "successThreshold"), p.SuccessThreshold, "must be 1"))
		}
	}
	return allErrs
}

// handler is the union of probe and lifecycle handler actions.
type handler struct {
	exec      *corev1.ExecAction
	httpGet   *corev1.HTTPGetAction
	tcpSocket *corev1.TCPSocketAction
	grpc      *corev1.GRPCAction
	sleep     *corev1.SleepAction
}

// lifecycleHandler adapts a lifecycle hook to handler.
func lifecycleHandler(h *corev1.LifecycleHandler) handler {
	return handler{exec: h.Exec, httpGet: h.HTTPGet, tcpSocket: h.TCPSocket, sleep: h.Sleep}
}

// validateProbe checks a probe's handler and its non-negative timings.
func validateProbe(p *corev1.Probe, gracePeriod *int64, fldPath *field.Path) field.ErrorList {
	h := handler{exec: p.Exec, httpGet: p.HTTPGet, tcpSocket: p.TCPSocket, grpc: p.GRPC}
	allErrs := validateHandler(h, gracePeriod, fldPath)
	allErrs = append(allErrs, validateNonnegative(p.InitialDelaySeconds, fldPath.Child("initialDelaySeconds"))...)
	allErrs = append(allErrs, validateNonnegative(p.TimeoutSeconds, fldPath.Child("timeoutSeconds"))...)
	allErrs = append(allErrs, validateNonnegative(p.PeriodSeconds, fldPath.Child("periodSeconds"))...)
	allErrs = append(allErrs, validateNonnegative(p.SuccessThreshold, fldPath.Child("successThreshold"))...)
	allErrs = append(allErrs, validateNonnegative(p.FailureThreshold, fldPath.Child("failureThreshold"))...)
	if t := p.TerminationGracePeriodSeconds; t != nil && *t <= 0 {
		allErrs = append(allErrs, field.Invalid(fldPath.Child("terminationGracePeriodSeconds"), *t, "must be greater than 0"))
	}
	return allErrs
}

// validateHandler checks that exactly one action is set and validates it.
func validateHandler(h handler, gracePeriod *int64, fldPath *field.Path) field.ErrorList {
	var allErrs field.ErrorList
	num := 0
	one := func(name string, set bool, check func(*field.Path) field.ErrorList) {
		if !set {
			return
		}
		if num > 0 {
			allErrs = append(allErrs, field.Forbidden(fldPath.Child(name), "may not specify more than 1 handler type"))
			return
		}
		num++
		allErrs = append(allErrs, check(fldPath.Child(name))...)
	}
	one("exec", h.exec != nil, func(p *field.Path) field.ErrorList {
		if len(h.exec.Command) == 0 {
			return field.ErrorList{field.Required(p.Child("command"), "")}
		}
		return nil
	})
	one("httpGet", h.httpGet != nil, func(p *field.Path) field.ErrorList { return validateHTTPGetAction(h.httpGet, p) })
	one("tcpSocket", h.tcpSocket != nil, func(p *field.Path) field.ErrorList {
		return ValidatePortNumOrName(h.tcpSocket.Port, p.Child("port"))
	})
	one("grpc", h.grpc != nil, func(p *field.Path) field.ErrorList {
		return ValidatePortNumOrName(intstr.FromInt32(h.grpc.Port), p.Child("port"))
	})
	one("sleep", h.sleep != nil, func(p *field.Path) field.ErrorList {
		if gracePeriod != nil && (h.sleep.Seconds < 0 || h.sleep.Seconds > *gracePeriod) {
			msg := fmt.Sprintf("must be non-negative and less than terminationGracePeriodSeconds (%d)", *gracePeriod)
			return field.ErrorList{field.Invalid(p, h.sleep.Seconds, msg)}
		}
		return nil
	})
	if num == 0 {
		allErrs = append(allErrs, field.Required(fldPath, "must specify a handler type"))
	}
	return allErrs
}

// validateHTTPGetAction checks an httpGet action.
func validateHTTPGetAction(h *corev1.HTTPGetAction, fldPath *field.Path) field.ErrorList {
	var allErrs field.ErrorList
	if h.Path == "" {
		allErrs = append(allErrs, field.Required(fldPath.Child("path"), ""))
	}
	allErrs = append(allErrs, ValidatePortNumOrName(h.Port, fldPath.Child("port"))...)
	if !containsValue(supportedHTTPSchemes, h.Scheme) {
		allErrs = append(allErrs, field.NotSupported(fldPath.Child("scheme"), h.Scheme, supportedHTTPSchemes))
	}
	for _, header := range h.HTTPHeaders {
		for _, msg := range validation.IsHTTPHeaderName(header.Name) {
			allErrs = append(allErrs, field.Invalid(fldPath.Child("httpHeaders"), header.Name, msg))
		}
	}
	return allErrs
}

// validateResources checks that quantities are non-negative and that
// requests do not exceed limits.
func validateResources(r *corev1.ResourceRequirements, fldPath *field.Path) field.ErrorList {
	var allErrs field.ErrorList
	limPath, reqPath := fldPath.Child("limits"), fldPath.Child("requests")
	for name, q := range r.Limits {
		allErrs = append(allErrs, validateNonnegativeQuantity(q, limPath.Key(string(name)))...)
	}
	for name, q := range r.Requests {
		allErrs = append(allErrs, validateNonnegativeQuantity(q, reqPath.Key(string(name)))...)
		if limit, ok := r.Limits[name]; ok && q.Cmp(limit) > 0 {
			msg := fmt.Sprintf("must be less than or equal to %s limit of %s", name, limit.String())
			allErrs = append(allErrs, field.Invalid(reqPath, q.String(), msg))
		}
	}
	return allErrs
}

// validateNonnegativeQuantity rejects negative quantities.
func validateNonnegativeQuantity(q resource.Quantity, fldPath *field.Path) field.ErrorList {
	if q.Sign() < 0 {
		return field.ErrorList{field.Invalid(fldPath, q.String(), isNegativeErrorMsg)}
	}
	return nil
}

// validateSecurityContext checks the user and group IDs of a container security context.
func validateSecurityContext(sc *corev1.SecurityContext, fldPath *field.Path) field.ErrorList {
	if sc == nil {
		return nil
	}
	var allErrs field.ErrorList
	if sc.RunAsUser != nil {
		for _, msg := range validation.IsValidUserID(*sc.RunAsUser) {
			allErrs = append(allErrs, field.Invalid(fldPath.Child("runAsUser"), *sc.RunAsUser, msg))
		}
	}
	if sc.RunAsGroup != nil {
		for _, msg := range validation.IsValidGroupID(*sc.RunAsGroup) {
			allErrs = append(allErrs, field.Invalid(fldPath.Child("runAsGroup"), *sc.RunAsGroup, msg))
		}
	}
	if sc.AllowPrivilegeEscalation != nil && !*sc.AllowPrivilegeEscalation && sc.Privileged != nil && *sc.Privileged {
		allErrs = append(allErrs, field.Invalid(fldPath, sc, "cannot set `allowPrivilegeEscalation` to false and `privileged` to true"))
	}
	return allErrs
}
