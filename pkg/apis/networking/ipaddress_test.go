package networking

import (
	"testing"

	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestValidateIPAddress(t *testing.T) {
	svcRef := &networkingv1.ParentReference{Resource: "services", Namespace: "default", Name: "web"}
	tests := []struct {
		name string
		ip   string
		ref  *networkingv1.ParentReference
		want []string
	}{
		{name: "IPv4", ip: "10.96.0.10", ref: svcRef},
		{name: "IPv6", ip: "fd00:10:96::a", ref: svcRef},
		{
			name: "not an IP",
			ip:   "web",
			ref:  svcRef,
			want: []string{`metadata.name: Invalid value: "web": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)`},
		},
		{
			name: "not canonical",
			ip:   "fd00:10:96:0::a",
			ref:  svcRef,
			want: []string{`metadata.name: Invalid value: "fd00:10:96:0::a": must be in canonical form ("fd00:10:96::a")`},
		},
		{name: "parentRef required", ip: "10.96.0.10", want: []string{"spec.parentRef: Required value"}},
		{
			name: "parentRef fields",
			ip:   "10.96.0.10",
			ref:  &networkingv1.ParentReference{Group: "Bad_Group", Namespace: "a/b"},
			want: []string{
				`spec.parentRef.group: Invalid value: "Bad_Group": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')`,
				"spec.parentRef.resource: Required value",
				"spec.parentRef.name: Required value",
				`spec.parentRef.namespace: Invalid value: "a/b": may not contain '/'`,
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ip := &networkingv1.IPAddress{ObjectMeta: metav1.ObjectMeta{Name: tc.ip}, Spec: networkingv1.IPAddressSpec{ParentRef: tc.ref}}
			checkErrors(t, ValidateIPAddress(ip), tc.want)
		})
	}
}

func TestValidateIPAddressUpdate(t *testing.T) {
	old := &networkingv1.IPAddress{ObjectMeta: metav1.ObjectMeta{Name: "10.96.0.10", ResourceVersion: "1"},
		Spec: networkingv1.IPAddressSpec{ParentRef: &networkingv1.ParentReference{Resource: "services", Namespace: "default", Name: "web"}}}
	ip := old.DeepCopy()
	ip.Labels = map[string]string{"ipaddress.kubernetes.io/managed-by": "svcnet"}
	checkErrors(t, ValidateIPAddressUpdate(ip, old), nil)
	ip.Spec.ParentRef.Name = "api"
	checkErrors(t, ValidateIPAddressUpdate(ip, old), []string{
		`spec.parentRef: Invalid value: {"Group":"","Resource":"services","Namespace":"default","Name":"api"}: field is immutable`,
	})
}
