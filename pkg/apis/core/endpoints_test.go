package core

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestValidateEndpoints(t *testing.T) {
	tests := []struct {
		name    string
		subsets []corev1.EndpointSubset
		want    []string
	}{
		{name: "valid", subsets: []corev1.EndpointSubset{{
			Addresses:         []corev1.EndpointAddress{{IP: "10.244.1.5", NodeName: ptr("node-1"), Hostname: "web-0"}},
			NotReadyAddresses: []corev1.EndpointAddress{{IP: "fd00:10:244::6"}},
			Ports:             []corev1.EndpointPort{{Name: "http", Port: 8080}, {Name: "dns", Port: 53, Protocol: corev1.ProtocolUDP}},
		}}},
		{name: "headless without ports", subsets: []corev1.EndpointSubset{{Addresses: []corev1.EndpointAddress{{IP: "10.244.1.5"}}}}},
		{
			name:    "subset without addresses",
			subsets: []corev1.EndpointSubset{{Ports: []corev1.EndpointPort{{Port: 80}}}},
			want:    []string{"subsets[0]: Required value: must specify `addresses` or `notReadyAddresses`"},
		},
		{
			name: "bad addresses",
			subsets: []corev1.EndpointSubset{{Addresses: []corev1.EndpointAddress{
				{IP: "10.244.1"}, {IP: "127.0.0.1"}, {IP: "169.254.169.254", Hostname: "Web"},
			}}},
			want: []string{
				`subsets[0].addresses[0].ip: Invalid value: "10.244.1": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)`,
				`subsets[0].addresses[0].ip: Invalid value: "10.244.1": must be a valid IP address`,
				`subsets[0].addresses[1].ip: Invalid value: "127.0.0.1": may not be in the loopback range (127.0.0.0/8, ::1/128)`,
				`subsets[0].addresses[2].hostname: Invalid value: "Web": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')`,
				`subsets[0].addresses[2].ip: Invalid value: "169.254.169.254": may not be in the link-local range (169.254.0.0/16, fe80::/10)`,
			},
		},
		{
			name: "bad ports",
			subsets: []corev1.EndpointSubset{{
				Addresses: []corev1.EndpointAddress{{IP: "10.244.1.5"}},
				Ports:     []corev1.EndpointPort{{Port: 0}, {Name: "x", Port: 80, Protocol: "HTTP"}},
			}},
			want: []string{
				"subsets[0].ports[0].name: Required value",
				"subsets[0].ports[0].port: Invalid value: 0: must be between 1 and 65535, inclusive",
				`subsets[0].ports[1].protocol: Unsupported value: "HTTP": supported values: "SCTP", "TCP", "UDP"`,
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ep := &corev1.Endpoints{ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "default"}, Subsets: tc.subsets}
			DefaultEndpoints(ep)
			checkErrors(t, ValidateEndpoints(ep), tc.want)
			old := ep.DeepCopy()
			old.ResourceVersion = "1"
			ep.ResourceVersion = "1"
			checkErrors(t, ValidateEndpointsUpdate(ep, old), tc.want)
		})
	}
}

func TestDefaultEndpoints(t *testing.T) {
	ep := &corev1.Endpoints{Subsets: []corev1.EndpointSubset{{Ports: []corev1.EndpointPort{{Port: 80}, {Port: 53, Protocol: corev1.ProtocolUDP}}}}}
	DefaultEndpoints(ep)
	if got := ep.Subsets[0].Ports; got[0].Protocol != corev1.ProtocolTCP || got[1].Protocol != corev1.ProtocolUDP {
		t.Errorf("protocols = %s, %s; want TCP, UDP", got[0].Protocol, got[1].Protocol)
	}
}
