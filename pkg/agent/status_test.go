package agent

import (
	"net/netip"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/svcnet/svcnet/pkg/agent/runtime"
)

var t0 = time.Date(2026, 11, 30, 10, 0, 0, 0, time.UTC)

func running(name string) *runtime.ContainerState {
	return &runtime.ContainerState{Name: name, PID: 1, Running: true, StartedAt: t0}
}

func exited(name string, code int) *runtime.ContainerState {
	return &runtime.ContainerState{Name: name, PID: 1, StartedAt: t0, ExitCode: code, FinishedAt: t0.Add(time.Minute)}
}

func TestPodPhase(t *testing.T) {
	run := corev1.ContainerStatus{State: corev1.ContainerState{Running: &corev1.ContainerStateRunning{}}}
	wait := corev1.ContainerStatus{State: corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{}}}
	crash := corev1.ContainerStatus{
		State:                corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: "CrashLoopBackOff"}},
		LastTerminationState: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{ExitCode: 1}},
	}
	ok := corev1.ContainerStatus{State: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{ExitCode: 0}}}
	fail := corev1.ContainerStatus{State: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{ExitCode: 2}}}
	tests := []struct {
		name   string
		policy corev1.RestartPolicy
		cs     []corev1.ContainerStatus
		want   corev1.PodPhase
	}{
		{"all running", corev1.RestartPolicyAlways, []corev1.ContainerStatus{run, run}, corev1.PodRunning},
		{"one waiting", corev1.RestartPolicyAlways, []corev1.ContainerStatus{run, wait}, corev1.PodPending},
		{"crash loop is running", corev1.RestartPolicyAlways, []corev1.ContainerStatus{crash}, corev1.PodRunning},
		{"Never all succeeded", corev1.RestartPolicyNever, []corev1.ContainerStatus{ok, ok}, corev1.PodSucceeded},
		{"Never one failed", corev1.RestartPolicyNever, []corev1.ContainerStatus{ok, fail}, corev1.PodFailed},
		{"Never one still running", corev1.RestartPolicyNever, []corev1.ContainerStatus{fail, run}, corev1.PodRunning},
		{"OnFailure succeeded", corev1.RestartPolicyOnFailure, []corev1.ContainerStatus{ok}, corev1.PodSucceeded},
		{"OnFailure failed restarts", corev1.RestartPolicyOnFailure, []corev1.ContainerStatus{fail}, corev1.PodRunning},
		{"Always all exited", corev1.RestartPolicyAlways, []corev1.ContainerStatus{ok}, corev1.PodRunning},
		{"nothing yet", corev1.RestartPolicyAlways, nil, corev1.PodPending},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := podPhase(tc.policy, 0, 0, tc.cs); got != tc.want {
				t.Errorf("got %s, want %s", got, tc.want)
			}
		})
	}
}

func testPod() *corev1.Pod {
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "web", UID: "u1", Generation: 1},
		Spec: corev1.PodSpec{
			RestartPolicy: corev1.RestartPolicyAlways,
			Containers:    []corev1.Container{{Name: "b", Image: "nginx"}, {Name: "a", Image: "whoami"}},
		},
		Status: corev1.PodStatus{
			Phase:      corev1.PodPending,
			QOSClass:   corev1.PodQOSBestEffort,
			Conditions: []corev1.PodCondition{{Type: corev1.PodScheduled, Status: corev1.ConditionTrue, LastTransitionTime: metav1.NewTime(t0)}},
		},
	}
}

func TestComputeStatusRunningReady(t *testing.T) {
	pod := testPod()
	now := t0.Add(5 * time.Second)
	in := statusInput{
		Pod: pod, NodeIP: netip.MustParseAddr("192.0.2.1"), PodIP: netip.MustParseAddr("10.244.0.5"),
		HasSandbox: true, StartTime: t0, Now: now,
		Containers: []containerView{
			{Spec: &pod.Spec.Containers[0], Runtime: running("b"), Started: true, Ready: true, ImageID: "svcnet://workload/nginx"},
			{Spec: &pod.Spec.Containers[1], Runtime: running("a"), Started: true, Ready: false, RestartCount: 2,
				LastTerminated: terminatedState("u1", exited("a", 1))},
		},
	}
	st := computeStatus(in)
	if st.Phase != corev1.PodRunning || st.PodIP != "10.244.0.5" || st.PodIPs[0].IP != "10.244.0.5" || st.HostIP != "192.0.2.1" || st.HostIPs[0].IP != "192.0.2.1" {
		t.Errorf("phase/IPs: %+v", st)
	}
	if st.QOSClass != corev1.PodQOSBestEffort || st.StartTime == nil || !st.StartTime.Time.Equal(t0) {
		t.Errorf("kept fields: qos %q startTime %v", st.QOSClass, st.StartTime)
	}
	if st.ContainerStatuses[0].Name != "a" || st.ContainerStatuses[1].Name != "b" {
		t.Errorf("container statuses not sorted by name")
	}
	a, b := st.ContainerStatuses[0], st.ContainerStatuses[1]
	if a.Ready || a.RestartCount != 2 || a.LastTerminationState.Terminated == nil || a.LastTerminationState.Terminated.Reason != "Error" {
		t.Errorf("container a: %+v", a)
	}
	if !b.Ready || b.ContainerID != "svcnet://u1/b" || b.ImageID != "svcnet://workload/nginx" || b.State.Running == nil || !*b.Started {
		t.Errorf("container b: %+v", b)
	}
	want := map[corev1.PodConditionType]corev1.ConditionStatus{
		corev1.PodReadyToStartContainers: corev1.ConditionTrue, corev1.PodInitialized: corev1.ConditionTrue,
		corev1.PodReady: corev1.ConditionFalse, corev1.ContainersReady: corev1.ConditionFalse, corev1.PodScheduled: corev1.ConditionTrue,
	}
	for _, c := range st.Conditions {
		if want[c.Type] != c.Status {
			t.Errorf("condition %s = %s, want %s", c.Type, c.Status, want[c.Type])
		}
		if c.Type == corev1.PodReady && c.Message != "containers with unready status: [a]" {
			t.Errorf("Ready message %q", c.Message)
		}
		if c.Type == corev1.PodScheduled && !c.LastTransitionTime.Time.Equal(t0) {
			t.Errorf("PodScheduled transition time changed")
		}
	}
	if len(st.Conditions) != 5 {
		t.Errorf("conditions %v", st.Conditions)
	}

	// Written back and recomputed at a later time, nothing changes.
	pod.Status = st
	in.Now = now.Add(time.Minute)
	if again := computeStatus(in); !apiequality.Semantic.DeepEqual(again, st) {
		t.Errorf("status not stable:\n%+v\n%+v", again, st)
	}
}

func TestContainerStatusStates(t *testing.T) {
	spec := &corev1.Container{Name: "app", Image: "busybox"}
	tests := []struct {
		name       string
		v          containerView
		wantState  string
		wantReason string
		wantLast   bool
	}{
		{"never started", containerView{Spec: spec}, "waiting", ReasonContainerCreating, false},
		{"bad image", containerView{Spec: spec, WaitingReason: ReasonErrImagePull, WaitingMessage: "image busybox is not ..."}, "waiting", ReasonErrImagePull, false},
		{"running", containerView{Spec: spec, Runtime: running("app")}, "running", "", false},
		{"exited ok", containerView{Spec: spec, Runtime: exited("app", 0)}, "terminated", "Completed", false},
		{"exited error", containerView{Spec: spec, Runtime: exited("app", 1)}, "terminated", "Error", false},
		{"crash loop", containerView{Spec: spec, Runtime: exited("app", 1), WaitingReason: ReasonCrashLoopBackOff}, "waiting", ReasonCrashLoopBackOff, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cs := containerStatus("u1", tc.v)
			state, reason := "", ""
			switch {
			case cs.State.Waiting != nil:
				state, reason = "waiting", cs.State.Waiting.Reason
			case cs.State.Running != nil:
				state = "running"
			case cs.State.Terminated != nil:
				state, reason = "terminated", cs.State.Terminated.Reason
			}
			if state != tc.wantState || reason != tc.wantReason || (cs.LastTerminationState.Terminated != nil) != tc.wantLast {
				t.Errorf("got %s/%s last=%v", state, reason, cs.LastTerminationState.Terminated)
			}
		})
	}
}

func TestComputeStatusTerminalAndGates(t *testing.T) {
	pod := testPod()
	pod.Spec.RestartPolicy = corev1.RestartPolicyNever
	pod.Spec.Containers = pod.Spec.Containers[:1]
	in := statusInput{Pod: pod, HasSandbox: true, PodIP: netip.MustParseAddr("10.244.0.5"), Now: t0,
		Containers: []containerView{{Spec: &pod.Spec.Containers[0], Runtime: exited("b", 0)}}}
	st := computeStatus(in)
	if st.Phase != corev1.PodSucceeded {
		t.Fatalf("phase %s", st.Phase)
	}
	for _, c := range st.Conditions {
		if c.Type == corev1.PodReady && (c.Status != corev1.ConditionFalse || c.Reason != "PodCompleted") {
			t.Errorf("Ready %+v", c)
		}
	}

	pod = testPod()
	pod.Spec.Containers = pod.Spec.Containers[:1]
	pod.Spec.ReadinessGates = []corev1.PodReadinessGate{{ConditionType: "example.com/gate"}}
	in = statusInput{Pod: pod, HasSandbox: true, Now: t0,
		Containers: []containerView{{Spec: &pod.Spec.Containers[0], Runtime: running("b"), Started: true, Ready: true}}}
	ready := func(st corev1.PodStatus) corev1.ConditionStatus {
		for _, c := range st.Conditions {
			if c.Type == corev1.PodReady {
				return c.Status
			}
		}
		return ""
	}
	if got := ready(computeStatus(in)); got != corev1.ConditionFalse {
		t.Errorf("Ready with an unmet gate = %s", got)
	}
	pod.Status.Conditions = append(pod.Status.Conditions, corev1.PodCondition{Type: "example.com/gate", Status: corev1.ConditionTrue})
	st = computeStatus(in)
	if got := ready(st); got != corev1.ConditionTrue {
		t.Errorf("Ready with a met gate = %s", got)
	}
	found := false
	for _, c := range st.Conditions {
		found = found || c.Type == "example.com/gate"
	}
	if !found {
		t.Errorf("readiness gate condition dropped")
	}
}

func TestInitContainersStatus(t *testing.T) {
	pod := testPod()
	pod.Spec.Containers = pod.Spec.Containers[:1]
	pod.Spec.InitContainers = []corev1.Container{{Name: "setup", Image: "busybox"}, {Name: "migrate", Image: "busybox"}}
	initView := func(i int, rt *runtime.ContainerState, reason string) containerView {
		return containerView{Spec: &pod.Spec.InitContainers[i], Runtime: rt, WaitingReason: reason}
	}
	app := containerView{Spec: &pod.Spec.Containers[0]}
	tests := []struct {
		name        string
		policy      corev1.RestartPolicy
		init        []containerView
		app         containerView
		phase       corev1.PodPhase
		initialized corev1.ConditionStatus
		appReason   string
	}{
		{"first running", corev1.RestartPolicyAlways, []containerView{initView(0, running("setup"), ""), initView(1, nil, "")}, app,
			corev1.PodPending, corev1.ConditionFalse, "PodInitializing"},
		{"failed, will retry", corev1.RestartPolicyAlways, []containerView{initView(0, exited("setup", 1), ReasonCrashLoopBackOff), initView(1, nil, "")}, app,
			corev1.PodPending, corev1.ConditionFalse, "PodInitializing"},
		{"failed under Never", corev1.RestartPolicyNever, []containerView{initView(0, exited("setup", 1), ""), initView(1, nil, "")}, app,
			corev1.PodFailed, corev1.ConditionFalse, "PodInitializing"},
		{"all done", corev1.RestartPolicyAlways, []containerView{initView(0, exited("setup", 0), ""), initView(1, exited("migrate", 0), "")},
			containerView{Spec: &pod.Spec.Containers[0], Runtime: running("b"), Started: true, Ready: true},
			corev1.PodRunning, corev1.ConditionTrue, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			pod.Spec.RestartPolicy = tc.policy
			st := computeStatus(statusInput{Pod: pod, HasSandbox: true, Now: t0, InitContainers: tc.init, Containers: []containerView{tc.app}})
			if st.Phase != tc.phase {
				t.Errorf("phase %s, want %s", st.Phase, tc.phase)
			}
			if len(st.InitContainerStatuses) != 2 || st.InitContainerStatuses[0].Name != "setup" {
				t.Errorf("init statuses %+v", st.InitContainerStatuses)
			}
			for _, c := range st.Conditions {
				if c.Type == corev1.PodInitialized && c.Status != tc.initialized {
					t.Errorf("Initialized %s, want %s", c.Status, tc.initialized)
				}
			}
			reason := ""
			if w := st.ContainerStatuses[0].State.Waiting; w != nil {
				reason = w.Reason
			}
			if reason != tc.appReason {
				t.Errorf("app waiting reason %q, want %q", reason, tc.appReason)
			}
		})
	}
}
