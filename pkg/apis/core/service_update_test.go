package core

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// storedService returns a service as the registry would have stored it:
// defaulted, with clusterIP 10.96.0.10 allocated, after applying pre.
func storedService(pre func(*corev1.Service)) *corev1.Service {
	return newService(func(s *corev1.Service) {
		s.ResourceVersion = "7"
		s.Spec.ClusterIP = "10.96.0.10"
		if pre != nil {
			pre(s)
		}
	})
}

// userUpdate returns what a client sends to replace old: a copy of the
// manifest without server-set fields, changed by edit.
func userUpdate(old *corev1.Service, edit func(*corev1.Service)) *corev1.Service {
	svc := old.DeepCopy()
	if edit != nil {
		edit(svc)
	}
	return svc
}

func TestDefaultServiceUpdate(t *testing.T) {
	tests := []struct {
		name  string
		old   func(*corev1.Service)
		edit  func(*corev1.Service)
		check func(t *testing.T, svc *corev1.Service)
	}{{
		name: "omitted clusterIP and clusterIPs are kept",
		edit: func(s *corev1.Service) { s.Spec.ClusterIP = ""; s.Spec.ClusterIPs = nil },
		check: func(t *testing.T, s *corev1.Service) {
			if s.Spec.ClusterIP != "10.96.0.10" || !cmp.Equal(s.Spec.ClusterIPs, []string{"10.96.0.10"}) {
				t.Errorf("clusterIP %q clusterIPs %v, want the allocated 10.96.0.10", s.Spec.ClusterIP, s.Spec.ClusterIPs)
			}
		},
	}, {
		name: "omitted nodePorts are kept by port name",
		old: func(s *corev1.Service) {
			s.Spec.Type = corev1.ServiceTypeNodePort
			s.Spec.Ports = []corev1.ServicePort{{Name: "http", Port: 80, NodePort: 30080}, {Name: "https", Port: 443, NodePort: 30443}}
		},
		edit: func(s *corev1.Service) {
			s.Spec.Ports = []corev1.ServicePort{{Name: "https", Port: 443}, {Name: "http", Port: 8080}, {Name: "new", Port: 9090}}
		},
		check: func(t *testing.T, s *corev1.Service) {
			got := []int32{s.Spec.Ports[0].NodePort, s.Spec.Ports[1].NodePort, s.Spec.Ports[2].NodePort}
			if !cmp.Equal(got, []int32{30443, 30080, 0}) {
				t.Errorf("nodePorts = %v, want [30443 30080 0]", got)
			}
		},
	}, {
		name: "omitted healthCheckNodePort is kept",
		old: func(s *corev1.Service) {
			s.Spec.Type = corev1.ServiceTypeLoadBalancer
			s.Spec.ExternalTrafficPolicy = corev1.ServiceExternalTrafficPolicyLocal
			s.Spec.HealthCheckNodePort = 32000
		},
		edit: func(s *corev1.Service) { s.Spec.HealthCheckNodePort = 0 },
		check: func(t *testing.T, s *corev1.Service) {
			if s.Spec.HealthCheckNodePort != 32000 {
				t.Errorf("healthCheckNodePort = %d, want 32000", s.Spec.HealthCheckNodePort)
			}
		},
	}, {
		name: "NodePort to ClusterIP drops nodePorts and externalTrafficPolicy",
		old: func(s *corev1.Service) {
			s.Spec.Type = corev1.ServiceTypeNodePort
			s.Spec.Ports[0].NodePort = 30080
		},
		edit: func(s *corev1.Service) { s.Spec.Type = corev1.ServiceTypeClusterIP },
		check: func(t *testing.T, s *corev1.Service) {
			if s.Spec.Ports[0].NodePort != 0 || s.Spec.ExternalTrafficPolicy != "" {
				t.Errorf("nodePort %d externalTrafficPolicy %q, want both cleared", s.Spec.Ports[0].NodePort, s.Spec.ExternalTrafficPolicy)
			}
		},
	}, {
		name: "a new nodePort is not dropped on the way to ClusterIP",
		old: func(s *corev1.Service) {
			s.Spec.Type = corev1.ServiceTypeNodePort
			s.Spec.Ports[0].NodePort = 30080
		},
		edit: func(s *corev1.Service) { s.Spec.Type = corev1.ServiceTypeClusterIP; s.Spec.Ports[0].NodePort = 30081 },
		check: func(t *testing.T, s *corev1.Service) {
			if s.Spec.Ports[0].NodePort != 30081 {
				t.Errorf("nodePort = %d, want the user's 30081 kept for validation", s.Spec.Ports[0].NodePort)
			}
		},
	}, {
		name: "LoadBalancer to NodePort drops load balancer fields",
		old: func(s *corev1.Service) {
			s.Spec.Type = corev1.ServiceTypeLoadBalancer
			s.Spec.LoadBalancerClass = ptr("svcnet.io/l2")
			s.Spec.ExternalTrafficPolicy = corev1.ServiceExternalTrafficPolicyLocal
			s.Spec.HealthCheckNodePort = 32000
		},
		edit: func(s *corev1.Service) { s.Spec.Type = corev1.ServiceTypeNodePort },
		check: func(t *testing.T, s *corev1.Service) {
			if s.Spec.AllocateLoadBalancerNodePorts != nil || s.Spec.LoadBalancerClass != nil || s.Spec.HealthCheckNodePort != 0 {
				t.Errorf("allocateLoadBalancerNodePorts %v loadBalancerClass %v healthCheckNodePort %d, want all cleared",
					s.Spec.AllocateLoadBalancerNodePorts, s.Spec.LoadBalancerClass, s.Spec.HealthCheckNodePort)
			}
			if s.Spec.ExternalTrafficPolicy != corev1.ServiceExternalTrafficPolicyLocal {
				t.Errorf("externalTrafficPolicy = %q, want Local kept for NodePort", s.Spec.ExternalTrafficPolicy)
			}
		},
	}, {
		name: "ClusterIP to ExternalName drops IP fields",
		edit: func(s *corev1.Service) {
			s.Spec.Type = corev1.ServiceTypeExternalName
			s.Spec.ExternalName = "db.example.com"
			s.Spec.Selector = nil
		},
		check: func(t *testing.T, s *corev1.Service) {
			if s.Spec.ClusterIP != "" || s.Spec.ClusterIPs != nil || s.Spec.IPFamilies != nil || s.Spec.IPFamilyPolicy != nil {
				t.Errorf("clusterIP %q clusterIPs %v ipFamilies %v ipFamilyPolicy %v, want all cleared",
					s.Spec.ClusterIP, s.Spec.ClusterIPs, s.Spec.IPFamilies, s.Spec.IPFamilyPolicy)
			}
		},
	}, {
		name: "changing only clusterIP moves clusterIPs along",
		edit: func(s *corev1.Service) { s.Spec.ClusterIP = "10.96.0.11" },
		check: func(t *testing.T, s *corev1.Service) {
			if !cmp.Equal(s.Spec.ClusterIPs, []string{"10.96.0.11"}) {
				t.Errorf("clusterIPs = %v, want [10.96.0.11]", s.Spec.ClusterIPs)
			}
		},
	}, {
		name: "omitted ipFamilyPolicy keeps the stored one",
		old:  func(s *corev1.Service) { s.Spec.IPFamilyPolicy = ptr(corev1.IPFamilyPolicyPreferDualStack) },
		edit: func(s *corev1.Service) { s.Spec.IPFamilyPolicy = nil },
		check: func(t *testing.T, s *corev1.Service) {
			if s.Spec.IPFamilyPolicy == nil || *s.Spec.IPFamilyPolicy != corev1.IPFamilyPolicyPreferDualStack {
				t.Errorf("ipFamilyPolicy = %v, want PreferDualStack", s.Spec.IPFamilyPolicy)
			}
		},
	}, {
		name: "SingleStack downgrade trims the secondary IP and family",
		old: func(s *corev1.Service) {
			s.Spec.ClusterIPs = []string{"10.96.0.10", "fd00::10"}
			s.Spec.IPFamilyPolicy = ptr(corev1.IPFamilyPolicyRequireDualStack)
		},
		edit: func(s *corev1.Service) { s.Spec.IPFamilyPolicy = ptr(corev1.IPFamilyPolicySingleStack) },
		check: func(t *testing.T, s *corev1.Service) {
			if !cmp.Equal(s.Spec.ClusterIPs, []string{"10.96.0.10"}) || !cmp.Equal(s.Spec.IPFamilies, []corev1.IPFamily{corev1.IPv4Protocol}) {
				t.Errorf("clusterIPs %v ipFamilies %v, want only the IPv4 ones", s.Spec.ClusterIPs, s.Spec.IPFamilies)
			}
		},
	}}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			old := storedService(tc.old)
			svc := userUpdate(old, tc.edit)
			DefaultServiceUpdate(svc, old)
			tc.check(t, svc)
		})
	}
}

func TestValidateServiceUpdate(t *testing.T) {
	tests := []struct {
		name string
		old  func(*corev1.Service)
		edit func(*corev1.Service)
		want []string
	}{
		{name: "no change"},
		{name: "client omits allocated values", edit: func(s *corev1.Service) {
			s.Spec.ClusterIP = ""
			s.Spec.ClusterIPs = nil
			s.Spec.IPFamilies = nil
			s.Spec.IPFamilyPolicy = nil
		}},
		{
			name: "clusterIP may not change",
			edit: func(s *corev1.Service) { s.Spec.ClusterIP = "10.96.0.11" },
			want: []string{`spec.clusterIPs[0]: Invalid value: ["10.96.0.11"]: may not change once set`},
		},
		{
			name: "clusterIP may not become None",
			edit: func(s *corev1.Service) { s.Spec.ClusterIP = corev1.ClusterIPNone },
			want: []string{`spec.clusterIPs[0]: Invalid value: ["None"]: may not change once set`},
		},
		{name: "ClusterIP to ExternalName", edit: func(s *corev1.Service) {
			s.Spec.Type = corev1.ServiceTypeExternalName
			s.Spec.ExternalName = "db.example.com"
		}},
		{name: "ExternalName to ClusterIP with a new IP", old: func(s *corev1.Service) {
			s.Spec = corev1.ServiceSpec{Type: corev1.ServiceTypeExternalName, ExternalName: "db.example.com"}
		}, edit: func(s *corev1.Service) {
			s.Spec.Type = corev1.ServiceTypeClusterIP
			s.Spec.ClusterIP = "10.96.0.20"
			s.Spec.Ports = []corev1.ServicePort{{Port: 5432}}
		}},
		{name: "NodePort to ClusterIP", old: func(s *corev1.Service) {
			s.Spec.Type = corev1.ServiceTypeNodePort
			s.Spec.Ports[0].NodePort = 30080
		}, edit: func(s *corev1.Service) { s.Spec.Type = corev1.ServiceTypeClusterIP }},
		{
			name: "NodePort to ClusterIP with a new nodePort",
			old: func(s *corev1.Service) {
				s.Spec.Type = corev1.ServiceTypeNodePort
				s.Spec.Ports[0].NodePort = 30080
			},
			edit: func(s *corev1.Service) { s.Spec.Type = corev1.ServiceTypeClusterIP; s.Spec.Ports[0].NodePort = 30081 },
			want: []string{"spec.ports[0].nodePort: Forbidden: may not be used when `type` is 'ClusterIP'"},
		},
		{
			name: "loadBalancerClass may not change",
			old: func(s *corev1.Service) {
				s.Spec.Type = corev1.ServiceTypeLoadBalancer
				s.Spec.LoadBalancerClass = ptr("svcnet.io/l2")
			},
			edit: func(s *corev1.Service) { s.Spec.LoadBalancerClass = ptr("svcnet.io/bgp") },
			want: []string{`spec.loadBalancerClass: Invalid value: "svcnet.io/bgp": may not change once set`},
		},
		{
			name: "healthCheckNodePort may not change",
			old: func(s *corev1.Service) {
				s.Spec.Type = corev1.ServiceTypeLoadBalancer
				s.Spec.ExternalTrafficPolicy = corev1.ServiceExternalTrafficPolicyLocal
				s.Spec.HealthCheckNodePort = 32000
			},
			edit: func(s *corev1.Service) { s.Spec.HealthCheckNodePort = 32001 },
			want: []string{"spec.healthCheckNodePort: Forbidden: field is immutable"},
		},
		{name: "adding a secondary clusterIP", edit: func(s *corev1.Service) {
			s.Spec.ClusterIPs = []string{"10.96.0.10", "fd00::10"}
			s.Spec.IPFamilies = nil
			s.Spec.IPFamilyPolicy = ptr(corev1.IPFamilyPolicyPreferDualStack)
		}},
		{
			name: "releasing the secondary clusterIP needs SingleStack",
			old: func(s *corev1.Service) {
				s.Spec.ClusterIPs = []string{"10.96.0.10", "fd00::10"}
				s.Spec.IPFamilyPolicy = ptr(corev1.IPFamilyPolicyRequireDualStack)
			},
			edit: func(s *corev1.Service) { s.Spec.ClusterIPs = []string{"10.96.0.10"} },
			want: []string{`spec.ipFamilyPolicy: Invalid value: "RequireDualStack": must be set to 'SingleStack' when releasing the secondary clusterIP`},
		},
		{name: "releasing the secondary clusterIP with SingleStack", old: func(s *corev1.Service) {
			s.Spec.ClusterIPs = []string{"10.96.0.10", "fd00::10"}
			s.Spec.IPFamilyPolicy = ptr(corev1.IPFamilyPolicyRequireDualStack)
		}, edit: func(s *corev1.Service) { s.Spec.IPFamilyPolicy = ptr(corev1.IPFamilyPolicySingleStack) }},
		{
			name: "primary family may not change",
			old: func(s *corev1.Service) {
				s.Spec.ClusterIP = "fd00::10"
			},
			edit: func(s *corev1.Service) {
				s.Spec.IPFamilies = []corev1.IPFamily{corev1.IPv4Protocol}
			},
			want: []string{
				`spec.ipFamilies[0]: Invalid value: ["IPv4"]: may not change once set`,
				"spec.clusterIPs[0]: Invalid value: \"fd00::10\": expected an IPv4 value as indicated by `ipFamilies[0]`",
			},
		},
		{
			name: "name may not change",
			edit: func(s *corev1.Service) { s.Name = "web2" },
			want: []string{`metadata.name: Invalid value: "web2": field is immutable`},
		},
		{
			name: "update is validated like a create",
			edit: func(s *corev1.Service) {
				s.Spec.Ports[0].Port = 70000
				s.Spec.Ports[0].TargetPort = intstr.FromInt32(80)
			},
			want: []string{"spec.ports[0].port: Invalid value: 70000: must be between 1 and 65535, inclusive"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			old := storedService(tc.old)
			svc := userUpdate(old, tc.edit)
			DefaultServiceUpdate(svc, old)
			checkErrors(t, ValidateServiceUpdate(svc, old), tc.want)
		})
	}
}

func TestValidateServiceStatusUpdate(t *testing.T) {
	lb := func(s *corev1.Service) { s.Spec.Type = corev1.ServiceTypeLoadBalancer }
	tests := []struct {
		name    string
		old     func(*corev1.Service)
		ingress []corev1.LoadBalancerIngress
		want    []string
	}{
		{name: "IP with VIP mode", old: lb, ingress: []corev1.LoadBalancerIngress{{IP: "203.0.113.5", IPMode: ptr(corev1.LoadBalancerIPModeVIP)}}},
		{name: "hostname", old: lb, ingress: []corev1.LoadBalancerIngress{{Hostname: "lb.example.com"}}},
		{
			name:    "ingress on a ClusterIP service",
			ingress: []corev1.LoadBalancerIngress{{IP: "203.0.113.5", IPMode: ptr(corev1.LoadBalancerIPModeVIP)}},
			want:    []string{"status.loadBalancer.ingress: Forbidden: may only be used when `spec.type` is 'LoadBalancer'"},
		},
		{
			name:    "bad IP and missing ipMode",
			old:     lb,
			ingress: []corev1.LoadBalancerIngress{{IP: "203.0.113.500"}},
			want: []string{
				`status.loadBalancer.ingress[0].ip: Invalid value: "203.0.113.500": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)`,
				"status.loadBalancer.ingress[0].ipMode: Required value: must be specified when `ip` is set",
			},
		},
		{
			name:    "ipMode without IP",
			old:     lb,
			ingress: []corev1.LoadBalancerIngress{{Hostname: "lb.example.com", IPMode: ptr(corev1.LoadBalancerIPModeVIP)}},
			want:    []string{"status.loadBalancer.ingress[0].ipMode: Forbidden: may not be specified when `ip` is not set"},
		},
		{
			name:    "unsupported ipMode",
			old:     lb,
			ingress: []corev1.LoadBalancerIngress{{IP: "203.0.113.5", IPMode: ptr(corev1.LoadBalancerIPMode("Direct"))}},
			want:    []string{`status.loadBalancer.ingress[0].ipMode: Unsupported value: "Direct": supported values: "Proxy", "VIP"`},
		},
		{
			name:    "hostname that is an IP",
			old:     lb,
			ingress: []corev1.LoadBalancerIngress{{Hostname: "203.0.113.5"}},
			want:    []string{`status.loadBalancer.ingress[0].hostname: Invalid value: "203.0.113.5": must be a DNS name, not an IP address`},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			old := storedService(tc.old)
			svc := old.DeepCopy()
			svc.Status.LoadBalancer.Ingress = tc.ingress
			checkErrors(t, ValidateServiceStatusUpdate(svc, old), tc.want)
		})
	}
}
