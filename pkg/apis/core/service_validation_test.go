package core

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/validation"
)

// newService returns a defaulted ClusterIP service "web" in "default" with
// selector app=web and port 80, after applying pre before defaulting.
func newService(pre func(*corev1.Service)) *corev1.Service {
	svc := &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "default"},
		Spec: corev1.ServiceSpec{
			Selector: map[string]string{"app": "web"},
			Ports:    []corev1.ServicePort{{Port: 80}},
		},
	}
	if pre != nil {
		pre(svc)
	}
	DefaultService(svc)
	return svc
}

func TestValidateService(t *testing.T) {
	dns1123 := validation.IsDNS1123Label("HTTP")[0]
	tests := []struct {
		name string
		pre  func(*corev1.Service) // before defaulting
		post func(*corev1.Service) // after defaulting
		want []string
	}{
		{name: "valid ClusterIP"},
		{name: "valid with allocated clusterIP", pre: func(s *corev1.Service) { s.Spec.ClusterIP = "10.96.0.10" }},
		{name: "valid NodePort with nodePort", pre: func(s *corev1.Service) {
			s.Spec.Type = corev1.ServiceTypeNodePort
			s.Spec.Ports[0].NodePort = 30080
		}},
		{name: "valid LoadBalancer Local with healthCheckNodePort", pre: func(s *corev1.Service) {
			s.Spec.Type = corev1.ServiceTypeLoadBalancer
			s.Spec.ExternalTrafficPolicy = corev1.ServiceExternalTrafficPolicyLocal
			s.Spec.HealthCheckNodePort = 32000
			s.Spec.LoadBalancerSourceRanges = []string{"198.51.100.0/24", " 203.0.113.0/24 "}
			s.Spec.LoadBalancerClass = ptr("svcnet.io/l2")
		}},
		{name: "valid headless without ports", pre: func(s *corev1.Service) {
			s.Spec.ClusterIP = corev1.ClusterIPNone
			s.Spec.Ports = nil
		}},
		{name: "valid ExternalName with trailing dot", pre: func(s *corev1.Service) {
			s.Spec = corev1.ServiceSpec{Type: corev1.ServiceTypeExternalName, ExternalName: "db.example.com."}
		}},
		{name: "valid dual-stack", pre: func(s *corev1.Service) {
			s.Spec.ClusterIP = "10.96.0.10"
			s.Spec.ClusterIPs = []string{"10.96.0.10", "fd00::10"}
			s.Spec.IPFamilyPolicy = ptr(corev1.IPFamilyPolicyRequireDualStack)
		}},
		{name: "valid ClientIP at the maximum timeout", pre: func(s *corev1.Service) {
			s.Spec.SessionAffinity = corev1.ServiceAffinityClientIP
			s.Spec.SessionAffinityConfig = &corev1.SessionAffinityConfig{ClientIP: &corev1.ClientIPConfig{TimeoutSeconds: ptr(int32(86400))}}
		}},
		{name: "same port with different protocols", pre: func(s *corev1.Service) {
			s.Spec.Ports = []corev1.ServicePort{{Name: "dns", Port: 53, Protocol: corev1.ProtocolUDP}, {Name: "dns-tcp", Port: 53}}
		}},
		{
			name: "service name must be a DNS-1035 label",
			pre:  func(s *corev1.Service) { s.Name = "1web" },
			want: []string{`metadata.name: Invalid value: "1web": ` + validation.IsDNS1035Label("1web")[0]},
		},
		{
			name: "namespace required",
			pre:  func(s *corev1.Service) { s.Namespace = "" },
			want: []string{"metadata.namespace: Required value"},
		},
		{
			name: "topology annotations must agree",
			pre: func(s *corev1.Service) {
				s.Annotations = map[string]string{"service.kubernetes.io/topology-aware-hints": "Auto", "service.kubernetes.io/topology-mode": "Disabled"}
			},
			want: []string{`metadata.annotations[service.kubernetes.io/topology-mode]: Invalid value: "Disabled": must match annotations[service.kubernetes.io/topology-aware-hints] when both are specified`},
		},
		{
			name: "port zero",
			pre:  func(s *corev1.Service) { s.Spec.Ports[0].Port = 0 },
			want: []string{
				"spec.ports[0].port: Invalid value: 0: must be between 1 and 65535, inclusive",
				"spec.ports[0].targetPort: Invalid value: 0: must be between 1 and 65535, inclusive",
			},
		},
		{
			name: "port too large",
			pre: func(s *corev1.Service) {
				s.Spec.Ports[0].Port = 65536
				s.Spec.Ports[0].TargetPort = intstr.FromInt32(8080)
			},
			want: []string{"spec.ports[0].port: Invalid value: 65536: must be between 1 and 65535, inclusive"},
		},
		{
			name: "ports required",
			pre:  func(s *corev1.Service) { s.Spec.Ports = nil },
			want: []string{"spec.ports: Required value"},
		},
		{
			name: "names required with several ports",
			pre:  func(s *corev1.Service) { s.Spec.Ports = []corev1.ServicePort{{Port: 80}, {Port: 443}} },
			want: []string{"spec.ports[0].name: Required value", "spec.ports[1].name: Required value"},
		},
		{
			name: "duplicate port name",
			pre: func(s *corev1.Service) {
				s.Spec.Ports = []corev1.ServicePort{{Name: "http", Port: 80}, {Name: "http", Port: 8080}}
			},
			want: []string{`spec.ports[1].name: Duplicate value: "http"`},
		},
		{
			name: "port name must be a DNS-1123 label",
			pre:  func(s *corev1.Service) { s.Spec.Ports[0].Name = "HTTP" },
			want: []string{`spec.ports[0].name: Invalid value: "HTTP": ` + dns1123},
		},
		{
			name: "unsupported protocol",
			pre:  func(s *corev1.Service) { s.Spec.Ports[0].Protocol = "HTTP" },
			want: []string{`spec.ports[0].protocol: Unsupported value: "HTTP": supported values: "SCTP", "TCP", "UDP"`},
		},
		{
			name: "protocol required",
			post: func(s *corev1.Service) { s.Spec.Ports[0].Protocol = "" },
			want: []string{"spec.ports[0].protocol: Required value"},
		},
		{
			name: "duplicate port and protocol",
			pre: func(s *corev1.Service) {
				s.Spec.Ports = []corev1.ServicePort{{Name: "a", Port: 80}, {Name: "b", Port: 80, TargetPort: intstr.FromInt32(8080)}}
			},
			want: []string{`spec.ports[1]: Duplicate value: {"Name":"","Protocol":"TCP","AppProtocol":null,"Port":80,"TargetPort":0,"NodePort":0}`},
		},
		{
			name: "named targetPort must be an IANA_SVC_NAME",
			pre:  func(s *corev1.Service) { s.Spec.Ports[0].TargetPort = intstr.FromString("http--alt") },
			want: []string{`spec.ports[0].targetPort: Invalid value: "http--alt": must not contain consecutive hyphens`},
		},
		{
			name: "named targetPort too long",
			pre:  func(s *corev1.Service) { s.Spec.Ports[0].TargetPort = intstr.FromString("abcdefghijklmnop") },
			want: []string{`spec.ports[0].targetPort: Invalid value: "abcdefghijklmnop": must be no more than 15 characters`},
		},
		{
			name: "appProtocol must be a qualified name",
			pre:  func(s *corev1.Service) { s.Spec.Ports[0].AppProtocol = ptr("a/b/c") },
			want: []string{`spec.ports[0].appProtocol: Invalid value: "a/b/c": ` + validation.IsQualifiedName("a/b/c")[0]},
		},
		{
			name: "nodePort on ClusterIP",
			pre:  func(s *corev1.Service) { s.Spec.Ports[0].NodePort = 30080 },
			want: []string{"spec.ports[0].nodePort: Forbidden: may not be used when `type` is 'ClusterIP'"},
		},
		{
			name: "duplicate nodePort",
			pre: func(s *corev1.Service) {
				s.Spec.Type = corev1.ServiceTypeNodePort
				s.Spec.Ports = []corev1.ServicePort{{Name: "a", Port: 80, NodePort: 30080}, {Name: "b", Port: 81, NodePort: 30080}}
			},
			want: []string{"spec.ports[1].nodePort: Duplicate value: 30080"},
		},
		{
			name: "headless NodePort",
			pre: func(s *corev1.Service) {
				s.Spec.Type = corev1.ServiceTypeNodePort
				s.Spec.ClusterIP = corev1.ClusterIPNone
			},
			want: []string{`spec.clusterIPs[0]: Invalid value: "None": may not be set to 'None' for NodePort services`},
		},
		{
			name: "headless LoadBalancer",
			pre: func(s *corev1.Service) {
				s.Spec.Type = corev1.ServiceTypeLoadBalancer
				s.Spec.ClusterIP = corev1.ClusterIPNone
			},
			want: []string{`spec.clusterIPs[0]: Invalid value: "None": may not be set to 'None' for LoadBalancer services`},
		},
		{
			name: "ExternalName requires externalName",
			pre:  func(s *corev1.Service) { s.Spec = corev1.ServiceSpec{Type: corev1.ServiceTypeExternalName} },
			want: []string{"spec.externalName: Required value"},
		},
		{
			name: "ExternalName must be a DNS name",
			pre: func(s *corev1.Service) {
				s.Spec = corev1.ServiceSpec{Type: corev1.ServiceTypeExternalName, ExternalName: "db_1.example.com"}
			},
			want: []string{`spec.externalName: Invalid value: "db_1.example.com": ` + validation.IsDNS1123Subdomain("db_1.example.com")[0]},
		},
		{
			name: "ExternalName with a clusterIP and IP family fields",
			pre: func(s *corev1.Service) {
				s.Spec = corev1.ServiceSpec{Type: corev1.ServiceTypeExternalName, ExternalName: "db.example.com", ClusterIP: "10.96.0.10",
					IPFamilies: []corev1.IPFamily{corev1.IPv4Protocol}, IPFamilyPolicy: ptr(corev1.IPFamilyPolicySingleStack)}
			},
			want: []string{
				"spec.clusterIPs: Forbidden: may not be set for ExternalName services",
				"spec.ipFamilies: Forbidden: may not be set for ExternalName services",
				"spec.ipFamilyPolicy: Forbidden: may not be set for ExternalName services",
			},
		},
		{
			name: "selector values must be label values",
			pre:  func(s *corev1.Service) { s.Spec.Selector = map[string]string{"app": "web server"} },
			want: []string{`spec.selector: Invalid value: "web server": ` + validation.IsValidLabelValue("web server")[0]},
		},
		{
			name: "unsupported sessionAffinity",
			pre:  func(s *corev1.Service) { s.Spec.SessionAffinity = "Sticky" },
			want: []string{`spec.sessionAffinity: Unsupported value: "Sticky": supported values: "ClientIP", "None"`},
		},
		{
			name: "ClientIP timeout zero",
			pre: func(s *corev1.Service) {
				s.Spec.SessionAffinity = corev1.ServiceAffinityClientIP
				s.Spec.SessionAffinityConfig = &corev1.SessionAffinityConfig{ClientIP: &corev1.ClientIPConfig{TimeoutSeconds: ptr(int32(0))}}
			},
			want: []string{"spec.sessionAffinityConfig.clientIP.timeoutSeconds: Invalid value: 0: must be greater than 0 and less than 86400"},
		},
		{
			name: "ClientIP timeout above a day",
			pre: func(s *corev1.Service) {
				s.Spec.SessionAffinity = corev1.ServiceAffinityClientIP
				s.Spec.SessionAffinityConfig = &corev1.SessionAffinityConfig{ClientIP: &corev1.ClientIPConfig{TimeoutSeconds: ptr(int32(86401))}}
			},
			want: []string{"spec.sessionAffinityConfig.clientIP.timeoutSeconds: Invalid value: 86401: must be greater than 0 and less than 86400"},
		},
		{
			name: "ClientIP without config",
			pre:  func(s *corev1.Service) { s.Spec.SessionAffinity = corev1.ServiceAffinityClientIP },
			post: func(s *corev1.Service) { s.Spec.SessionAffinityConfig = nil },
			want: []string{"spec.sessionAffinityConfig: Required value: when session affinity type is ClientIP"},
		},
		{
			name: "config with affinity None",
			post: func(s *corev1.Service) {
				s.Spec.SessionAffinityConfig = &corev1.SessionAffinityConfig{ClientIP: &corev1.ClientIPConfig{TimeoutSeconds: ptr(int32(60))}}
			},
			want: []string{"spec.sessionAffinityConfig: Forbidden: must not be set when session affinity is None"},
		},
		{
			name: "clusterIP not an IP",
			pre:  func(s *corev1.Service) { s.Spec.ClusterIP = "10.96.0.300" },
			want: []string{`spec.clusterIPs[0]: Invalid value: "10.96.0.300": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)`},
		},
		{
			name: "clusterIP not canonical",
			pre:  func(s *corev1.Service) { s.Spec.ClusterIP = "FD00::10" },
			want: []string{`spec.clusterIPs[0]: Invalid value: "FD00::10": must be in canonical form ("fd00::10")`},
		},
		{
			name: "clusterIPs must start with clusterIP",
			pre:  func(s *corev1.Service) { s.Spec.ClusterIP = "10.96.0.5"; s.Spec.ClusterIPs = []string{"10.96.0.6"} },
			want: []string{"spec.clusterIPs: Invalid value: [\"10.96.0.6\"]: first value must match `clusterIP`"},
		},
		{
			name: "clusterIPs without clusterIP",
			pre:  func(s *corev1.Service) { s.Spec.ClusterIPs = []string{"10.96.0.6"} },
			want: []string{"spec.clusterIPs: Invalid value: [\"10.96.0.6\"]: must be empty when `clusterIP` is not specified"},
		},
		{
			name: "clusterIP without clusterIPs",
			post: func(s *corev1.Service) { s.Spec.ClusterIP = "10.96.0.5" },
			want: []string{"spec.clusterIPs: Required value"},
		},
		{
			name: "None must stand alone",
			pre: func(s *corev1.Service) {
				s.Spec.ClusterIP = corev1.ClusterIPNone
				s.Spec.ClusterIPs = []string{corev1.ClusterIPNone, "10.96.0.5"}
				s.Spec.IPFamilyPolicy = ptr(corev1.IPFamilyPolicyPreferDualStack)
			},
			want: []string{`spec.clusterIPs: Invalid value: ["None","10.96.0.5"]: 'None' must be the first and only value`},
		},
		{
			name: "more than two clusterIPs",
			pre: func(s *corev1.Service) {
				s.Spec.ClusterIP = "10.96.0.5"
				s.Spec.ClusterIPs = []string{"10.96.0.5", "fd00::5", "10.96.0.6"}
				s.Spec.IPFamilyPolicy = ptr(corev1.IPFamilyPolicyRequireDualStack)
			},
			want: []string{`spec.clusterIPs: Invalid value: ["10.96.0.5","fd00::5","10.96.0.6"]: may only hold up to 2 values`},
		},
		{
			name: "two clusterIPs of one family",
			pre: func(s *corev1.Service) {
				s.Spec.ClusterIP = "10.96.0.5"
				s.Spec.ClusterIPs = []string{"10.96.0.5", "10.96.0.6"}
				s.Spec.IPFamilyPolicy = ptr(corev1.IPFamilyPolicyRequireDualStack)
			},
			want: []string{`spec.clusterIPs: Invalid value: ["10.96.0.5","10.96.0.6"]: may specify no more than one IP for each IP family`},
		},
		{
			name: "clusterIP of the wrong family",
			pre: func(s *corev1.Service) {
				s.Spec.ClusterIP = "10.96.0.5"
				s.Spec.IPFamilies = []corev1.IPFamily{corev1.IPv6Protocol}
			},
			want: []string{"spec.clusterIPs[0]: Invalid value: \"10.96.0.5\": expected an IPv6 value as indicated by `ipFamilies[0]`"},
		},
		{
			name: "unsupported and duplicate families",
			pre:  func(s *corev1.Service) { s.Spec.IPFamilies = []corev1.IPFamily{"IPv5", "IPv5"} },
			want: []string{
				`spec.ipFamilies[0]: Unsupported value: "IPv5": supported values: "IPv4", "IPv6"`,
				`spec.ipFamilies[1]: Unsupported value: "IPv5": supported values: "IPv4", "IPv6"`,
				`spec.ipFamilies[1]: Duplicate value: "IPv5"`,
			},
		},
		{
			name: "unsupported ipFamilyPolicy",
			pre:  func(s *corev1.Service) { s.Spec.IPFamilyPolicy = ptr(corev1.IPFamilyPolicy("Dual")) },
			want: []string{`spec.ipFamilyPolicy: Unsupported value: "Dual": supported values: "PreferDualStack", "RequireDualStack", "SingleStack"`},
		},
		{
			name: "SingleStack with two clusterIPs",
			pre: func(s *corev1.Service) {
				s.Spec.ClusterIP = "10.96.0.5"
				s.Spec.ClusterIPs = []string{"10.96.0.5", "fd00::5"}
			},
			want: []string{
				`spec.ipFamilyPolicy: Invalid value: "SingleStack": must be 'RequireDualStack' or 'PreferDualStack' when multiple cluster IPs are specified`,
				`spec.ipFamilyPolicy: Invalid value: "SingleStack": must be 'RequireDualStack' or 'PreferDualStack' when multiple IP families are specified`,
			},
		},
		{
			name: "externalIPs must be valid, non-special IPs",
			pre:  func(s *corev1.Service) { s.Spec.ExternalIPs = []string{"192.0.2.300", "127.0.0.1", "0.0.0.0"} },
			want: []string{
				`spec.externalIPs[0]: Invalid value: "192.0.2.300": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)`,
				`spec.externalIPs[1]: Invalid value: "127.0.0.1": may not be in the loopback range (127.0.0.0/8, ::1/128)`,
				`spec.externalIPs[2]: Invalid value: "0.0.0.0": may not be unspecified (0.0.0.0)`,
			},
		},
		{
			name: "unsupported type",
			pre:  func(s *corev1.Service) { s.Spec.Type = "Foo" },
			want: []string{`spec.type: Unsupported value: "Foo": supported values: "ClusterIP", "ExternalName", "LoadBalancer", "NodePort"`},
		},
		{
			name: "type required",
			post: func(s *corev1.Service) { s.Spec.Type = "" },
			want: []string{"spec.type: Required value"},
		},
		{
			name: "loadBalancerSourceRanges outside LoadBalancer, and bad CIDRs",
			pre:  func(s *corev1.Service) { s.Spec.LoadBalancerSourceRanges = []string{"10.0.0.0/33", "10.0.0.1/8"} },
			want: []string{
				"spec.LoadBalancerSourceRanges: Forbidden: may only be used when `type` is 'LoadBalancer'",
				`spec.LoadBalancerSourceRanges[0]: Invalid value: "10.0.0.0/33": must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)`,
				`spec.LoadBalancerSourceRanges[1]: Invalid value: "10.0.0.1/8": must not have bits set beyond the prefix length`,
			},
		},
		{
			name: "source ranges annotation",
			pre: func(s *corev1.Service) {
				s.Annotations = map[string]string{corev1.AnnotationLoadBalancerSourceRangesKey: "10.0.0.0/8, 300.0.0.0/8"}
			},
			want: []string{
				"metadata.annotations[service.beta.kubernetes.io/load-balancer-source-ranges]: Forbidden: may only be used when `type` is 'LoadBalancer'",
				`metadata.annotations[service.beta.kubernetes.io/load-balancer-source-ranges]: Invalid value: "300.0.0.0/8": must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)`,
			},
		},
		{
			name: "allocateLoadBalancerNodePorts outside LoadBalancer",
			pre:  func(s *corev1.Service) { s.Spec.AllocateLoadBalancerNodePorts = ptr(false) },
			want: []string{"spec.allocateLoadBalancerNodePorts: Forbidden: may only be used when `type` is 'LoadBalancer'"},
		},
		{
			name: "allocateLoadBalancerNodePorts required on LoadBalancer",
			pre:  func(s *corev1.Service) { s.Spec.Type = corev1.ServiceTypeLoadBalancer },
			post: func(s *corev1.Service) { s.Spec.AllocateLoadBalancerNodePorts = nil },
			want: []string{"allocateLoadBalancerNodePorts: Required value"},
		},
		{
			name: "loadBalancerClass outside LoadBalancer",
			pre: func(s *corev1.Service) {
				s.Spec.Type = corev1.ServiceTypeNodePort
				s.Spec.LoadBalancerClass = ptr("svcnet.io/l2")
			},
			want: []string{"spec.loadBalancerClass: Forbidden: may only be used when `type` is 'LoadBalancer'"},
		},
		{
			name: "externalTrafficPolicy on an internal service",
			pre:  func(s *corev1.Service) { s.Spec.ExternalTrafficPolicy = corev1.ServiceExternalTrafficPolicyLocal },
			want: []string{`spec.externalTrafficPolicy: Invalid value: "Local": may only be set for externally-accessible services`},
		},
		{
			name: "unsupported externalTrafficPolicy",
			pre: func(s *corev1.Service) {
				s.Spec.Type = corev1.ServiceTypeNodePort
				s.Spec.ExternalTrafficPolicy = "Global"
			},
			want: []string{`spec.externalTrafficPolicy: Unsupported value: "Global": supported values: "Cluster", "Local"`},
		},
		{
			name: "externalTrafficPolicy required on NodePort",
			pre:  func(s *corev1.Service) { s.Spec.Type = corev1.ServiceTypeNodePort },
			post: func(s *corev1.Service) { s.Spec.ExternalTrafficPolicy = "" },
			want: []string{"spec.externalTrafficPolicy: Required value"},
		},
		{
			name: "healthCheckNodePort without Local LoadBalancer",
			pre:  func(s *corev1.Service) { s.Spec.Type = corev1.ServiceTypeNodePort; s.Spec.HealthCheckNodePort = 32000 },
			want: []string{"spec.healthCheckNodePort: Invalid value: 32000: may only be set when `type` is 'LoadBalancer' and `externalTrafficPolicy` is 'Local'"},
		},
		{
			name: "healthCheckNodePort required and in range",
			pre: func(s *corev1.Service) {
				s.Spec.Type = corev1.ServiceTypeLoadBalancer
				s.Spec.ExternalTrafficPolicy = corev1.ServiceExternalTrafficPolicyLocal
				s.Spec.HealthCheckNodePort = 70000
			},
			want: []string{"spec.healthCheckNodePort: Invalid value: 70000: must be between 1 and 65535, inclusive"},
		},
		{
			name: "unsupported internalTrafficPolicy",
			pre: func(s *corev1.Service) {
				s.Spec.InternalTrafficPolicy = ptr(corev1.ServiceInternalTrafficPolicy("Node"))
			},
			want: []string{`spec.internalTrafficPolicy: Unsupported value: "Node": supported values: "Cluster", "Local"`},
		},
		{
			name: "internalTrafficPolicy required",
			post: func(s *corev1.Service) { s.Spec.InternalTrafficPolicy = nil },
			want: []string{"spec.internalTrafficPolicy: Required value"},
		},
		{
			name: "unsupported trafficDistribution",
			pre:  func(s *corev1.Service) { s.Spec.TrafficDistribution = ptr("Nearest") },
			want: []string{`spec.trafficDistribution: Unsupported value: "Nearest": supported values: "PreferClose", "PreferSameZone", "PreferSameNode"`},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			svc := newService(tc.pre)
			if tc.post != nil {
				tc.post(svc)
			}
			checkErrors(t, ValidateService(svc), tc.want)
		})
	}
}

func TestValidateServiceFamiliesForCluster(t *testing.T) {
	v4 := []corev1.IPFamily{corev1.IPv4Protocol}
	tests := []struct {
		name     string
		pre      func(*corev1.Service)
		families []corev1.IPFamily
		want     []string
	}{
		{name: "IPv4 service on IPv4 cluster", families: v4},
		{
			name:     "IPv6 clusterIP on IPv4 cluster",
			pre:      func(s *corev1.Service) { s.Spec.ClusterIP = "fd00::10" },
			families: v4,
			want:     []string{`spec.clusterIPs[0]: Invalid value: ["fd00::10"]: IPv6 is not configured on this cluster`},
		},
		{
			name:     "IPv6 family on IPv4 cluster",
			pre:      func(s *corev1.Service) { s.Spec.IPFamilies = []corev1.IPFamily{corev1.IPv6Protocol} },
			families: v4,
			want:     []string{`spec.ipFamilies[0]: Invalid value: "IPv6": not configured on this cluster`},
		},
		{
			name:     "RequireDualStack on single-stack cluster",
			pre:      func(s *corev1.Service) { s.Spec.IPFamilyPolicy = ptr(corev1.IPFamilyPolicyRequireDualStack) },
			families: v4,
			want:     []string{`spec.ipFamilyPolicy: Invalid value: "RequireDualStack": this cluster is not configured for dual-stack services`},
		},
		{
			name:     "headless without selector may be dual-stack anywhere",
			pre:      func(s *corev1.Service) { s.Spec.ClusterIP = corev1.ClusterIPNone; s.Spec.Selector = nil },
			families: v4,
		},
		{
			name:     "RequireDualStack on dual-stack cluster",
			pre:      func(s *corev1.Service) { s.Spec.IPFamilyPolicy = ptr(corev1.IPFamilyPolicyRequireDualStack) },
			families: []corev1.IPFamily{corev1.IPv4Protocol, corev1.IPv6Protocol},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			svc := newService(tc.pre)
			checkErrors(t, ValidateService(svc), nil)
			checkErrors(t, ValidateServiceFamiliesForCluster(svc, tc.families), tc.want)
		})
	}
}
