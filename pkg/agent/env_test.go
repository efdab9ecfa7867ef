package agent

import (
	"context"
	"reflect"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/utils/ptr"

	"github.com/svcnet/svcnet/pkg/agent/envvars"
)

type mapSources struct {
	cms     map[string]*corev1.ConfigMap
	secrets map[string]*corev1.Secret
}

func (m mapSources) ConfigMap(_ context.Context, ns, name string) (*corev1.ConfigMap, error) {
	if cm, ok := m.cms[ns+"/"+name]; ok {
		return cm, nil
	}
	return nil, apierrors.NewNotFound(schema.GroupResource{Resource: "configmaps"}, name)
}

func (m mapSources) Secret(_ context.Context, ns, name string) (*corev1.Secret, error) {
	if s, ok := m.secrets[ns+"/"+name]; ok {
		return s, nil
	}
	return nil, apierrors.NewNotFound(schema.GroupResource{Resource: "secrets"}, name)
}

func TestContainerEnv(t *testing.T) {
	src := mapSources{
		cms:     map[string]*corev1.ConfigMap{"web/cfg": {Data: map[string]string{"MODE": "prod", "LEVEL": "3", "dash-key": "x", "bad=key": "y"}}},
		secrets: map[string]*corev1.Secret{"web/sec": {Data: map[string][]byte{"TOKEN": []byte("s3cret")}}},
	}
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Namespace: "web", Name: "web-1", UID: "u1", Labels: map[string]string{"app": "web"}},
		Spec:       corev1.PodSpec{NodeName: "node-a", ServiceAccountName: "default"},
		Status:     corev1.PodStatus{PodIP: "10.244.0.7", HostIP: "192.0.2.1"},
	}
	svcs := envvars.FromServices([]*corev1.Service{
		{ObjectMeta: metav1.ObjectMeta{Name: "kubernetes"}, Spec: corev1.ServiceSpec{ClusterIP: "10.96.0.1", Ports: []corev1.ServicePort{{Name: "https", Port: 443}}}},
	})
	field := func(p string) *corev1.EnvVarSource {
		return &corev1.EnvVarSource{FieldRef: &corev1.ObjectFieldSelector{FieldPath: p}}
	}
	c := &corev1.Container{
		Name: "app",
		EnvFrom: []corev1.EnvFromSource{
			{ConfigMapRef: &corev1.ConfigMapEnvSource{LocalObjectReference: corev1.LocalObjectReference{Name: "cfg"}}, Prefix: "CFG_"},
			{SecretRef: &corev1.SecretEnvSource{LocalObjectReference: corev1.LocalObjectReference{Name: "missing"}, Optional: ptr.To(true)}},
		},
		Env: []corev1.EnvVar{
			{Name: "POD_NAME", ValueFrom: field("metadata.name")},
			{Name: "POD_NAMESPACE", ValueFrom: field("metadata.namespace")},
			{Name: "POD_IP", ValueFrom: field("status.podIP")},
			{Name: "NODE_NAME", ValueFrom: field("spec.nodeName")},
			{Name: "APP", ValueFrom: field("metadata.labels['app']")},
			{Name: "MODE", ValueFrom: &corev1.EnvVarSource{ConfigMapKeyRef: &corev1.ConfigMapKeySelector{LocalObjectReference: corev1.LocalObjectReference{Name: "cfg"}, Key: "MODE"}}},
			{Name: "TOKEN", ValueFrom: &corev1.EnvVarSource{SecretKeyRef: &corev1.SecretKeySelector{LocalObjectReference: corev1.LocalObjectReference{Name: "sec"}, Key: "TOKEN"}}},
			{Name: "OPT", ValueFrom: &corev1.EnvVarSource{ConfigMapKeyRef: &corev1.ConfigMapKeySelector{LocalObjectReference: corev1.LocalObjectReference{Name: "cfg"}, Key: "NOPE", Optional: ptr.To(true)}}},
			{Name: "URL", Value: "https://$(KUBERNETES_SERVICE_HOST):$(KUBERNETES_SERVICE_PORT)/$(POD_NAME)/$(UNSET)"},
			{Name: "KUBERNETES_SERVICE_PORT", Value: "8443"},
			{Name: "MEM", ValueFrom: &corev1.EnvVarSource{ResourceFieldRef: &corev1.ResourceFieldSelector{Resource: "limits.memory", Divisor: resource.MustParse("1Mi")}}},
		},
		Resources: corev1.ResourceRequirements{Limits: corev1.ResourceList{corev1.ResourceMemory: resource.MustParse("64Mi")}},
	}
	env, err := containerEnv(context.Background(), src, pod, c, svcs)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"CFG_LEVEL=3", "CFG_MODE=prod", "CFG_dash-key=x",
		"POD_NAME=web-1", "POD_NAMESPACE=web", "POD_IP=10.244.0.7", "NODE_NAME=node-a", "APP=web",
		"MODE=prod", "TOKEN=s3cret",
		"URL=https://10.96.0.1:443/web-1/$(UNSET)",
		"KUBERNETES_SERVICE_PORT=8443", "MEM=64",
		"KUBERNETES_SERVICE_HOST=10.96.0.1", "KUBERNETES_SERVICE_PORT_HTTPS=443",
		"KUBERNETES_PORT=tcp://10.96.0.1:443", "KUBERNETES_PORT_443_TCP=tcp://10.96.0.1:443",
		"KUBERNETES_PORT_443_TCP_PROTO=tcp", "KUBERNETES_PORT_443_TCP_PORT=443", "KUBERNETES_PORT_443_TCP_ADDR=10.96.0.1",
	}
	if got := env.list(); !reflect.DeepEqual(got, want) {
		t.Errorf("env\n got %q\nwant %q", got, want)
	}

	for name, bad := range map[string]corev1.EnvVar{
		"missing configmap": {Name: "X", ValueFrom: &corev1.EnvVarSource{ConfigMapKeyRef: &corev1.ConfigMapKeySelector{LocalObjectReference: corev1.LocalObjectReference{Name: "nope"}, Key: "k"}}},
		"missing key":       {Name: "X", ValueFrom: &corev1.EnvVarSource{ConfigMapKeyRef: &corev1.ConfigMapKeySelector{LocalObjectReference: corev1.LocalObjectReference{Name: "cfg"}, Key: "k"}}},
		"bad field":         {Name: "X", ValueFrom: field("spec.nope")},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := containerEnv(context.Background(), src, pod, &corev1.Container{Env: []corev1.EnvVar{bad}}, nil)
			if err == nil || !strings.Contains(err.Error(), "X") {
				t.Errorf("err = %v, want an error naming the variable", err)
			}
		})
	}
}

type fakeWorkloads map[string]string

func (f fakeWorkloads) Lookup(image string, _ []string) (string, bool) {
	n, ok := f[image]
	return n, ok
}
func (f fakeWorkloads) Names() []string { return []string{"httpd", "nginx"} }

func TestContainerLaunch(t *testing.T) {
	wr := fakeWorkloads{"nginx:1.25": "nginx", "busybox": "sleep"}
	tests := []struct {
		name          string
		c             corev1.Container
		command, args []string
		want          []string
		imageID, msg  string
	}{
		{
			name: "workload with ports", c: corev1.Container{Image: "nginx:1.25", Ports: []corev1.ContainerPort{{ContainerPort: 80}, {ContainerPort: 443}}},
			want: []string{"/bin/svcnet", "workload", "nginx", "--port", "80", "--port", "443"}, imageID: "svcnet://workload/nginx",
		},
		{
			name: "workload with command and args", c: corev1.Container{Image: "busybox"}, command: []string{"sleep"}, args: []string{"3600"},
			want: []string{"/bin/svcnet", "workload", "sleep", "sleep", "3600"}, imageID: "svcnet://workload/sleep",
		},
		{
			name: "command from the node", c: corev1.Container{Image: "alpine"}, command: []string{"/bin/sh", "-c"}, args: []string{"echo hi"},
			want: []string{"/bin/sh", "-c", "echo hi"}, imageID: "svcnet://command",
		},
		{
			name: "unknown image without command", c: corev1.Container{Image: "redis:7"},
			msg: "image redis:7 is not a built-in workload (built-in: httpd, nginx)",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			l, msg := containerLaunch(wr, "/bin/svcnet", &tc.c, tc.command, tc.args)
			if msg != tc.msg || !reflect.DeepEqual(l.Argv, tc.want) || l.ImageID != tc.imageID {
				t.Errorf("got %q %q %q, want %q %q %q", l.Argv, l.ImageID, msg, tc.want, tc.imageID, tc.msg)
			}
		})
	}
}
