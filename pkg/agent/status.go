package agent

import (
	"fmt"
	"net/netip"
	"sort"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	"github.com/svcnet/svcnet/pkg/agent/runtime"
)

// containerView is what the agent knows of one container when it writes
// the pod status.
type containerView struct {
	// Spec is the container's spec.
	Spec *corev1.Container
	// Runtime is the current (or last) process, nil if it never started.
	Runtime *runtime.ContainerState
	// RestartCount counts restarts.
	RestartCount int32
	// LastTerminated is the previous run's end, for lastState.
	LastTerminated *corev1.ContainerStateTerminated
	// WaitingReason and WaitingMessage explain why the container is not
	// running (set when it waits; a crashed container in back-off has
	// reason CrashLoopBackOff).
	WaitingReason, WaitingMessage string
	// ImageID is reported once the container has run.
	ImageID string
	// Started and Ready are the startup and readiness verdicts.
	Started, Ready bool
}

// statusInput is everything computeStatus needs; it does no I/O.
type statusInput struct {
	Pod        *corev1.Pod
	NodeIP     netip.Addr
	PodIP      netip.Addr
	HasSandbox bool
	StartTime  time.Time
	Now        time.Time
	// InitContainers and Containers are in spec order.
	InitContainers, Containers []containerView
}

// metaTime turns a time into API precision (seconds), so that a status
// read back from the API compares equal to a freshly computed one.
func metaTime(t time.Time) metav1.Time {
	return metav1.NewTime(t.Truncate(time.Second))
}

func containerID(uid, name string) string { return fmt.Sprintf("svcnet://%s/%s", uid, name) }

// terminatedState describes an exited process.
func terminatedState(uid string, rt *runtime.ContainerState) *corev1.ContainerStateTerminated {
	reason := "Completed"
	if rt.ExitCode != 0 {
		reason = "Error"
	}
	return &corev1.ContainerStateTerminated{
		ExitCode:    int32(rt.ExitCode),
		Reason:      reason,
		StartedAt:   metaTime(rt.StartedAt),
		FinishedAt:  metaTime(rt.FinishedAt),
		ContainerID: containerID(uid, rt.Name),
	}
}

// containerStatus computes one container's status.
func containerStatus(uid string, v containerView) corev1.ContainerStatus {
	cs := corev1.ContainerStatus{
		Name:         v.Spec.Name,
		Image:        v.Spec.Image,
		RestartCount: v.RestartCount,
		Started:      ptr.To(v.Started),
		Ready:        v.Ready,
	}
	if v.LastTerminated != nil {
		cs.LastTerminationState.Terminated = v.LastTerminated
	}
	rt := v.Runtime
	switch {
	case rt != nil && rt.Running:
		cs.State.Running = &corev1.ContainerStateRunning{StartedAt: metaTime(rt.StartedAt)}
	case rt != nil && v.WaitingReason != "":
		cs.State.Waiting = &corev1.ContainerStateWaiting{Reason: v.WaitingReason, Message: v.WaitingMessage}
		cs.LastTerminationState.Terminated = terminatedState(uid, rt)
	case rt != nil:
		cs.State.Terminated = terminatedState(uid, rt)
	default:
		reason := v.WaitingReason
		if reason == "" {
			reason = ReasonContainerCreating
		}
		cs.State.Waiting = &corev1.ContainerStateWaiting{Reason: reason, Message: v.WaitingMessage}
		cs.Started = ptr.To(false)
	}
	if rt != nil {
		cs.ContainerID = containerID(uid, rt.Name)
		cs.ImageID = v.ImageID
	}
	return cs
}

// initPhase summarises the init containers as the kubelet's getPhase
// does: how many are still to finish and how many failed. Sidecars
// count as pending until they run.
func initPhase(specs []corev1.Container, statuses []corev1.ContainerStatus) (pending, failed int) {
	for i, cs := range statuses {
		if isSidecar(&specs[i]) {
			if cs.State.Running == nil {
				pending++
			}
			continue
		}
		switch {
		case cs.State.Running != nil:
			pending++
		case cs.State.Terminated != nil:
			if cs.State.Terminated.ExitCode != 0 {
				failed++
			}
		case cs.LastTerminationState.Terminated != nil && cs.LastTerminationState.Terminated.ExitCode != 0:
			failed++
		default:
			pending++
		}
	}
	return pending, failed
}

// podPhase is the kubelet's getPhase over the container statuses, after
// the init containers: a pod whose init container failed under
// restartPolicy Never fails; one still initializing is Pending.
func podPhase(policy corev1.RestartPolicy, initPending, initFailed int, statuses []corev1.ContainerStatus) corev1.PodPhase {
	if initFailed > 0 && policy == corev1.RestartPolicyNever {
		return corev1.PodFailed
	}
	if initPending > 0 || initFailed > 0 {
		return corev1.PodPending
	}
	var running, waiting, stopped, succeeded int
	for _, cs := range statuses {
		switch {
		case cs.State.Running != nil:
			running++
		case cs.State.Terminated != nil:
			stopped++
			if cs.State.Terminated.ExitCode == 0 {
				succeeded++
			}
		case cs.LastTerminationState.Terminated != nil:
			stopped++
		default:
			waiting++
		}
	}
	switch {
	case waiting > 0:
		return corev1.PodPending
	case running > 0:
		return corev1.PodRunning
	case stopped > 0:
		if policy == corev1.RestartPolicyAlways {
			return corev1.PodRunning
		}
		if stopped == succeeded {
			return corev1.PodSucceeded
		}
		if policy == corev1.RestartPolicyNever {
			return corev1.PodFailed
		}
		return corev1.PodRunning
	}
	return corev1.PodPending
}

// isTerminal reports whether a phase never changes again.
func isTerminal(p corev1.PodPhase) bool {
	return p == corev1.PodSucceeded || p == corev1.PodFailed
}

// computeStatus returns the pod's new status: the old one with every
// field the agent owns recomputed. Conditions keep their
// lastTransitionTime while their status stays the same.
func computeStatus(in statusInput) corev1.PodStatus {
	pod := in.Pod
	st := *pod.Status.DeepCopy()
	uid := string(pod.UID)
	st.InitContainerStatuses = nil
	for _, v := range in.InitContainers {
		st.InitContainerStatuses = append(st.InitContainerStatuses, containerStatus(uid, v))
	}
	initPending, initFailed := initPhase(pod.Spec.InitContainers, st.InitContainerStatuses)
	st.ContainerStatuses = nil
	for _, v := range in.Containers {
		if (initPending > 0 || initFailed > 0) && v.Runtime == nil && v.WaitingReason == "" {
			v.WaitingReason = "PodInitializing"
		}
		st.ContainerStatuses = append(st.ContainerStatuses, containerStatus(uid, v))
	}
	sort.Slice(st.ContainerStatuses, func(i, j int) bool { return st.ContainerStatuses[i].Name < st.ContainerStatuses[j].Name })
	phase := podPhase(pod.Spec.RestartPolicy, initPending, initFailed, st.ContainerStatuses)
	if isTerminal(pod.Status.Phase) {
		phase = pod.Status.Phase
	}
	st.Phase = phase
	st.ObservedGeneration = pod.Generation
	if in.NodeIP.IsValid() {
		st.HostIP = in.NodeIP.String()
		st.HostIPs = []corev1.HostIP{{IP: st.HostIP}}
	}
	if in.PodIP.IsValid() {
		st.PodIP = in.PodIP.String()
		st.PodIPs = []corev1.PodIP{{IP: st.PodIP}}
	}
	if st.StartTime == nil && !in.StartTime.IsZero() {
		t := metaTime(in.StartTime)
		st.StartTime = &t
	}
	st.Conditions = podConditions(in, phase, st.InitContainerStatuses, st.ContainerStatuses)
	return st
}

// initialized is the Initialized condition: True once every init
// container finished (sidecars: started).
func initialized(specs []corev1.Container, statuses []corev1.ContainerStatus) corev1.PodCondition {
	var incomplete []string
	for i, cs := range statuses {
		done := cs.State.Terminated != nil && cs.State.Terminated.ExitCode == 0
		if isSidecar(&specs[i]) {
			done = cs.State.Running != nil
		}
		if !done {
			incomplete = append(incomplete, cs.Name)
		}
	}
	return cond(corev1.PodInitialized, len(incomplete) == 0, "ContainersNotInitialized",
		fmt.Sprintf("containers with incomplete status: [%s]", strings.Join(incomplete, " ")))
}

// podConditions computes the conditions the agent owns and keeps the
// others (PodScheduled, readiness gates, DisruptionTarget...).
func podConditions(in statusInput, phase corev1.PodPhase, initStatuses, statuses []corev1.ContainerStatus) []corev1.PodCondition {
	pod := in.Pod
	var unready []string
	for _, cs := range statuses {
		if !cs.Ready {
			unready = append(unready, cs.Name)
		}
	}
	containersReady := cond(corev1.ContainersReady, len(unready) == 0, "ContainersNotReady",
		fmt.Sprintf("containers with unready status: [%s]", strings.Join(unready, " ")))
	ready := containersReady
	ready.Type = corev1.PodReady
	if gate := unmetReadinessGate(pod); ready.Status == corev1.ConditionTrue && gate != "" {
		ready = cond(corev1.PodReady, false, "ReadinessGatesNotReady", gate)
	}
	if isTerminal(phase) {
		containersReady = cond(corev1.ContainersReady, false, "PodCompleted", "")
		ready = cond(corev1.PodReady, false, "PodCompleted", "")
	}
	owned := []corev1.PodCondition{
		cond(corev1.PodReadyToStartContainers, in.HasSandbox && in.PodIP.IsValid(), "", ""),
		initialized(pod.Spec.InitContainers, initStatuses),
		ready,
		containersReady,
	}
	out := make([]corev1.PodCondition, 0, len(owned)+2)
	for _, c := range owned {
		c.ObservedGeneration = pod.Generation
		out = append(out, keepTransitionTime(c, pod.Status.Conditions, in.Now))
	}
	scheduled := false
	for _, c := range pod.Status.Conditions {
		switch c.Type {
		case corev1.PodReadyToStartContainers, corev1.PodInitialized, corev1.PodReady, corev1.ContainersReady:
			continue
		case corev1.PodScheduled:
			scheduled = true
		}
		out = append(out, c)
	}
	if !scheduled {
		out = append(out, keepTransitionTime(cond(corev1.PodScheduled, true, "", ""), nil, in.Now))
	}
	return out
}

func cond(t corev1.PodConditionType, ok bool, reason, message string) corev1.PodCondition {
	if ok {
		return corev1.PodCondition{Type: t, Status: corev1.ConditionTrue}
	}
	return corev1.PodCondition{Type: t, Status: corev1.ConditionFalse, Reason: reason, Message: message}
}

func keepTransitionTime(c corev1.PodCondition, old []corev1.PodCondition, now time.Time) corev1.PodCondition {
	for _, o := range old {
		if o.Type == c.Type && o.Status == c.Status {
			c.LastTransitionTime = o.LastTransitionTime
			return c
		}
	}
	c.LastTransitionTime = metaTime(now)
	return c
}

// unmetReadinessGate explains the first readiness gate whose condition is
// not True, or returns "".
func unmetReadinessGate(pod *corev1.Pod) string {
	for _, g := range pod.Spec.ReadinessGates {
		found := false
		for _, c := range pod.Status.Conditions {
			if c.Type == g.ConditionType {
				found = true
				if c.Status != corev1.ConditionTrue {
					return fmt.Sprintf("the status of pod readiness gate %q is not \"True\", but %s", g.ConditionType, c.Status)
				}
			}
		}
		if !found {
			return fmt.Sprintf("corresponding condition of pod readiness gate %q does not exist.", g.ConditionType)
		}
	}
	return ""
}
