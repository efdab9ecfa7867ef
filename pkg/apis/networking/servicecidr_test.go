package networking

import (
	"testing"

	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestValidateServiceCIDR(t *testing.T) {
	tests := []struct {
		name  string
		cidrs []string
		want  []string
	}{
		{name: "single-stack", cidrs: []string{"10.96.0.0/12"}},
		{name: "dual-stack", cidrs: []string{"10.96.0.0/12", "fd00:10:96::/112"}},
		{name: "none", want: []string{"spec.cidrs: Required value: at least one CIDR required"}},
		{
			name:  "three",
			cidrs: []string{"10.96.0.0/12", "fd00:10:96::/112", "10.128.0.0/16"},
			want:  []string{`spec.cidrs: Invalid value: {"CIDRs":["10.96.0.0/12","fd00:10:96::/112","10.128.0.0/16"]}: may only hold up to 2 values`},
		},
		{
			name:  "two of one family",
			cidrs: []string{"10.96.0.0/12", "10.128.0.0/16"},
			want:  []string{`spec.cidrs: Invalid value: {"CIDRs":["10.96.0.0/12","10.128.0.0/16"]}: may specify no more than one IP for each IP family, i.e 192.168.0.0/24 and 2001:db8::/64`},
		},
		{
			name:  "host bits set",
			cidrs: []string{"10.96.0.1/12"},
			want:  []string{`spec.cidrs[0]: Invalid value: "10.96.0.1/12": must not have bits set beyond the prefix length`},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := &networkingv1.ServiceCIDR{ObjectMeta: metav1.ObjectMeta{Name: "kubernetes"}, Spec: networkingv1.ServiceCIDRSpec{CIDRs: tc.cidrs}}
			checkErrors(t, ValidateServiceCIDR(c), tc.want)
		})
	}
}

func TestValidateServiceCIDRUpdate(t *testing.T) {
	old := &networkingv1.ServiceCIDR{ObjectMeta: metav1.ObjectMeta{Name: "kubernetes", ResourceVersion: "1"},
		Spec: networkingv1.ServiceCIDRSpec{CIDRs: []string{"10.96.0.0/12"}}}
	c := old.DeepCopy()
	c.Labels = map[string]string{"a": "b"}
	checkErrors(t, ValidateServiceCIDRUpdate(c, old), nil)
	checkErrors(t, ValidateServiceCIDRStatusUpdate(c, old), nil)
	c.Spec.CIDRs = []string{"10.100.0.0/16"}
	checkErrors(t, ValidateServiceCIDRUpdate(c, old), []string{`spec.cidrs: Invalid value: ["10.100.0.0/16"]: field is immutable`})
}
