package printers

import (
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Container states, for short test tables.
func running() corev1.ContainerState {
	return corev1.ContainerState{Running: &corev1.ContainerStateRunning{StartedAt: ago(time.Minute)}}
}

func waiting(reason string) corev1.ContainerState {
	return corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: reason}}
}

func terminated(reason string, exitCode, signal int32) corev1.ContainerState {
	return corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{Reason: reason, ExitCode: exitCode, Signal: signal}}
}

// status is a container status; name is c0, c1... by position unless set.
func status(state corev1.ContainerState, ready bool, restarts int32) corev1.ContainerStatus {
	return corev1.ContainerStatus{State: state, Ready: ready, RestartCount: restarts}
}

// lastTerminated sets when the container last terminated.
func lastTerminated(cs corev1.ContainerStatus, d time.Duration) corev1.ContainerStatus {
	cs.LastTerminationState.Terminated = &corev1.ContainerStateTerminated{ExitCode: 1, FinishedAt: ago(d)}
	return cs
}

// podWith builds a pod whose spec has one container per status (and one
// init container per init status), named after their position.
func podWith(phase corev1.PodPhase, inits, containers []corev1.ContainerStatus) *corev1.Pod {
	pod := &corev1.Pod{ObjectMeta: objMeta("web", time.Hour), Status: corev1.PodStatus{Phase: phase}}
	for i := range inits {
		name := "init" + string(rune('0'+i))
		inits[i].Name = name
		pod.Spec.InitContainers = append(pod.Spec.InitContainers, corev1.Container{Name: name})
	}
	for i := range containers {
		name := "c" + string(rune('0'+i))
		containers[i].Name = name
		pod.Spec.Containers = append(pod.Spec.Containers, corev1.Container{Name: name})
	}
	pod.Status.InitContainerStatuses = inits
	pod.Status.ContainerStatuses = containers
	return pod
}

// sidecar makes init container i of pod a sidecar.
func sidecar(pod *corev1.Pod, i int) *corev1.Pod {
	always := corev1.ContainerRestartPolicyAlways
	pod.Spec.InitContainers[i].RestartPolicy = &always
	return pod
}

func withCondition(pod *corev1.Pod, t corev1.PodConditionType, s corev1.ConditionStatus, reason string) *corev1.Pod {
	pod.Status.Conditions = append(pod.Status.Conditions, corev1.PodCondition{Type: t, Status: s, Reason: reason})
	return pod
}

func deleting(pod *corev1.Pod) *corev1.Pod {
	ts := ago(time.Second)
	pod.DeletionTimestamp = &ts
	return pod
}

func withReason(pod *corev1.Pod, reason string) *corev1.Pod {
	pod.Status.Reason = reason
	return pod
}

func started(cs corev1.ContainerStatus) corev1.ContainerStatus {
	yes := true
	cs.Started = &yes
	return cs
}

func TestPodStatus(t *testing.T) {
	type cs = []corev1.ContainerStatus
	tests := []struct {
		name                      string
		pod                       *corev1.Pod
		ready, status, restarts   string
		wantCompleted, wantFailed bool
	}{
		{"pending without statuses", func() *corev1.Pod {
			p := podWith(corev1.PodPending, nil, nil)
			p.Spec.Containers = []corev1.Container{{Name: "c0"}}
			return p
		}(), "0/1", "Pending", "0", false, false},
		{"container creating", podWith(corev1.PodPending, nil, cs{status(waiting("ContainerCreating"), false, 0)}), "0/1", "ContainerCreating", "0", false, false},
		{"running and ready", podWith(corev1.PodRunning, nil, cs{status(running(), true, 0)}), "1/1", "Running", "0", false, false},
		{"running, not ready", podWith(corev1.PodRunning, nil, cs{status(running(), false, 0)}), "0/1", "Running", "0", false, false},
		{"two of three ready", podWith(corev1.PodRunning, nil, cs{status(running(), true, 0), status(running(), false, 0), status(running(), true, 0)}), "2/3", "Running", "0", false, false},
		{"crash loop with last restart", podWith(corev1.PodRunning, nil, cs{lastTerminated(status(waiting("CrashLoopBackOff"), false, 5), 2*time.Minute)}), "0/1", "CrashLoopBackOff", "5 (2m ago)", false, false},
		{"restarts without a termination time", podWith(corev1.PodRunning, nil, cs{status(running(), true, 3)}), "1/1", "Running", "3", false, false},
		{"latest restart of all containers", podWith(corev1.PodRunning, nil, cs{lastTerminated(status(running(), true, 1), 30*time.Minute), lastTerminated(status(running(), true, 2), 5*time.Minute)}), "2/2", "Running", "3 (5m ago)", false, false},
		{"image pull error", podWith(corev1.PodPending, nil, cs{status(waiting("ErrImagePull"), false, 0)}), "0/1", "ErrImagePull", "0", false, false},
		{"image pull back-off", podWith(corev1.PodPending, nil, cs{status(waiting("ImagePullBackOff"), false, 0)}), "0/1", "ImagePullBackOff", "0", false, false},
		{"first container's reason wins", podWith(corev1.PodPending, nil, cs{status(waiting("CrashLoopBackOff"), false, 0), status(waiting("ErrImagePull"), false, 0)}), "0/2", "CrashLoopBackOff", "0", false, false},
		{"completed", podWith(corev1.PodSucceeded, nil, cs{status(terminated("Completed", 0, 0), false, 0)}), "0/1", "Completed", "0", true, false},
		{"error", podWith(corev1.PodFailed, nil, cs{status(terminated("Error", 1, 0), false, 0)}), "0/1", "Error", "0", false, true},
		{"exit code without reason", podWith(corev1.PodFailed, nil, cs{status(terminated("", 137, 0), false, 0)}), "0/1", "ExitCode:137", "0", false, true},
		{"signal without reason", podWith(corev1.PodFailed, nil, cs{status(terminated("", 0, 9), false, 0)}), "0/1", "Signal:9", "0", false, true},
		{"completed container beside a running one, pod ready", withCondition(podWith(corev1.PodRunning, nil, cs{status(terminated("Completed", 0, 0), false, 0), status(running(), true, 0)}), corev1.PodReady, corev1.ConditionTrue, ""), "1/2", "Running", "0", false, false},
		{"completed container beside a running one, pod not ready", podWith(corev1.PodRunning, nil, cs{status(terminated("Completed", 0, 0), false, 0), status(running(), true, 0)}), "1/2", "NotReady", "0", false, false},
		{"first init container running", podWith(corev1.PodPending, cs{status(running(), false, 0), status(waiting("PodInitializing"), false, 0)}, cs{status(waiting("PodInitializing"), false, 0)}), "0/1", "Init:0/2", "0", false, false},
		{"second init container running", podWith(corev1.PodPending, cs{status(terminated("Completed", 0, 0), false, 0), status(running(), false, 0)}, cs{status(waiting("PodInitializing"), false, 0)}), "0/1", "Init:1/2", "0", false, false},
		{"init container waiting to initialize", podWith(corev1.PodPending, cs{status(waiting("PodInitializing"), false, 0)}, cs{status(waiting("PodInitializing"), false, 0)}), "0/1", "Init:0/1", "0", false, false},
		{"init container crash loop counts init restarts", podWith(corev1.PodPending, cs{lastTerminated(status(waiting("CrashLoopBackOff"), false, 3), time.Minute)}, cs{status(waiting("PodInitializing"), false, 0)}), "0/1", "Init:CrashLoopBackOff", "3 (60s ago)", false, false},
		{"init container error", podWith(corev1.PodPending, cs{status(terminated("Error", 1, 0), false, 0)}, cs{status(waiting("PodInitializing"), false, 0)}), "0/1", "Init:Error", "0", false, false},
		{"init container exit code", podWith(corev1.PodPending, cs{status(terminated("", 2, 0), false, 0)}, cs{status(waiting("PodInitializing"), false, 0)}), "0/1", "Init:ExitCode:2", "0", false, false},
		{"init container signal", podWith(corev1.PodPending, cs{status(terminated("", 143, 15), false, 0)}, cs{status(waiting("PodInitializing"), false, 0)}), "0/1", "Init:Signal:15", "0", false, false},
		{"init containers done", podWith(corev1.PodRunning, cs{status(terminated("Completed", 0, 0), false, 2)}, cs{status(running(), true, 1)}), "1/1", "Running", "1", false, false},
		{"initialized pod counts main containers", withCondition(podWith(corev1.PodRunning, cs{status(waiting("PodInitializing"), false, 4)}, cs{status(running(), true, 1)}), corev1.PodInitialized, corev1.ConditionTrue, ""), "1/1", "Init:0/1", "1", false, false},
		{"sidecar running and ready", sidecar(podWith(corev1.PodRunning, cs{lastTerminated(started(status(running(), true, 2)), 3*time.Minute)}, cs{status(running(), true, 0)}), 0), "2/2", "Running", "2 (3m ago)", false, false},
		{"sidecar started, not ready", sidecar(podWith(corev1.PodRunning, cs{started(status(running(), false, 0))}, cs{status(running(), true, 0)}), 0), "1/2", "Running", "0", false, false},
		{"sidecar not started blocks init", sidecar(podWith(corev1.PodPending, cs{status(running(), false, 0)}, cs{status(waiting("PodInitializing"), false, 0)}), 0), "0/2", "Init:0/1", "0", false, false},
		{"terminating", deleting(podWith(corev1.PodRunning, nil, cs{status(running(), true, 0)})), "1/1", "Terminating", "0", false, false},
		{"deleted after success stays completed", deleting(podWith(corev1.PodSucceeded, nil, cs{status(terminated("Completed", 0, 0), false, 0)})), "0/1", "Completed", "0", true, false},
		{"node lost while deleting is unknown", deleting(withReason(podWith(corev1.PodRunning, nil, cs{status(running(), true, 0)}), "NodeLost")), "1/1", "Unknown", "0", false, false},
		{"node lost", withReason(podWith(corev1.PodRunning, nil, cs{status(running(), true, 0)}), "NodeLost"), "1/1", "NodeLost", "0", false, false},
		{"evicted", withReason(podWith(corev1.PodFailed, nil, nil), "Evicted"), "0/0", "Evicted", "0", false, true},
		{"unknown phase", podWith(corev1.PodUnknown, nil, nil), "0/0", "Unknown", "0", false, false},
		{"scheduling gated", withCondition(podWith(corev1.PodPending, nil, nil), corev1.PodScheduled, corev1.ConditionFalse, corev1.PodReasonSchedulingGated), "0/0", "SchedulingGated", "0", false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkCells(t, tt.pod, map[string]any{"READY": tt.ready, "STATUS": tt.status, "RESTARTS": tt.restarts})
			row := table(t, tt.pod).Rows[0]
			var completed, failed bool
			for _, c := range row.Conditions {
				if c.Type == metav1.RowCompleted && c.Status == metav1.ConditionTrue {
					completed = c.Reason == string(corev1.PodSucceeded)
					failed = c.Reason == string(corev1.PodFailed)
				}
			}
			if completed != tt.wantCompleted || failed != tt.wantFailed {
				t.Errorf("row conditions %+v: want succeeded=%v failed=%v", row.Conditions, tt.wantCompleted, tt.wantFailed)
			}
		})
	}
}

func TestPodWideCells(t *testing.T) {
	base := func() *corev1.Pod {
		return podWith(corev1.PodRunning, nil, []corev1.ContainerStatus{status(running(), true, 0)})
	}
	tests := []struct {
		name string
		pod  *corev1.Pod
		want map[string]any
	}{
		{"unscheduled", base(), map[string]any{"IP": "<none>", "NODE": "<none>", "NOMINATED NODE": "<none>", "READINESS GATES": "<none>"}},
		{"first of several pod IPs", func() *corev1.Pod {
			p := base()
			p.Spec.NodeName = "node01"
			p.Status.PodIP = "10.244.1.4"
			p.Status.PodIPs = []corev1.PodIP{{IP: "10.244.1.4"}, {IP: "fd00::4"}}
			return p
		}(), map[string]any{"IP": "10.244.1.4", "NODE": "node01"}},
		{"pod IP without pod IPs", func() *corev1.Pod {
			p := base()
			p.Status.PodIP = "10.244.2.3"
			return p
		}(), map[string]any{"IP": "10.244.2.3"}},
		{"nominated node", func() *corev1.Pod {
			p := base()
			p.Status.NominatedNodeName = "node02"
			return p
		}(), map[string]any{"NOMINATED NODE": "node02"}},
		{"readiness gates", func() *corev1.Pod {
			p := base()
			p.Spec.ReadinessGates = []corev1.PodReadinessGate{{ConditionType: "example.com/lb"}, {ConditionType: "example.com/dns"}}
			withCondition(p, "example.com/lb", corev1.ConditionTrue, "")
			withCondition(p, "example.com/dns", corev1.ConditionFalse, "")
			return p
		}(), map[string]any{"READINESS GATES": "1/2"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkCells(t, tt.pod, tt.want)
		})
	}
}

func TestPodGolden(t *testing.T) {
	pod := func(name, ip, node string, cs corev1.ContainerStatus) corev1.Pod {
		p := podWith(corev1.PodRunning, nil, []corev1.ContainerStatus{cs})
		p.Name = name
		p.CreationTimestamp = ago(16 * time.Second)
		p.Spec.NodeName = node
		p.Status.PodIP = ip
		p.Status.PodIPs = []corev1.PodIP{{IP: ip}}
		return *p
	}
	list := &corev1.PodList{Items: []corev1.Pod{
		pod("example-12-7f6f6c744d-2f567", "192.168.0.4", "controlplane", status(running(), true, 0)),
		pod("example-12-7f6f6c744d-cwhzk", "192.168.1.4", "node01", lastTerminated(status(running(), true, 3), 2*time.Minute)),
	}}
	checkRender(t, list, false, lines(
		"NAME                          READY   STATUS    RESTARTS     AGE",
		"example-12-7f6f6c744d-2f567   1/1     Running   0            16s",
		"example-12-7f6f6c744d-cwhzk   1/1     Running   3 (2m ago)   16s",
	))
	checkRender(t, list, true, lines(
		"NAME                          READY   STATUS    RESTARTS     AGE   IP            NODE           NOMINATED NODE   READINESS GATES",
		"example-12-7f6f6c744d-2f567   1/1     Running   0            16s   192.168.0.4   controlplane   <none>           <none>",
		"example-12-7f6f6c744d-cwhzk   1/1     Running   3 (2m ago)   16s   192.168.1.4   node01         <none>           <none>",
	))
}
