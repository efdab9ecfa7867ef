package core

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// defaultedClusterIPSpec is what a minimal ClusterIP service with one TCP
// port 80 and selector app=web looks like after defaulting.
func defaultedClusterIPSpec() corev1.ServiceSpec {
	return corev1.ServiceSpec{
		Type:                  corev1.ServiceTypeClusterIP,
		Selector:              map[string]string{"app": "web"},
		Ports:                 []corev1.ServicePort{{Protocol: corev1.ProtocolTCP, Port: 80, TargetPort: intstr.FromInt32(80)}},
		SessionAffinity:       corev1.ServiceAffinityNone,
		InternalTrafficPolicy: ptr(corev1.ServiceInternalTrafficPolicyCluster),
		IPFamilyPolicy:        ptr(corev1.IPFamilyPolicySingleStack),
		IPFamilies:            []corev1.IPFamily{corev1.IPv4Protocol},
	}
}

func TestDefaultService(t *testing.T) {
	tests := []struct {
		name     string
		in       corev1.ServiceSpec
		families []corev1.IPFamily
		want     func() corev1.ServiceSpec
	}{{
		name: "minimal ClusterIP",
		in:   corev1.ServiceSpec{Selector: map[string]string{"app": "web"}, Ports: []corev1.ServicePort{{Port: 80}}},
		want: defaultedClusterIPSpec,
	}, {
		name: "NodePort gets externalTrafficPolicy Cluster",
		in:   corev1.ServiceSpec{Type: corev1.ServiceTypeNodePort, Selector: map[string]string{"app": "web"}, Ports: []corev1.ServicePort{{Port: 80}}},
		want: func() corev1.ServiceSpec {
			s := defaultedClusterIPSpec()
			s.Type = corev1.ServiceTypeNodePort
			s.ExternalTrafficPolicy = corev1.ServiceExternalTrafficPolicyCluster
			return s
		},
	}, {
		name: "LoadBalancer allocates node ports",
		in:   corev1.ServiceSpec{Type: corev1.ServiceTypeLoadBalancer, Selector: map[string]string{"app": "web"}, Ports: []corev1.ServicePort{{Port: 80}}},
		want: func() corev1.ServiceSpec {
			s := defaultedClusterIPSpec()
			s.Type = corev1.ServiceTypeLoadBalancer
			s.ExternalTrafficPolicy = corev1.ServiceExternalTrafficPolicyCluster
			s.AllocateLoadBalancerNodePorts = ptr(true)
			return s
		},
	}, {
		name: "ClusterIP with externalIPs is externally accessible",
		in:   corev1.ServiceSpec{Selector: map[string]string{"app": "web"}, Ports: []corev1.ServicePort{{Port: 80}}, ExternalIPs: []string{"192.0.2.10"}},
		want: func() corev1.ServiceSpec {
			s := defaultedClusterIPSpec()
			s.ExternalIPs = []string{"192.0.2.10"}
			s.ExternalTrafficPolicy = corev1.ServiceExternalTrafficPolicyCluster
			return s
		},
	}, {
		name: "ExternalName gets no traffic policies or families",
		in:   corev1.ServiceSpec{Type: corev1.ServiceTypeExternalName, ExternalName: "example.com"},
		want: func() corev1.ServiceSpec {
			return corev1.ServiceSpec{Type: corev1.ServiceTypeExternalName, ExternalName: "example.com", SessionAffinity: corev1.ServiceAffinityNone}
		},
	}, {
		name: "ports keep protocol and named targetPort, empty targetPort becomes port",
		in: corev1.ServiceSpec{Selector: map[string]string{"app": "web"}, Ports: []corev1.ServicePort{
			{Name: "dns", Port: 53, Protocol: corev1.ProtocolUDP},
			{Name: "http", Port: 80, TargetPort: intstr.FromString("web")},
			{Name: "alt", Port: 8080, TargetPort: intstr.FromString("")},
		}},
		want: func() corev1.ServiceSpec {
			s := defaultedClusterIPSpec()
			s.Ports = []corev1.ServicePort{
				{Name: "dns", Port: 53, Protocol: corev1.ProtocolUDP, TargetPort: intstr.FromInt32(53)},
				{Name: "http", Port: 80, Protocol: corev1.ProtocolTCP, TargetPort: intstr.FromString("web")},
				{Name: "alt", Port: 8080, Protocol: corev1.ProtocolTCP, TargetPort: intstr.FromInt32(8080)},
			}
			return s
		},
	}, {
		name: "ClientIP affinity gets the default timeout",
		in:   corev1.ServiceSpec{Selector: map[string]string{"app": "web"}, Ports: []corev1.ServicePort{{Port: 80}}, SessionAffinity: corev1.ServiceAffinityClientIP, SessionAffinityConfig: &corev1.SessionAffinityConfig{}},
		want: func() corev1.ServiceSpec {
			s := defaultedClusterIPSpec()
			s.SessionAffinity = corev1.ServiceAffinityClientIP
			s.SessionAffinityConfig = &corev1.SessionAffinityConfig{ClientIP: &corev1.ClientIPConfig{TimeoutSeconds: ptr(int32(10800))}}
			return s
		},
	}, {
		name: "ClientIP affinity keeps a given timeout",
		in: corev1.ServiceSpec{Selector: map[string]string{"app": "web"}, Ports: []corev1.ServicePort{{Port: 80}}, SessionAffinity: corev1.ServiceAffinityClientIP,
			SessionAffinityConfig: &corev1.SessionAffinityConfig{ClientIP: &corev1.ClientIPConfig{TimeoutSeconds: ptr(int32(60))}}},
		want: func() corev1.ServiceSpec {
			s := defaultedClusterIPSpec()
			s.SessionAffinity = corev1.ServiceAffinityClientIP
			s.SessionAffinityConfig = &corev1.SessionAffinityConfig{ClientIP: &corev1.ClientIPConfig{TimeoutSeconds: ptr(int32(60))}}
			return s
		},
	}, {
		name: "affinity None drops the config",
		in: corev1.ServiceSpec{Selector: map[string]string{"app": "web"}, Ports: []corev1.ServicePort{{Port: 80}},
			SessionAffinityConfig: &corev1.SessionAffinityConfig{ClientIP: &corev1.ClientIPConfig{TimeoutSeconds: ptr(int32(60))}}},
		want: defaultedClusterIPSpec,
	}, {
		name: "clusterIP is copied to clusterIPs",
		in:   corev1.ServiceSpec{Selector: map[string]string{"app": "web"}, Ports: []corev1.ServicePort{{Port: 80}}, ClusterIP: "10.96.0.10"},
		want: func() corev1.ServiceSpec {
			s := defaultedClusterIPSpec()
			s.ClusterIP = "10.96.0.10"
			s.ClusterIPs = []string{"10.96.0.10"}
			return s
		},
	}, {
		name: "clusterIPs alone is not copied to clusterIP",
		in:   corev1.ServiceSpec{Selector: map[string]string{"app": "web"}, Ports: []corev1.ServicePort{{Port: 80}}, ClusterIPs: []string{"10.96.0.10"}},
		want: func() corev1.ServiceSpec {
			s := defaultedClusterIPSpec()
			s.ClusterIPs = []string{"10.96.0.10"}
			return s
		},
	}, {
		name: "family is inferred from an IPv6 clusterIP",
		in:   corev1.ServiceSpec{Selector: map[string]string{"app": "web"}, Ports: []corev1.ServicePort{{Port: 80}}, ClusterIP: "fd00::10"},
		want: func() corev1.ServiceSpec {
			s := defaultedClusterIPSpec()
			s.ClusterIP = "fd00::10"
			s.ClusterIPs = []string{"fd00::10"}
			s.IPFamilies = []corev1.IPFamily{corev1.IPv6Protocol}
			return s
		},
	}, {
		name: "headless with selector is single-stack",
		in:   corev1.ServiceSpec{Selector: map[string]string{"app": "web"}, ClusterIP: corev1.ClusterIPNone},
		want: func() corev1.ServiceSpec {
			s := defaultedClusterIPSpec()
			s.Ports = nil
			s.ClusterIP = corev1.ClusterIPNone
			s.ClusterIPs = []string{corev1.ClusterIPNone}
			return s
		},
	}, {
		name: "headless without selector requires dual-stack",
		in:   corev1.ServiceSpec{ClusterIP: corev1.ClusterIPNone, Ports: []corev1.ServicePort{{Port: 80}}},
		want: func() corev1.ServiceSpec {
			s := defaultedClusterIPSpec()
			s.Selector = nil
			s.ClusterIP = corev1.ClusterIPNone
			s.ClusterIPs = []string{corev1.ClusterIPNone}
			s.IPFamilyPolicy = ptr(corev1.IPFamilyPolicyRequireDualStack)
			s.IPFamilies = []corev1.IPFamily{corev1.IPv4Protocol, corev1.IPv6Protocol}
			return s
		},
	}, {
		name: "PreferDualStack stays single on a single-stack cluster",
		in:   corev1.ServiceSpec{Selector: map[string]string{"app": "web"}, Ports: []corev1.ServicePort{{Port: 80}}, IPFamilyPolicy: ptr(corev1.IPFamilyPolicyPreferDualStack)},
		want: func() corev1.ServiceSpec {
			s := defaultedClusterIPSpec()
			s.IPFamilyPolicy = ptr(corev1.IPFamilyPolicyPreferDualStack)
			return s
		},
	}, {
		name:     "PreferDualStack gets both families on a dual-stack cluster",
		in:       corev1.ServiceSpec{Selector: map[string]string{"app": "web"}, Ports: []corev1.ServicePort{{Port: 80}}, IPFamilyPolicy: ptr(corev1.IPFamilyPolicyPreferDualStack)},
		families: []corev1.IPFamily{corev1.IPv6Protocol, corev1.IPv4Protocol},
		want: func() corev1.ServiceSpec {
			s := defaultedClusterIPSpec()
			s.IPFamilyPolicy = ptr(corev1.IPFamilyPolicyPreferDualStack)
			s.IPFamilies = []corev1.IPFamily{corev1.IPv6Protocol, corev1.IPv4Protocol}
			return s
		},
	}, {
		name: "two same-family clusterIPs are left for validation",
		in: corev1.ServiceSpec{Selector: map[string]string{"app": "web"}, Ports: []corev1.ServicePort{{Port: 80}},
			ClusterIP: "10.96.0.5", ClusterIPs: []string{"10.96.0.5", "10.96.0.6"}, IPFamilyPolicy: ptr(corev1.IPFamilyPolicyRequireDualStack)},
		want: func() corev1.ServiceSpec {
			s := defaultedClusterIPSpec()
			s.ClusterIP = "10.96.0.5"
			s.ClusterIPs = []string{"10.96.0.5", "10.96.0.6"}
			s.IPFamilyPolicy = ptr(corev1.IPFamilyPolicyRequireDualStack)
			return s
		},
	}}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			svc := &corev1.Service{Spec: tc.in}
			if tc.families != nil {
				DefaultServiceWithFamilies(svc, tc.families)
			} else {
				DefaultService(svc)
			}
			if diff := cmp.Diff(tc.want(), svc.Spec); diff != "" {
				t.Errorf("spec mismatch (-want +got):\n%s", diff)
			}
			again := svc.DeepCopy()
			DefaultService(again)
			if diff := cmp.Diff(svc, again); diff != "" {
				t.Errorf("defaulting twice changed the object (-once +twice):\n%s", diff)
			}
		})
	}
}

func TestDefaultServiceLoadBalancerIngressIPMode(t *testing.T) {
	svc := &corev1.Service{Spec: corev1.ServiceSpec{Type: corev1.ServiceTypeLoadBalancer, Ports: []corev1.ServicePort{{Port: 80}}}}
	svc.Status.LoadBalancer.Ingress = []corev1.LoadBalancerIngress{
		{IP: "203.0.113.5"},
		{Hostname: "lb.example.com"},
		{IP: "203.0.113.6", IPMode: ptr(corev1.LoadBalancerIPModeProxy)},
	}
	DefaultService(svc)
	got := svc.Status.LoadBalancer.Ingress
	if got[0].IPMode == nil || *got[0].IPMode != corev1.LoadBalancerIPModeVIP {
		t.Errorf("ingress[0].ipMode = %v, want VIP", got[0].IPMode)
	}
	if got[1].IPMode != nil {
		t.Errorf("ingress[1].ipMode = %v, want nil for a hostname", *got[1].IPMode)
	}
	if *got[2].IPMode != corev1.LoadBalancerIPModeProxy {
		t.Errorf("ingress[2].ipMode = %v, want the given Proxy", *got[2].IPMode)
	}
}
