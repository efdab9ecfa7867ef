package integration

import (
	"context"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/svcnet/svcnet/pkg/controllermanager"
	"github.com/svcnet/svcnet/pkg/server/servertest"
)

// withControllers runs the full controller manager in a test server.
func withControllers() servertest.Option {
	return servertest.WithControllers(controllermanager.New(controllermanager.Config{}))
}

// testCtx returns a context bounded for one test.
func testCtx(t *testing.T, d time.Duration) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

// svc builds a Service with TCP ports on the given port numbers.
func svc(name string, typ corev1.ServiceType, ports ...int32) *corev1.Service {
	s := &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{"app": name}},
		Spec:       corev1.ServiceSpec{Type: typ, Selector: map[string]string{"app": name}},
	}
	for i, p := range ports {
		sp := corev1.ServicePort{Port: p, TargetPort: intstr.FromInt32(p)}
		if len(ports) > 1 {
			sp.Name = "p" + string(rune('a'+i))
		}
		s.Spec.Ports = append(s.Spec.Ports, sp)
	}
	return s
}

// wantStatus fails unless err is an API error with the given code and its
// message contains each fragment.
func wantStatus(t *testing.T, err error, code int32, fragments ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("want HTTP %d, got success", code)
	}
	se, ok := err.(apierrors.APIStatus)
	if !ok {
		t.Fatalf("want HTTP %d, got non-API error %v", code, err)
	}
	if se.Status().Code != code {
		t.Fatalf("want HTTP %d, got %d: %v", code, se.Status().Code, err)
	}
	for _, f := range fragments {
		if !contains(err.Error(), f) {
			t.Errorf("error %q does not contain %q", err.Error(), f)
		}
	}
}

func contains(s, sub string) bool {
	return len(sub) == 0 || (len(s) >= len(sub) && indexOf(s, sub) >= 0)
}

func indexOf(s, sub string) int {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return i
		}
	}
	return -1
}
