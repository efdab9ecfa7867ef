package discovery

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

func ptr[T any](v T) *T { return &v }

// checkErrors compares rendered errors with want, in order.
func checkErrors(t *testing.T, got field.ErrorList, want []string) {
	t.Helper()
	gotStrs := []string{}
	for _, e := range got {
		gotStrs = append(gotStrs, e.Error())
	}
	if want == nil {
		want = []string{}
	}
	if diff := cmp.Diff(want, gotStrs); diff != "" {
		t.Errorf("errors mismatch (-want +got):\n%s\ngot:\n%s", diff, strings.Join(gotStrs, "\n"))
	}
}

// newSlice returns a defaulted IPv4 slice "web-abcde" with one ready
// endpoint and port http/80, after applying pre before defaulting.
func newSlice(pre func(*discoveryv1.EndpointSlice)) *discoveryv1.EndpointSlice {
	s := &discoveryv1.EndpointSlice{
		ObjectMeta:  metav1.ObjectMeta{Name: "web-abcde", Namespace: "default", Labels: map[string]string{discoveryv1.LabelServiceName: "web"}},
		AddressType: discoveryv1.AddressTypeIPv4,
		Endpoints: []discoveryv1.Endpoint{{
			Addresses:  []string{"10.244.1.5"},
			Conditions: discoveryv1.EndpointConditions{Ready: ptr(true)},
			NodeName:   ptr("node-1"),
			Zone:       ptr("zone-a"),
			Hints:      &discoveryv1.EndpointHints{ForZones: []discoveryv1.ForZone{{Name: "zone-a"}}},
		}},
		Ports: []discoveryv1.EndpointPort{{Name: ptr("http"), Port: ptr(int32(80))}},
	}
	if pre != nil {
		pre(s)
	}
	DefaultEndpointSlice(s)
	return s
}

func TestDefaultEndpointSlice(t *testing.T) {
	s := &discoveryv1.EndpointSlice{Ports: []discoveryv1.EndpointPort{{Port: ptr(int32(80))}, {Name: ptr("dns"), Protocol: ptr(corev1.ProtocolUDP)}}}
	DefaultEndpointSlice(s)
	want := []discoveryv1.EndpointPort{
		{Name: ptr(""), Protocol: ptr(corev1.ProtocolTCP), Port: ptr(int32(80))},
		{Name: ptr("dns"), Protocol: ptr(corev1.ProtocolUDP)},
	}
	if diff := cmp.Diff(want, s.Ports); diff != "" {
		t.Errorf("ports (-want +got):\n%s", diff)
	}
}

func TestValidateEndpointSlice(t *testing.T) {
	tests := []struct {
		name string
		pre  func(*discoveryv1.EndpointSlice)
		post func(*discoveryv1.EndpointSlice)
		want []string
	}{
		{name: "valid"},
		{name: "valid IPv6", pre: func(s *discoveryv1.EndpointSlice) {
			s.AddressType = discoveryv1.AddressTypeIPv6
			s.Endpoints[0].Addresses = []string{"fd00:10:244::5"}
		}},
		{name: "valid FQDN", pre: func(s *discoveryv1.EndpointSlice) {
			s.AddressType = discoveryv1.AddressTypeFQDN
			s.Endpoints[0].Addresses = []string{"db.example.com"}
		}},
		{name: "no endpoints and unnamed port", pre: func(s *discoveryv1.EndpointSlice) {
			s.Endpoints = nil
			s.Ports = []discoveryv1.EndpointPort{{Port: ptr(int32(80))}}
		}},
		{
			name: "addressType required",
			pre:  func(s *discoveryv1.EndpointSlice) { s.AddressType = "" },
			want: []string{"addressType: Required value"},
		},
		{
			name: "unsupported addressType",
			pre:  func(s *discoveryv1.EndpointSlice) { s.AddressType = "IP" },
			want: []string{`addressType: Unsupported value: "IP": supported values: "FQDN", "IPv4", "IPv6"`},
		},
		{
			name: "endpoint without addresses",
			pre:  func(s *discoveryv1.EndpointSlice) { s.Endpoints[0].Addresses = nil },
			want: []string{"endpoints[0].addresses: Required value: must contain at least 1 address"},
		},
		{
			name: "too many addresses",
			pre: func(s *discoveryv1.EndpointSlice) {
				s.Endpoints[0].Addresses = make([]string, 101)
				for i := range s.Endpoints[0].Addresses {
					s.Endpoints[0].Addresses[i] = "10.244.1.5"
				}
			},
			want: []string{"endpoints[0].addresses: Too many: 101: must have at most 100 items"},
		},
		{
			name: "too many endpoints",
			pre: func(s *discoveryv1.EndpointSlice) {
				for len(s.Endpoints) <= 1000 {
					s.Endpoints = append(s.Endpoints, s.Endpoints[0])
				}
			},
			want: []string{"endpoints: Too many: 1001: must have at most 1000 items"},
		},
		{
			name: "addresses of the wrong type or special",
			pre: func(s *discoveryv1.EndpointSlice) {
				s.Endpoints[0].Addresses = []string{"fd00::5", "10.244.1", "127.0.0.1"}
			},
			want: []string{
				`endpoints[0].addresses[0]: Invalid value: "fd00::5": must be a valid IPv4 address`,
				`endpoints[0].addresses[1]: Invalid value: "10.244.1": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)`,
				`endpoints[0].addresses[2]: Invalid value: "127.0.0.1": may not be in the loopback range (127.0.0.0/8, ::1/128)`,
			},
		},
		{
			name: "bad FQDN",
			pre: func(s *discoveryv1.EndpointSlice) {
				s.AddressType = discoveryv1.AddressTypeFQDN
				s.Endpoints[0].Addresses = []string{"localhost"}
			},
			want: []string{`endpoints[0].addresses[0]: Invalid value: "localhost": should be a domain with at least two segments separated by dots`},
		},
		{
			name: "bad nodeName, hostname and hints",
			pre: func(s *discoveryv1.EndpointSlice) {
				s.Endpoints[0].NodeName = ptr("Node_1")
				s.Endpoints[0].Hostname = ptr("web.0")
				s.Endpoints[0].Hints.ForZones = []discoveryv1.ForZone{{Name: "zone-a"}, {Name: "zone-a"}}
			},
			want: []string{
				`endpoints[0].nodeName: Invalid value: "Node_1": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')`,
				`endpoints[0].hostname: Invalid value: "web.0": must not contain dots`,
				`endpoints[0].hints.forZones[1].name: Duplicate value: "zone-a"`,
			},
		},
		{
			name: "duplicate and invalid port names",
			pre: func(s *discoveryv1.EndpointSlice) {
				s.Ports = []discoveryv1.EndpointPort{{Name: ptr("http")}, {Name: ptr("http")}, {Name: ptr("Web")}}
			},
			want: []string{
				`ports[1].name: Duplicate value: "http"`,
				`ports[2].name: Invalid value: "Web": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')`,
			},
		},
		{
			name: "two unnamed ports",
			pre:  func(s *discoveryv1.EndpointSlice) { s.Ports = []discoveryv1.EndpointPort{{}, {}} },
			want: []string{`ports[1].name: Duplicate value: ""`},
		},
		{
			name: "unsupported protocol",
			pre:  func(s *discoveryv1.EndpointSlice) { s.Ports[0].Protocol = ptr(corev1.Protocol("ICMP")) },
			want: []string{`ports[0].protocol: Unsupported value: "ICMP": supported values: "SCTP", "TCP", "UDP"`},
		},
		{
			name: "protocol required",
			post: func(s *discoveryv1.EndpointSlice) { s.Ports[0].Protocol = nil },
			want: []string{"ports[0].protocol: Required value"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := newSlice(tc.pre)
			if tc.post != nil {
				tc.post(s)
			}
			checkErrors(t, ValidateEndpointSlice(s), tc.want)
		})
	}
}

func TestValidateEndpointSliceUpdate(t *testing.T) {
	old := newSlice(nil)
	old.ResourceVersion = "6"
	s := old.DeepCopy()
	s.Endpoints[0].Addresses = []string{"10.244.2.7"}
	checkErrors(t, ValidateEndpointSliceUpdate(s, old), nil)
	s.AddressType = discoveryv1.AddressTypeIPv6
	s.Endpoints[0].Addresses = []string{"fd00::7"}
	checkErrors(t, ValidateEndpointSliceUpdate(s, old), []string{`addressType: Invalid value: "IPv6": field is immutable`})
}
