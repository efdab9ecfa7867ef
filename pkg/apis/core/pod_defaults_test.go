package core

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/util/intstr"
)

func TestDefaultPod(t *testing.T) {
	pod := &corev1.Pod{Spec: corev1.PodSpec{
		Containers: []corev1.Container{{
			Name:  "web",
			Image: "nginx",
			Ports: []corev1.ContainerPort{{ContainerPort: 80}, {ContainerPort: 53, Protocol: corev1.ProtocolUDP}},
			ReadinessProbe: &corev1.Probe{ProbeHandler: corev1.ProbeHandler{
				HTTPGet: &corev1.HTTPGetAction{Port: intstr.FromInt32(80)},
			}},
			LivenessProbe: &corev1.Probe{
				ProbeHandler:  corev1.ProbeHandler{TCPSocket: &corev1.TCPSocketAction{Port: intstr.FromInt32(80)}},
				PeriodSeconds: 5,
			},
			Resources: corev1.ResourceRequirements{Limits: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("500m")}},
			Env:       []corev1.EnvVar{{Name: "POD_IP", ValueFrom: &corev1.EnvVarSource{FieldRef: &corev1.ObjectFieldSelector{FieldPath: "status.podIP"}}}},
		}},
		Volumes:                  []corev1.Volume{{Name: "scratch"}, {Name: "cfg", VolumeSource: corev1.VolumeSource{ConfigMap: &corev1.ConfigMapVolumeSource{}}}},
		DeprecatedServiceAccount: "builder",
	}}
	DefaultPod(pod)

	want := corev1.PodSpec{
		Containers: []corev1.Container{{
			Name:  "web",
			Image: "nginx",
			Ports: []corev1.ContainerPort{{ContainerPort: 80, Protocol: corev1.ProtocolTCP}, {ContainerPort: 53, Protocol: corev1.ProtocolUDP}},
			ReadinessProbe: &corev1.Probe{
				ProbeHandler:   corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{Path: "/", Port: intstr.FromInt32(80), Scheme: corev1.URISchemeHTTP}},
				TimeoutSeconds: 1, PeriodSeconds: 10, SuccessThreshold: 1, FailureThreshold: 3,
			},
			LivenessProbe: &corev1.Probe{
				ProbeHandler:   corev1.ProbeHandler{TCPSocket: &corev1.TCPSocketAction{Port: intstr.FromInt32(80)}},
				TimeoutSeconds: 1, PeriodSeconds: 5, SuccessThreshold: 1, FailureThreshold: 3,
			},
			Resources: corev1.ResourceRequirements{
				Limits:   corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("500m")},
				Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("500m")},
			},
			Env:                      []corev1.EnvVar{{Name: "POD_IP", ValueFrom: &corev1.EnvVarSource{FieldRef: &corev1.ObjectFieldSelector{APIVersion: "v1", FieldPath: "status.podIP"}}}},
			TerminationMessagePath:   "/dev/termination-log",
			TerminationMessagePolicy: corev1.TerminationMessageReadFile,
			ImagePullPolicy:          corev1.PullAlways,
		}},
		Volumes: []corev1.Volume{
			{Name: "scratch", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}},
			{Name: "cfg", VolumeSource: corev1.VolumeSource{ConfigMap: &corev1.ConfigMapVolumeSource{DefaultMode: ptr(int32(0o644))}}},
		},
		RestartPolicy:                 corev1.RestartPolicyAlways,
		TerminationGracePeriodSeconds: ptr(int64(30)),
		DNSPolicy:                     corev1.DNSClusterFirst,
		ServiceAccountName:            "builder",
		DeprecatedServiceAccount:      "builder",
		SecurityContext:               &corev1.PodSecurityContext{},
		SchedulerName:                 "default-scheduler",
		EnableServiceLinks:            ptr(true),
	}
	if diff := cmp.Diff(want, pod.Spec); diff != "" {
		t.Errorf("spec mismatch (-want +got):\n%s", diff)
	}
	again := pod.DeepCopy()
	DefaultPod(again)
	if diff := cmp.Diff(pod, again); diff != "" {
		t.Errorf("defaulting twice changed the pod:\n%s", diff)
	}
}

func TestDefaultPullPolicy(t *testing.T) {
	tests := []struct {
		image string
		want  corev1.PullPolicy
	}{
		{"nginx", corev1.PullAlways},
		{"nginx:latest", corev1.PullAlways},
		{"nginx:1.27", corev1.PullIfNotPresent},
		{"localhost:5000/app", corev1.PullAlways},
		{"localhost:5000/app:v2", corev1.PullIfNotPresent},
		{"nginx@sha256:abcd", corev1.PullIfNotPresent},
		{"nginx:latest@sha256:abcd", corev1.PullAlways},
	}
	for _, tc := range tests {
		t.Run(tc.image, func(t *testing.T) {
			if got := defaultPullPolicy(tc.image); got != tc.want {
				t.Errorf("defaultPullPolicy(%q) = %s, want %s", tc.image, got, tc.want)
			}
		})
	}
}

func TestDefaultPodHostNetworkAndStatus(t *testing.T) {
	tests := []struct {
		name  string
		pod   corev1.Pod
		check func(t *testing.T, p *corev1.Pod)
	}{{
		name: "hostNetwork copies containerPort to hostPort",
		pod: corev1.Pod{Spec: corev1.PodSpec{HostNetwork: true, Containers: []corev1.Container{{
			Name: "dns", Image: "coredns", Ports: []corev1.ContainerPort{{ContainerPort: 53}},
		}}}},
		check: func(t *testing.T, p *corev1.Pod) {
			if got := p.Spec.Containers[0].Ports[0].HostPort; got != 53 {
				t.Errorf("hostPort = %d, want 53", got)
			}
		},
	}, {
		name: "podIP fills podIPs",
		pod:  corev1.Pod{Status: corev1.PodStatus{PodIP: "10.244.1.5", HostIP: "192.0.2.11"}},
		check: func(t *testing.T, p *corev1.Pod) {
			if !cmp.Equal(p.Status.PodIPs, []corev1.PodIP{{IP: "10.244.1.5"}}) || !cmp.Equal(p.Status.HostIPs, []corev1.HostIP{{IP: "192.0.2.11"}}) {
				t.Errorf("podIPs %v hostIPs %v", p.Status.PodIPs, p.Status.HostIPs)
			}
		},
	}, {
		name: "podIPs fill podIP",
		pod:  corev1.Pod{Status: corev1.PodStatus{PodIPs: []corev1.PodIP{{IP: "10.244.1.5"}, {IP: "fd00:10:244::5"}}}},
		check: func(t *testing.T, p *corev1.Pod) {
			if p.Status.PodIP != "10.244.1.5" || len(p.Status.PodIPs) != 2 {
				t.Errorf("podIP %q podIPs %v", p.Status.PodIP, p.Status.PodIPs)
			}
		},
	}, {
		name: "template defaults do not set enableServiceLinks",
		check: func(t *testing.T, _ *corev1.Pod) {
			tmpl := &corev1.PodTemplateSpec{Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "a", Image: "busybox:1.36"}}}}
			DefaultPodTemplateSpec(tmpl)
			if tmpl.Spec.EnableServiceLinks != nil || tmpl.Spec.RestartPolicy != corev1.RestartPolicyAlways ||
				tmpl.Spec.Containers[0].ImagePullPolicy != corev1.PullIfNotPresent {
				t.Errorf("template spec = %+v", tmpl.Spec)
			}
		},
	}}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := tc.pod.DeepCopy()
			DefaultPod(p)
			tc.check(t, p)
		})
	}
}
