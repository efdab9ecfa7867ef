package agent

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
)

func TestProbedSpecImplicitReadiness(t *testing.T) {
	a := &Agent{c: Config{Workloads: BuiltinWorkloads}}
	port := []corev1.ContainerPort{{ContainerPort: 80}}
	own := &corev1.Probe{ProbeHandler: corev1.ProbeHandler{Exec: &corev1.ExecAction{Command: []string{"true"}}}}
	tests := []struct {
		name     string
		c        corev1.Container
		wantPort int
	}{
		{"built-in workload with a port gets a TCP check", corev1.Container{Name: "c", Image: "httpd", Ports: port}, 80},
		{"no port, no check", corev1.Container{Name: "c", Image: "httpd"}, 0},
		{"its own readiness probe wins", corev1.Container{Name: "c", Image: "httpd", Ports: port, ReadinessProbe: own}, 0},
		{"a startup probe wins", corev1.Container{Name: "c", Image: "httpd", Ports: port, StartupProbe: own}, 0},
		{"a command from the node, no check", corev1.Container{Name: "c", Image: "my/app", Command: []string{"/bin/app"}, Ports: port}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := a.probedSpec(&tt.c)
			if tt.wantPort == 0 {
				if got != &tt.c {
					t.Fatalf("spec changed: %+v", got.ReadinessProbe)
				}
				return
			}
			rp := got.ReadinessProbe
			if rp == nil || rp.TCPSocket == nil || rp.TCPSocket.Port.IntValue() != tt.wantPort {
				t.Fatalf("implicit readiness probe = %+v, want TCP :%d", rp, tt.wantPort)
			}
			if tt.c.ReadinessProbe != nil {
				t.Fatal("the pod's own spec was modified")
			}
		})
	}
}
