package printers

import (
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// nodeLostReason is the pod status reason the node lifecycle controller
// sets on pods of a node that stopped answering.
const nodeLostReason = "NodeLost"

// podColumns: NAME READY STATUS RESTARTS AGE, wide IP NODE NOMINATED NODE
// READINESS GATES.
func podColumns() []metav1.TableColumnDefinition {
	spec, status := corev1.PodSpec{}.SwaggerDoc(), corev1.PodStatus{}.SwaggerDoc()
	return []metav1.TableColumnDefinition{
		nameColumn(),
		column("Ready", typeString, "The aggregate readiness state of this pod for accepting traffic."),
		column("Status", typeString, "The aggregate status of the containers in this pod."),
		column("Restarts", typeString, "The number of times the containers in this pod have been restarted and when the last container in this pod has restarted."),
		ageColumn(),
		wideColumn("IP", typeString, status["podIP"]),
		wideColumn("Node", typeString, spec["nodeName"]),
		wideColumn("Nominated Node", typeString, status["nominatedNodeName"]),
		wideColumn("Readiness Gates", typeString, spec["readinessGates"]),
	}
}

func podRow(pod *corev1.Pod, now time.Time) metav1.TableRow {
	s := summarizePod(pod)
	restarts := fmt.Sprint(s.restarts)
	if s.restarts != 0 && !s.lastRestart.IsZero() {
		restarts = fmt.Sprintf("%d (%s ago)", s.restarts, age(s.lastRestart, now))
	}
	row := metav1.TableRow{Cells: []any{
		pod.Name,
		fmt.Sprintf("%d/%d", s.ready, s.total),
		s.reason,
		restarts,
		age(pod.CreationTimestamp, now),
		orNone(podIP(pod)),
		orNone(pod.Spec.NodeName),
		orNone(pod.Status.NominatedNodeName),
		readinessGates(pod),
	}}
	// kubectl uses these conditions to tell finished pods apart.
	switch pod.Status.Phase {
	case corev1.PodSucceeded:
		row.Conditions = []metav1.TableRowCondition{{Type: metav1.RowCompleted, Status: metav1.ConditionTrue, Reason: string(corev1.PodSucceeded), Message: "The pod has completed successfully."}}
	case corev1.PodFailed:
		row.Conditions = []metav1.TableRowCondition{{Type: metav1.RowCompleted, Status: metav1.ConditionTrue, Reason: string(corev1.PodFailed), Message: "The pod failed."}}
	}
	return row
}

// podSummary is what the READY, STATUS and RESTARTS columns show.
type podSummary struct {
	ready, total int
	reason       string
	restarts     int
	lastRestart  metav1.Time
}

// restartCounter adds up restarts and remembers the latest one.
type restartCounter struct {
	count int
	last  metav1.Time
}

func (r *restartCounter) add(cs *corev1.ContainerStatus) {
	r.count += int(cs.RestartCount)
	if t := cs.LastTerminationState.Terminated; t != nil && r.last.Before(&t.FinishedAt) {
		r.last = t.FinishedAt
	}
}

// summarizePod works out the READY, STATUS and RESTARTS columns the way
// kubectl users know them: the phase or reason, overridden by the first init
// container still working, then by the containers' waiting or terminated
// reasons, and finally by Terminating while the pod is being deleted.
func summarizePod(pod *corev1.Pod) podSummary {
	s := podSummary{total: len(pod.Spec.Containers), reason: string(pod.Status.Phase)}
	if pod.Status.Reason != "" {
		s.reason = pod.Status.Reason
	}
	for _, c := range pod.Status.Conditions {
		if c.Type == corev1.PodScheduled && c.Reason == corev1.PodReasonSchedulingGated {
			s.reason = corev1.PodReasonSchedulingGated
		}
	}

	sidecars := make(map[string]bool)
	for i := range pod.Spec.InitContainers {
		if isSidecar(&pod.Spec.InitContainers[i]) {
			sidecars[pod.Spec.InitContainers[i].Name] = true
			s.total++
		}
	}

	all, sidecarRestarts, initializing := summarizeInitContainers(pod, sidecars, &s)
	if initializing && !hasCondition(pod.Status.Conditions, corev1.PodInitialized) {
		s.restarts, s.lastRestart = all.count, all.last
	} else {
		summarizeContainers(pod, &sidecarRestarts, &s)
		s.restarts, s.lastRestart = sidecarRestarts.count, sidecarRestarts.last
	}

	if pod.DeletionTimestamp != nil {
		switch {
		case pod.Status.Reason == nodeLostReason:
			s.reason = "Unknown"
		case pod.Status.Phase != corev1.PodSucceeded && pod.Status.Phase != corev1.PodFailed:
			s.reason = "Terminating"
		}
	}
	return s
}

// summarizeInitContainers walks the init containers up to the first one
// still at work, which decides an Init:... status. It counts the restarts of
// all the init containers it saw, and separately of the sidecars among them,
// since sidecars keep running with the main containers.
func summarizeInitContainers(pod *corev1.Pod, sidecars map[string]bool, s *podSummary) (all, sidecarRestarts restartCounter, initializing bool) {
	for i := range pod.Status.InitContainerStatuses {
		cs := &pod.Status.InitContainerStatuses[i]
		all.add(cs)
		if sidecars[cs.Name] {
			sidecarRestarts.add(cs)
		}
		term, wait := cs.State.Terminated, cs.State.Waiting
		switch {
		case term != nil && term.ExitCode == 0:
			continue
		case sidecars[cs.Name] && cs.Started != nil && *cs.Started:
			if cs.Ready {
				s.ready++
			}
			continue
		case term != nil:
			switch {
			case term.Reason != "":
				s.reason = "Init:" + term.Reason
			case term.Signal != 0:
				s.reason = fmt.Sprintf("Init:Signal:%d", term.Signal)
			default:
				s.reason = fmt.Sprintf("Init:ExitCode:%d", term.ExitCode)
			}
		case wait != nil && wait.Reason != "" && wait.Reason != "PodInitializing":
			s.reason = "Init:" + wait.Reason
		default:
			s.reason = fmt.Sprintf("Init:%d/%d", i, len(pod.Spec.InitContainers))
		}
		return all, sidecarRestarts, true
	}
	return all, sidecarRestarts, false
}

// summarizeContainers lets the main containers decide the status: the first
// container that waits or terminated gives its reason. It counts ready
// containers and adds the containers' restarts to restarts.
func summarizeContainers(pod *corev1.Pod, restarts *restartCounter, s *podSummary) {
	hasRunning := false
	for i := len(pod.Status.ContainerStatuses) - 1; i >= 0; i-- {
		cs := &pod.Status.ContainerStatuses[i]
		restarts.add(cs)
		term, wait := cs.State.Terminated, cs.State.Waiting
		switch {
		case wait != nil && wait.Reason != "":
			s.reason = wait.Reason
		case term != nil && term.Reason != "":
			s.reason = term.Reason
		case term != nil && term.Signal != 0:
			s.reason = fmt.Sprintf("Signal:%d", term.Signal)
		case term != nil:
			s.reason = fmt.Sprintf("ExitCode:%d", term.ExitCode)
		case cs.Ready && cs.State.Running != nil:
			hasRunning = true
			s.ready++
		}
	}
	// A container that completed while another still runs does not make
	// the pod Completed.
	if s.reason == "Completed" && hasRunning {
		if hasCondition(pod.Status.Conditions, corev1.PodReady) {
			s.reason = "Running"
		} else {
			s.reason = "NotReady"
		}
	}
}

// isSidecar reports whether an init container is a sidecar, one that keeps
// running beside the main containers.
func isSidecar(c *corev1.Container) bool {
	return c.RestartPolicy != nil && *c.RestartPolicy == corev1.ContainerRestartPolicyAlways
}

// hasCondition reports whether the pod condition t is True.
func hasCondition(conditions []corev1.PodCondition, t corev1.PodConditionType) bool {
	for _, c := range conditions {
		if c.Type == t && c.Status == corev1.ConditionTrue {
			return true
		}
	}
	return false
}

// podIP is the pod's primary IP.
func podIP(pod *corev1.Pod) string {
	if len(pod.Status.PodIPs) > 0 {
		return pod.Status.PodIPs[0].IP
	}
	return pod.Status.PodIP
}

// readinessGates shows how many of the pod's readiness gates are True, as
// "1/2", or <none>.
func readinessGates(pod *corev1.Pod) string {
	if len(pod.Spec.ReadinessGates) == 0 {
		return none
	}
	passed := 0
	for _, gate := range pod.Spec.ReadinessGates {
		for _, c := range pod.Status.Conditions {
			if c.Type == gate.ConditionType {
				if c.Status == corev1.ConditionTrue {
					passed++
				}
				break
			}
		}
	}
	return fmt.Sprintf("%d/%d", passed, len(pod.Spec.ReadinessGates))
}

// orNone returns s, or <none> when s is empty.
func orNone(s string) string {
	if s == "" {
		return none
	}
	return s
}
