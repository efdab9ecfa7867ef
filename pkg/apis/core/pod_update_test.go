package core

import (
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
)

func TestValidatePodUpdate(t *testing.T) {
	forbiddenPrefix := "spec: Forbidden: pod updates may not change fields other than `spec.containers[*].image`," +
		"`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations)," +
		"`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)\n"
	tests := []struct {
		name    string
		old     func(*corev1.Pod)
		edit    func(*corev1.Pod)
		want    []string
		wantPre []string // for errors ending in a diff
	}{
		{name: "no change"},
		{name: "image change", edit: func(p *corev1.Pod) { p.Spec.Containers[0].Image = "nginx:1.28" }},
		{name: "labels and annotations change", edit: func(p *corev1.Pod) {
			p.Labels["tier"] = "front"
			p.Annotations = map[string]string{"note": "x"}
		}},
		{name: "set activeDeadlineSeconds", edit: func(p *corev1.Pod) { p.Spec.ActiveDeadlineSeconds = ptr(int64(60)) }},
		{name: "lower activeDeadlineSeconds", old: func(p *corev1.Pod) { p.Spec.ActiveDeadlineSeconds = ptr(int64(60)) },
			edit: func(p *corev1.Pod) { p.Spec.ActiveDeadlineSeconds = ptr(int64(30)) }},
		{
			name: "raise activeDeadlineSeconds",
			old:  func(p *corev1.Pod) { p.Spec.ActiveDeadlineSeconds = ptr(int64(60)) },
			edit: func(p *corev1.Pod) { p.Spec.ActiveDeadlineSeconds = ptr(int64(90)) },
			want: []string{"spec.activeDeadlineSeconds: Invalid value: 90: must be less than or equal to previous value"},
		},
		{
			name: "remove activeDeadlineSeconds",
			old:  func(p *corev1.Pod) { p.Spec.ActiveDeadlineSeconds = ptr(int64(60)) },
			edit: func(p *corev1.Pod) { p.Spec.ActiveDeadlineSeconds = nil },
			want: []string{"spec.activeDeadlineSeconds: Invalid value: null: must not update from a positive integer to nil value"},
		},
		{name: "add a toleration", edit: func(p *corev1.Pod) {
			p.Spec.Tolerations = append(p.Spec.Tolerations, corev1.Toleration{Key: "k", Operator: corev1.TolerationOpExists})
		}},
		{
			name: "change a toleration",
			old: func(p *corev1.Pod) {
				p.Spec.Tolerations = []corev1.Toleration{{Key: "k", Operator: corev1.TolerationOpExists}}
			},
			edit: func(p *corev1.Pod) { p.Spec.Tolerations[0].Key = "j" },
			want: []string{"spec.tolerations: Forbidden: existing toleration can not be modified except its tolerationSeconds"},
		},
		{name: "remove a scheduling gate", old: func(p *corev1.Pod) {
			p.Spec.SchedulingGates = []corev1.PodSchedulingGate{{Name: "example.com/a"}}
		}, edit: func(p *corev1.Pod) { p.Spec.SchedulingGates = nil }},
		{
			name: "add a scheduling gate",
			edit: func(p *corev1.Pod) { p.Spec.SchedulingGates = []corev1.PodSchedulingGate{{Name: "example.com/a"}} },
			want: []string{"spec.schedulingGates[0].name: Forbidden: only deletion is allowed, but found new scheduling gate 'example.com/a'"},
		},
		{
			name: "add a container",
			edit: func(p *corev1.Pod) {
				p.Spec.Containers = append(p.Spec.Containers, corev1.Container{Name: "b", Image: "busybox",
					TerminationMessagePolicy: corev1.TerminationMessageReadFile, ImagePullPolicy: corev1.PullAlways})
			},
			want: []string{"spec.containers: Forbidden: pod updates may not add or remove containers"},
		},
		{
			name: "empty image",
			edit: func(p *corev1.Pod) { p.Spec.Containers[0].Image = "" },
			want: []string{"spec.containers[0].image: Required value", "spec.containers[0].image: Required value"},
		},
		{
			name:    "port change is forbidden",
			edit:    func(p *corev1.Pod) { p.Spec.Containers[0].Ports[0].ContainerPort = 8080 },
			wantPre: []string{forbiddenPrefix},
		},
		{
			name: "name change",
			edit: func(p *corev1.Pod) { p.Name = "web-2" },
			want: []string{`metadata.name: Invalid value: "web-2": field is immutable`},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			old := newPod(tc.old)
			old.ResourceVersion = "3"
			pod := old.DeepCopy()
			if tc.edit != nil {
				tc.edit(pod)
			}
			got := ValidatePodUpdate(pod, old)
			if tc.wantPre != nil {
				checkErrorPrefixes(t, got, tc.wantPre)
				if !strings.Contains(got[0].Error(), "ContainerPort") {
					t.Errorf("diff does not name the changed field: %s", got[0].Error())
				}
				return
			}
			checkErrors(t, got, tc.want)
		})
	}
}

func TestValidatePodStatusUpdate(t *testing.T) {
	terminated := corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{ExitCode: 0}}
	running := corev1.ContainerState{Running: &corev1.ContainerStateRunning{}}
	tests := []struct {
		name string
		old  func(*corev1.Pod)
		edit func(*corev1.Pod)
		want []string
	}{
		{name: "ready with dual-stack IPs", edit: func(p *corev1.Pod) {
			p.Status.Phase = corev1.PodRunning
			p.Status.Conditions = []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionTrue}, {Type: "example.com/Warm", Status: corev1.ConditionTrue}}
			p.Status.PodIP = "10.244.1.5"
			p.Status.PodIPs = []corev1.PodIP{{IP: "10.244.1.5"}, {IP: "fd00:10:244::5"}}
			p.Status.HostIP = "192.0.2.11"
			p.Status.HostIPs = []corev1.HostIP{{IP: "192.0.2.11"}}
		}},
		{
			name: "bad condition type",
			edit: func(p *corev1.Pod) { p.Status.Conditions = []corev1.PodCondition{{Type: "not a type"}} },
			want: []string{`metadata.conditions[0].Type: Invalid value: "not a type": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')`},
		},
		{
			name: "nodeName may not change",
			edit: func(p *corev1.Pod) { p.Spec.NodeName = "node-2" },
			want: []string{"status.nodeName: Forbidden: may not be changed directly"},
		},
		{
			name: "two IPv4 pod IPs",
			edit: func(p *corev1.Pod) {
				p.Status.PodIPs = []corev1.PodIP{{IP: "10.244.1.5"}, {IP: "10.244.1.5"}}
			},
			want: []string{
				`status.podIPs: Invalid value: [{"ip":"10.244.1.5"},{"ip":"10.244.1.5"}]: may specify no more than one IP for each IP family`,
				`status.podIPs[1]: Duplicate value: {"ip":"10.244.1.5"}`,
			},
		},
		{
			name: "invalid pod IP",
			edit: func(p *corev1.Pod) { p.Status.PodIPs = []corev1.PodIP{{IP: "10.244.1"}} },
			want: []string{`status.podIPs[0]: Invalid value: "10.244.1": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)`},
		},
		{
			name: "hostIPs must start with hostIP",
			edit: func(p *corev1.Pod) {
				p.Status.HostIP = "192.0.2.11"
				p.Status.HostIPs = []corev1.HostIP{{IP: "192.0.2.12"}}
			},
			want: []string{"status.hostIPs[0].ip: Invalid value: \"192.0.2.12\": must be equal to `hostIP`"},
		},
		{
			name: "terminated container may not run again under Never",
			old: func(p *corev1.Pod) {
				p.Spec.RestartPolicy = corev1.RestartPolicyNever
				p.Status.ContainerStatuses = []corev1.ContainerStatus{{Name: "web", State: terminated}}
			},
			edit: func(p *corev1.Pod) { p.Status.ContainerStatuses[0].State = running },
			want: []string{"status.containerStatuses[0].state: Forbidden: may not be transitioned to non-terminated state"},
		},
		{name: "terminated container may run again under Always", old: func(p *corev1.Pod) {
			p.Status.ContainerStatuses = []corev1.ContainerStatus{{Name: "web", State: terminated}}
		}, edit: func(p *corev1.Pod) { p.Status.ContainerStatuses[0].State = running }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			old := newPod(tc.old)
			old.ResourceVersion = "3"
			pod := old.DeepCopy()
			tc.edit(pod)
			checkErrors(t, ValidatePodStatusUpdate(pod, old), tc.want)
		})
	}
}

func TestValidatePodBinding(t *testing.T) {
	tests := []struct {
		name   string
		target corev1.ObjectReference
		want   []string
	}{
		{name: "node", target: corev1.ObjectReference{Kind: "Node", Name: "node-1"}},
		{name: "kind omitted", target: corev1.ObjectReference{Name: "node-1"}},
		{
			name:   "wrong kind and no name",
			target: corev1.ObjectReference{Kind: "Pod"},
			want:   []string{`target.kind: Unsupported value: "Pod": supported values: "Node", "<empty>"`, "target.name: Required value"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			checkErrors(t, ValidatePodBinding(&corev1.Binding{Target: tc.target}), tc.want)
		})
	}
}
