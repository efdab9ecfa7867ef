package envvars

import (
	"reflect"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func svc(ns, name, ip string, ports ...corev1.ServicePort) *corev1.Service {
	return &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec:       corev1.ServiceSpec{ClusterIP: ip, Ports: ports},
	}
}

func port(name string, p int32, proto corev1.Protocol) corev1.ServicePort {
	return corev1.ServicePort{Name: name, Port: p, Protocol: proto}
}

// TestFromServices uses the kubelet's own envvars test cases and output.
func TestFromServices(t *testing.T) {
	services := []*corev1.Service{
		svc("ns", "foo-bar", "1.2.3.4", port("", 8080, "TCP")),
		svc("ns", "abc-123", "5.6.7.8", port("u-d-p", 8081, "UDP"), port("t-c-p", 8081, "TCP")),
		svc("ns", "q-u-u-x", "9.8.7.6", port("", 8082, "TCP"), port("8083", 8083, "TCP")),
		svc("ns", "svrc-clusterip-none", "None", port("", 8082, "TCP")),
		svc("ns", "svrc-clusterip-empty", "", port("", 8082, "TCP")),
		svc("ns", "super-ipv6", "2001:DB8::", port("u-d-p", 8084, "UDP"), port("t-c-p", 8084, "TCP")),
		svc("ns", "sctp-1", "9.8.7.6", port("u-d-p", 7777, "UDP"), port("sctp-1", 7777, "SCTP")),
	}
	want := []corev1.EnvVar{
		{Name: "FOO_BAR_SERVICE_HOST", Value: "1.2.3.4"},
		{Name: "FOO_BAR_SERVICE_PORT", Value: "8080"},
		{Name: "FOO_BAR_PORT", Value: "tcp://1.2.3.4:8080"},
		{Name: "FOO_BAR_PORT_8080_TCP", Value: "tcp://1.2.3.4:8080"},
		{Name: "FOO_BAR_PORT_8080_TCP_PROTO", Value: "tcp"},
		{Name: "FOO_BAR_PORT_8080_TCP_PORT", Value: "8080"},
		{Name: "FOO_BAR_PORT_8080_TCP_ADDR", Value: "1.2.3.4"},
		{Name: "ABC_123_SERVICE_HOST", Value: "5.6.7.8"},
		{Name: "ABC_123_SERVICE_PORT", Value: "8081"},
		{Name: "ABC_123_SERVICE_PORT_U_D_P", Value: "8081"},
		{Name: "ABC_123_SERVICE_PORT_T_C_P", Value: "8081"},
		{Name: "ABC_123_PORT", Value: "udp://5.6.7.8:8081"},
		{Name: "ABC_123_PORT_8081_UDP", Value: "udp://5.6.7.8:8081"},
		{Name: "ABC_123_PORT_8081_UDP_PROTO", Value: "udp"},
		{Name: "ABC_123_PORT_8081_UDP_PORT", Value: "8081"},
		{Name: "ABC_123_PORT_8081_UDP_ADDR", Value: "5.6.7.8"},
		{Name: "ABC_123_PORT_8081_TCP", Value: "tcp://5.6.7.8:8081"},
		{Name: "ABC_123_PORT_8081_TCP_PROTO", Value: "tcp"},
		{Name: "ABC_123_PORT_8081_TCP_PORT", Value: "8081"},
		{Name: "ABC_123_PORT_8081_TCP_ADDR", Value: "5.6.7.8"},
		{Name: "Q_U_U_X_SERVICE_HOST", Value: "9.8.7.6"},
		{Name: "Q_U_U_X_SERVICE_PORT", Value: "8082"},
		{Name: "Q_U_U_X_SERVICE_PORT_8083", Value: "8083"},
		{Name: "Q_U_U_X_PORT", Value: "tcp://9.8.7.6:8082"},
		{Name: "Q_U_U_X_PORT_8082_TCP", Value: "tcp://9.8.7.6:8082"},
		{Name: "Q_U_U_X_PORT_8082_TCP_PROTO", Value: "tcp"},
		{Name: "Q_U_U_X_PORT_8082_TCP_PORT", Value: "8082"},
		{Name: "Q_U_U_X_PORT_8082_TCP_ADDR", Value: "9.8.7.6"},
		{Name: "Q_U_U_X_PORT_8083_TCP", Value: "tcp://9.8.7.6:8083"},
		{Name: "Q_U_U_X_PORT_8083_TCP_PROTO", Value: "tcp"},
		{Name: "Q_U_U_X_PORT_8083_TCP_PORT", Value: "8083"},
		{Name: "Q_U_U_X_PORT_8083_TCP_ADDR", Value: "9.8.7.6"},
		{Name: "SUPER_IPV6_SERVICE_HOST", Value: "2001:DB8::"},
		{Name: "SUPER_IPV6_SERVICE_PORT", Value: "8084"},
		{Name: "SUPER_IPV6_SERVICE_PORT_U_D_P", Value: "8084"},
		{Name: "SUPER_IPV6_SERVICE_PORT_T_C_P", Value: "8084"},
		{Name: "SUPER_IPV6_PORT", Value: "udp://[2001:DB8::]:8084"},
		{Name: "SUPER_IPV6_PORT_8084_UDP", Value: "udp://[2001:DB8::]:8084"},
		{Name: "SUPER_IPV6_PORT_8084_UDP_PROTO", Value: "udp"},
		{Name: "SUPER_IPV6_PORT_8084_UDP_PORT", Value: "8084"},
		{Name: "SUPER_IPV6_PORT_8084_UDP_ADDR", Value: "2001:DB8::"},
		{Name: "SUPER_IPV6_PORT_8084_TCP", Value: "tcp://[2001:DB8::]:8084"},
		{Name: "SUPER_IPV6_PORT_8084_TCP_PROTO", Value: "tcp"},
		{Name: "SUPER_IPV6_PORT_8084_TCP_PORT", Value: "8084"},
		{Name: "SUPER_IPV6_PORT_8084_TCP_ADDR", Value: "2001:DB8::"},
		{Name: "SCTP_1_SERVICE_HOST", Value: "9.8.7.6"},
		{Name: "SCTP_1_SERVICE_PORT", Value: "7777"},
		{Name: "SCTP_1_SERVICE_PORT_U_D_P", Value: "7777"},
		{Name: "SCTP_1_SERVICE_PORT_SCTP_1", Value: "7777"},
		{Name: "SCTP_1_PORT", Value: "udp://9.8.7.6:7777"},
		{Name: "SCTP_1_PORT_7777_UDP", Value: "udp://9.8.7.6:7777"},
		{Name: "SCTP_1_PORT_7777_UDP_PROTO", Value: "udp"},
		{Name: "SCTP_1_PORT_7777_UDP_PORT", Value: "7777"},
		{Name: "SCTP_1_PORT_7777_UDP_ADDR", Value: "9.8.7.6"},
		{Name: "SCTP_1_PORT_7777_SCTP", Value: "sctp://9.8.7.6:7777"},
		{Name: "SCTP_1_PORT_7777_SCTP_PROTO", Value: "sctp"},
		{Name: "SCTP_1_PORT_7777_SCTP_PORT", Value: "7777"},
		{Name: "SCTP_1_PORT_7777_SCTP_ADDR", Value: "9.8.7.6"},
	}
	got := FromServices(services)
	if !reflect.DeepEqual(got, want) {
		t.Errorf("FromServices mismatch")
		for i := range max(len(got), len(want)) {
			var g, w corev1.EnvVar
			if i < len(got) {
				g = got[i]
			}
			if i < len(want) {
				w = want[i]
			}
			if g != w {
				t.Errorf("  [%d] got %v, want %v", i, g, w)
			}
		}
	}
}

func names(ss []*corev1.Service) []string {
	var out []string
	for _, s := range ss {
		out = append(out, s.Namespace+"/"+s.Name)
	}
	return out
}

func TestForPod(t *testing.T) {
	all := []*corev1.Service{
		svc("default", "kubernetes", "10.96.0.1", port("https", 443, "TCP")),
		svc("default", "web", "10.96.0.20", port("", 80, "TCP")),
		svc("apps", "web", "10.96.0.30", port("", 80, "TCP")),
		svc("apps", "headless", "None", port("", 80, "TCP")),
		svc("apps", "external", "", port("", 80, "TCP")),
		svc("other", "db", "10.96.0.40", port("", 5432, "TCP")),
	}
	tests := []struct {
		name  string
		ns    string
		links bool
		want  []string
	}{
		{"namespace services and kubernetes", "apps", true, []string{"default/kubernetes", "apps/web"}},
		{"links disabled keeps kubernetes only", "apps", false, []string{"default/kubernetes"}},
		{"default namespace", "default", true, []string{"default/kubernetes", "default/web"}},
		{"default namespace links disabled", "default", false, []string{"default/kubernetes"}},
		{"empty namespace", "empty", true, []string{"default/kubernetes"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := names(ForPod(all, tc.ns, tc.links))
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
}

// TestKubernetesService checks the variables every pod sees for the
// default kubernetes Service, as a kubelet writes them.
func TestKubernetesService(t *testing.T) {
	got := FromServices([]*corev1.Service{svc("default", "kubernetes", "10.96.0.1", port("https", 443, "TCP"))})
	want := []corev1.EnvVar{
		{Name: "KUBERNETES_SERVICE_HOST", Value: "10.96.0.1"},
		{Name: "KUBERNETES_SERVICE_PORT", Value: "443"},
		{Name: "KUBERNETES_SERVICE_PORT_HTTPS", Value: "443"},
		{Name: "KUBERNETES_PORT", Value: "tcp://10.96.0.1:443"},
		{Name: "KUBERNETES_PORT_443_TCP", Value: "tcp://10.96.0.1:443"},
		{Name: "KUBERNETES_PORT_443_TCP_PROTO", Value: "tcp"},
		{Name: "KUBERNETES_PORT_443_TCP_PORT", Value: "443"},
		{Name: "KUBERNETES_PORT_443_TCP_ADDR", Value: "10.96.0.1"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %v\nwant %v", got, want)
	}
}
