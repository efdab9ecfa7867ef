package probe

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strconv"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/svcnet/svcnet/pkg/agent/runtime"
)

type fakeExecer struct {
	code int
	argv []string
}

func (f *fakeExecer) Exec(_ context.Context, _, _ string, argv []string, o runtime.ExecOptions) (int, error) {
	f.argv = argv
	_, _ = o.Stdout.Write([]byte("out"))
	return f.code, nil
}

func TestProber(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/ok":
			w.WriteHeader(http.StatusOK)
		case "/redirect":
			w.WriteHeader(http.StatusFound)
		default:
			w.WriteHeader(http.StatusServiceUnavailable)
		}
	}))
	defer srv.Close()
	ap := netip.MustParseAddrPort(srv.Listener.Addr().String())
	port := int(ap.Port())
	closed, _ := net.Listen("tcp", "127.0.0.1:0")
	closedPort := closed.Addr().(*net.TCPAddr).Port
	_ = closed.Close()

	target := Target{PodIP: ap.Addr(), Ports: []corev1.ContainerPort{{Name: "http", ContainerPort: int32(port)}}}
	httpProbe := func(path string, p intstr.IntOrString) *corev1.Probe {
		return &corev1.Probe{ProbeHandler: corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{Path: path, Port: p}}}
	}
	tcpProbe := func(p int) *corev1.Probe {
		return &corev1.Probe{ProbeHandler: corev1.ProbeHandler{TCPSocket: &corev1.TCPSocketAction{Port: intstr.FromInt(p)}}}
	}
	execProbe := &corev1.Probe{ProbeHandler: corev1.ProbeHandler{Exec: &corev1.ExecAction{Command: []string{"cat", "/tmp/healthy"}}}}
	tests := []struct {
		name string
		code int
		p    *corev1.Probe
		want Result
	}{
		{"http 200", 0, httpProbe("/ok", intstr.FromInt(port)), Success},
		{"http 302 counts as success", 0, httpProbe("/redirect", intstr.FromInt(port)), Success},
		{"http 503", 0, httpProbe("/bad", intstr.FromInt(port)), Failure},
		{"http named port", 0, httpProbe("/ok", intstr.FromString("http")), Success},
		{"http unknown port name", 0, httpProbe("/ok", intstr.FromString("nope")), Failure},
		{"http refused", 0, httpProbe("/ok", intstr.FromInt(closedPort)), Failure},
		{"tcp open", 0, tcpProbe(port), Success},
		{"tcp closed", 0, tcpProbe(closedPort), Failure},
		{"exec exit 0", 0, execProbe, Success},
		{"exec exit 1", 1, execProbe, Failure},
		{"grpc unsupported", 0, &corev1.Probe{ProbeHandler: corev1.ProbeHandler{GRPC: &corev1.GRPCAction{Port: 1}}}, Failure},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ex := &fakeExecer{code: tc.code}
			got, msg := NewProber(ex).Probe(context.Background(), target, tc.p)
			if got != tc.want {
				t.Errorf("got %v (%s), want %v", got, msg, tc.want)
			}
			if tc.p.Exec != nil && len(ex.argv) != 2 {
				t.Errorf("exec argv %v", ex.argv)
			}
		})
	}
	if _, err := ResolvePort(intstr.FromString(strconv.Itoa(port)), nil); err != nil {
		t.Errorf("numeric string port: %v", err)
	}
}
