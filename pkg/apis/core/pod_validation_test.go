package core

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// newPod returns a defaulted pod "web-1" in "default" running nginx on port
// 80, after applying pre before defaulting.
func newPod(pre func(*corev1.Pod)) *corev1.Pod {
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "web-1", Namespace: "default", Labels: map[string]string{"app": "web"}},
		Spec: corev1.PodSpec{Containers: []corev1.Container{{
			Name:  "web",
			Image: "nginx:1.27",
			Ports: []corev1.ContainerPort{{Name: "http", ContainerPort: 80}},
		}}},
	}
	if pre != nil {
		pre(pod)
	}
	DefaultPod(pod)
	return pod
}

func TestValidatePod(t *testing.T) {
	c0 := func(p *corev1.Pod) *corev1.Container { return &p.Spec.Containers[0] }
	tests := []struct {
		name string
		pre  func(*corev1.Pod)
		post func(*corev1.Pod)
		want []string
	}{
		{name: "valid"},
		{name: "valid with probes, volumes and sidecar", pre: func(p *corev1.Pod) {
			c := c0(p)
			c.ReadinessProbe = &corev1.Probe{ProbeHandler: corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{Port: intstr.FromString("http")}}}
			c.LivenessProbe = &corev1.Probe{ProbeHandler: corev1.ProbeHandler{TCPSocket: &corev1.TCPSocketAction{Port: intstr.FromInt32(80)}}}
			c.VolumeMounts = []corev1.VolumeMount{{Name: "cfg", MountPath: "/etc/nginx/conf.d"}}
			c.Env = []corev1.EnvVar{{Name: "my.var", Value: "x"}}
			p.Spec.Volumes = []corev1.Volume{{Name: "cfg", VolumeSource: corev1.VolumeSource{ConfigMap: &corev1.ConfigMapVolumeSource{
				LocalObjectReference: corev1.LocalObjectReference{Name: "nginx"},
			}}}}
			always := corev1.ContainerRestartPolicyAlways
			p.Spec.InitContainers = []corev1.Container{{Name: "proxy", Image: "envoy", RestartPolicy: &always,
				ReadinessProbe: &corev1.Probe{ProbeHandler: corev1.ProbeHandler{Exec: &corev1.ExecAction{Command: []string{"true"}}}}}}
		}},
		{
			name: "name must be a DNS subdomain",
			pre:  func(p *corev1.Pod) { p.Name = "Web_1" },
			want: []string{`metadata.name: Invalid value: "Web_1": ` + validation.IsDNS1123Subdomain("Web_1")[0]},
		},
		{
			name: "containers required",
			pre:  func(p *corev1.Pod) { p.Spec.Containers = nil },
			want: []string{"spec.containers: Required value"},
		},
		{
			name: "container name and image required",
			pre:  func(p *corev1.Pod) { c0(p).Name = ""; c0(p).Image = "" },
			want: []string{"spec.containers[0].name: Required value", "spec.containers[0].image: Required value"},
		},
		{
			name: "container name must be a DNS label and unique",
			pre: func(p *corev1.Pod) {
				p.Spec.Containers = append(p.Spec.Containers, corev1.Container{Name: "web", Image: "nginx:1.27"}, corev1.Container{Name: "Side", Image: "busybox"})
			},
			want: []string{
				`spec.containers[1].name: Duplicate value: "web"`,
				`spec.containers[2].name: Invalid value: "Side": ` + validation.IsDNS1123Label("Side")[0],
			},
		},
		{
			name: "init container name clashes with a container",
			pre:  func(p *corev1.Pod) { p.Spec.InitContainers = []corev1.Container{{Name: "web", Image: "busybox"}} },
			want: []string{`spec.initContainers[0].name: Duplicate value: "web"`},
		},
		{
			name: "image with whitespace",
			pre:  func(p *corev1.Pod) { c0(p).Image = " nginx" },
			want: []string{`spec.containers[0].image: Invalid value: " nginx": must not have leading or trailing whitespace`},
		},
		{
			name: "container ports",
			pre: func(p *corev1.Pod) {
				c0(p).Ports = []corev1.ContainerPort{
					{Name: "http", ContainerPort: 80},
					{Name: "http", ContainerPort: 8080},
					{ContainerPort: 70000, HostPort: -1, Protocol: "ICMP"},
					{Name: "HTTPS", HostPort: 443},
				}
			},
			want: []string{
				`spec.containers[0].ports[1].name: Duplicate value: "http"`,
				"spec.containers[0].ports[2].containerPort: Invalid value: 70000: must be between 1 and 65535, inclusive",
				"spec.containers[0].ports[2].hostPort: Invalid value: -1: must be between 1 and 65535, inclusive",
				`spec.containers[0].ports[2].protocol: Unsupported value: "ICMP": supported values: "SCTP", "TCP", "UDP"`,
				`spec.containers[0].ports[3].name: Invalid value: "HTTPS": must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)`,
				`spec.containers[0].ports[3].name: Invalid value: "HTTPS": must contain at least one letter (a-z)`,
				"spec.containers[0].ports[3].containerPort: Required value",
			},
		},
		{
			name: "host port conflict",
			pre: func(p *corev1.Pod) {
				c0(p).Ports = []corev1.ContainerPort{{ContainerPort: 80, HostPort: 8080}}
				p.Spec.Containers = append(p.Spec.Containers, corev1.Container{Name: "b", Image: "nginx",
					Ports: []corev1.ContainerPort{{ContainerPort: 81, HostPort: 8080}}})
			},
			want: []string{`spec.containers[1].ports[0].hostPort: Duplicate value: "TCP//8080"`},
		},
		{
			name: "hostNetwork requires matching hostPort",
			pre:  func(p *corev1.Pod) { p.Spec.HostNetwork = true },
			post: func(p *corev1.Pod) { c0(p).Ports[0].HostPort = 8080 },
			want: []string{"spec.containers[0].ports[0].hostPort: Invalid value: 8080: must match `containerPort` when `hostNetwork` is true"},
		},
		{
			name: "probe without handler and with a bad httpGet",
			pre: func(p *corev1.Pod) {
				c0(p).LivenessProbe = &corev1.Probe{InitialDelaySeconds: -1}
				c0(p).ReadinessProbe = &corev1.Probe{ProbeHandler: corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{Port: intstr.FromInt32(0), Scheme: "FTP"}}}
			},
			want: []string{
				"spec.containers[0].livenessProbe: Required value: must specify a handler type",
				"spec.containers[0].livenessProbe.initialDelaySeconds: Invalid value: -1: must be greater than or equal to 0",
				"spec.containers[0].readinessProbe.httpGet.port: Invalid value: 0: must be between 1 and 65535, inclusive",
				`spec.containers[0].readinessProbe.httpGet.scheme: Unsupported value: "FTP": supported values: "HTTP", "HTTPS"`,
			},
		},
		{
			name: "two handlers and liveness successThreshold",
			pre: func(p *corev1.Pod) {
				c0(p).LivenessProbe = &corev1.Probe{SuccessThreshold: 2, ProbeHandler: corev1.ProbeHandler{
					Exec: &corev1.ExecAction{Command: []string{"true"}}, TCPSocket: &corev1.TCPSocketAction{Port: intstr.FromInt32(80)},
				}}
			},
			want: []string{
				"spec.containers[0].livenessProbe.tcpSocket: Forbidden: may not specify more than 1 handler type",
				"spec.containers[0].livenessProbe.successThreshold: Invalid value: 2: must be 1",
			},
		},
		{
			name: "plain init container may not have probes",
			pre: func(p *corev1.Pod) {
				p.Spec.InitContainers = []corev1.Container{{Name: "init", Image: "busybox",
					ReadinessProbe: &corev1.Probe{ProbeHandler: corev1.ProbeHandler{Exec: &corev1.ExecAction{Command: []string{"true"}}}}}}
			},
			want: []string{"spec.initContainers[0].readinessProbe: Forbidden: may not be set for init containers without restartPolicy=Always"},
		},
		{
			name: "restartPolicy on a regular container",
			pre: func(p *corev1.Pod) {
				always := corev1.ContainerRestartPolicyAlways
				c0(p).RestartPolicy = &always
			},
			want: []string{"spec.containers[0].restartPolicy: Forbidden: may not be set for non-init containers"},
		},
		{
			name: "volumes and mounts",
			pre: func(p *corev1.Pod) {
				p.Spec.Volumes = []corev1.Volume{
					{Name: "data", VolumeSource: corev1.VolumeSource{HostPath: &corev1.HostPathVolumeSource{}}},
					{Name: "data", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}},
					{Name: "both", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}, Secret: &corev1.SecretVolumeSource{SecretName: "s"}}},
				}
				c0(p).VolumeMounts = []corev1.VolumeMount{{Name: "cache", MountPath: "/cache"}, {Name: "data", MountPath: "/cache"}}
			},
			want: []string{
				// As in Kubernetes, an invalid volume is not remembered, so the
				// second "data" is no duplicate and the mount finds it.
				"spec.volumes[0].hostPath.path: Required value",
				"spec.volumes[2].secret: Forbidden: may not specify more than 1 volume type",
				`spec.containers[0].volumeMounts[0].name: Not found: "cache"`,
				`spec.containers[0].volumeMounts[1].mountPath: Invalid value: "/cache": must be unique`,
			},
		},
		{
			name: "duplicate volume name",
			pre: func(p *corev1.Pod) {
				p.Spec.Volumes = []corev1.Volume{{Name: "data"}, {Name: "data"}}
			},
			want: []string{`spec.volumes[1].name: Duplicate value: "data"`},
		},
		{
			name: "volume without a source",
			post: func(p *corev1.Pod) { p.Spec.Volumes = []corev1.Volume{{Name: "x"}} },
			want: []string{"spec.volumes[0]: Required value: must specify a volume type"},
		},
		{
			name: "env names and valueFrom",
			pre: func(p *corev1.Pod) {
				c0(p).Env = []corev1.EnvVar{
					{Name: ""},
					{Name: "A=B"},
					{Name: "C", Value: "x", ValueFrom: &corev1.EnvVarSource{FieldRef: &corev1.ObjectFieldSelector{FieldPath: "metadata.name"}}},
					{Name: "D", ValueFrom: &corev1.EnvVarSource{}},
				}
			},
			want: []string{
				"spec.containers[0].env[0].name: Required value",
				`spec.containers[0].env[1].name: Invalid value: "A=B": ` + validation.IsRelaxedEnvVarName("A=B")[0],
				"spec.containers[0].env[2].valueFrom: Invalid value: \"\": may not be specified when `value` is not empty",
				"spec.containers[0].env[3].valueFrom: Invalid value: \"\": must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`",
			},
		},
		{
			name: "requests above limits",
			pre: func(p *corev1.Pod) {
				c0(p).Resources = corev1.ResourceRequirements{
					Limits:   corev1.ResourceList{corev1.ResourceMemory: resource.MustParse("64Mi")},
					Requests: corev1.ResourceList{corev1.ResourceMemory: resource.MustParse("128Mi")},
				}
			},
			want: []string{`spec.containers[0].resources.requests: Invalid value: "128Mi": must be less than or equal to memory limit of 64Mi`},
		},
		{
			name: "pull and termination message policies",
			post: func(p *corev1.Pod) { c0(p).ImagePullPolicy = "Sometimes"; c0(p).TerminationMessagePolicy = "" },
			want: []string{
				"spec.containers[0].terminationMessagePolicy: Required value",
				`spec.containers[0].imagePullPolicy: Unsupported value: "Sometimes": supported values: "Always", "IfNotPresent", "Never"`,
			},
		},
		{
			name: "restart and DNS policies",
			pre:  func(p *corev1.Pod) { p.Spec.RestartPolicy = "Sometimes"; p.Spec.DNSPolicy = "Google" },
			want: []string{
				`spec.restartPolicy: Unsupported value: "Sometimes": supported values: "Always", "OnFailure", "Never"`,
				`spec.dnsPolicy: Unsupported value: "Google": supported values: "ClusterFirstWithHostNet", "ClusterFirst", "Default", "None"`,
			},
		},
		{
			name: "dnsPolicy None needs dnsConfig",
			pre:  func(p *corev1.Pod) { p.Spec.DNSPolicy = corev1.DNSNone },
			want: []string{"spec.dnsConfig: Required value: must provide `dnsConfig` when `dnsPolicy` is None"},
		},
		{
			name: "dnsConfig values",
			pre: func(p *corev1.Pod) {
				p.Spec.DNSConfig = &corev1.PodDNSConfig{
					Nameservers: []string{"10.96.0.10", "1.1.1", "8.8.8.8", "9.9.9.9"},
					Searches:    []string{"svc.cluster.local.", "Bad!"},
					Options:     []corev1.PodDNSConfigOption{{Name: ""}},
				}
			},
			want: []string{
				`spec.dnsConfig.nameservers: Invalid value: ["10.96.0.10","1.1.1","8.8.8.8","9.9.9.9"]: must not have more than 3 nameservers`,
				`spec.dnsConfig.nameservers[1]: Invalid value: "1.1.1": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)`,
				`spec.dnsConfig.searches[1]: Invalid value: "Bad!": ` + validation.IsDNS1123SubdomainWithUnderscore("Bad!")[0],
				"spec.dnsConfig.options[0]: Required value: must not be empty",
			},
		},
		{
			name: "terminationGracePeriodSeconds required",
			post: func(p *corev1.Pod) { p.Spec.TerminationGracePeriodSeconds = nil },
			want: []string{"spec.terminationGracePeriodSeconds: Required value"},
		},
		{
			name: "activeDeadlineSeconds range",
			pre:  func(p *corev1.Pod) { p.Spec.ActiveDeadlineSeconds = ptr(int64(0)) },
			want: []string{"spec.activeDeadlineSeconds: Invalid value: 0: must be between 1 and 2147483647, inclusive"},
		},
		{
			name: "names the spec refers to",
			pre: func(p *corev1.Pod) {
				p.Spec.NodeName = "Node_1"
				p.Spec.Hostname = "web.1"
				p.Spec.ServiceAccountName = "Builder"
			},
			want: []string{
				`spec.serviceAccountName: Invalid value: "Builder": ` + validation.IsDNS1123Subdomain("Builder")[0],
				`spec.nodeName: Invalid value: "Node_1": ` + validation.IsDNS1123Subdomain("Node_1")[0],
				`spec.hostname: Invalid value: "web.1": must not contain dots`,
			},
		},
		{
			name: "tolerations",
			pre: func(p *corev1.Pod) {
				p.Spec.Tolerations = []corev1.Toleration{
					{Operator: corev1.TolerationOpEqual, Value: "x"},
					{Key: "k", Operator: corev1.TolerationOpExists, Value: "v", TolerationSeconds: ptr(int64(5)), Effect: corev1.TaintEffectNoSchedule},
					{Key: "k", Operator: "In", Effect: "Never"},
				}
			},
			want: []string{
				"spec.tolerations[0].operator: Invalid value: \"Equal\": operator must be Exists when `key` is empty, which means \"match all values and all keys\"",
				"spec.tolerations[1].effect: Invalid value: \"NoSchedule\": effect must be 'NoExecute' when `tolerationSeconds` is set",
				"spec.tolerations[1].operator: Invalid value: \"v\": value must be empty when `operator` is 'Exists'",
				`spec.tolerations[2].operator: Unsupported value: "In": supported values: "Equal", "Exists"`,
				`spec.tolerations[2].effect: Unsupported value: "Never": supported values: "NoSchedule", "PreferNoSchedule", "NoExecute"`,
			},
		},
		{
			name: "ephemeral containers on create",
			pre: func(p *corev1.Pod) {
				p.Spec.EphemeralContainers = []corev1.EphemeralContainer{{EphemeralContainerCommon: corev1.EphemeralContainerCommon{Name: "debug", Image: "busybox"}}}
			},
			want: []string{"spec.ephemeralContainers: Forbidden: cannot be set on create"},
		},
		{
			name: "nodeName with scheduling gates",
			pre: func(p *corev1.Pod) {
				p.Spec.NodeName = "node-1"
				p.Spec.SchedulingGates = []corev1.PodSchedulingGate{{Name: "example.com/wait"}}
			},
			want: []string{"spec.nodeName: Forbidden: cannot be set until all schedulingGates have been cleared"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			pod := newPod(tc.pre)
			if tc.post != nil {
				tc.post(pod)
			}
			checkErrors(t, ValidatePod(pod), tc.want)
		})
	}
}

func TestValidatePodTemplateSpec(t *testing.T) {
	tests := []struct {
		name string
		tmpl corev1.PodTemplateSpec
		want []string
	}{{
		name: "valid template with hostNetwork and no hostPort",
		tmpl: corev1.PodTemplateSpec{
			ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": "web"}},
			Spec: corev1.PodSpec{HostNetwork: true, Containers: []corev1.Container{{Name: "web", Image: "nginx",
				Ports: []corev1.ContainerPort{{ContainerPort: 80}}}}},
		},
	}, {
		name: "bad labels and no containers",
		tmpl: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": "a b"}}},
		want: []string{
			`tmpl.labels: Invalid value: "a b": ` + validation.IsValidLabelValue("a b")[0],
			"tmpl.spec.containers: Required value",
		},
	}}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tmpl := tc.tmpl.DeepCopy()
			DefaultPodTemplateSpec(tmpl)
			checkErrors(t, ValidatePodTemplateSpec(tmpl, field.NewPath("tmpl")), tc.want)
		})
	}
}
