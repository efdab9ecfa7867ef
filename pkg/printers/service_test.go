package printers

import (
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
)

func svc(name string, created time.Duration, spec corev1.ServiceSpec) corev1.Service {
	return corev1.Service{ObjectMeta: objMeta(name, created), Spec: spec}
}

func tcp(port, nodePort int32) corev1.ServicePort {
	return corev1.ServicePort{Port: port, NodePort: nodePort, Protocol: corev1.ProtocolTCP}
}

func clusterIP(ip string, ports ...corev1.ServicePort) corev1.ServiceSpec {
	return corev1.ServiceSpec{Type: corev1.ServiceTypeClusterIP, ClusterIP: ip, ClusterIPs: []string{ip}, Ports: ports}
}

func TestServiceGolden(t *testing.T) {
	kubernetes := svc("kubernetes", 9*24*time.Hour, clusterIP("10.96.0.1", tcp(443, 0)))
	nodePort := svc("my-service", 27*time.Minute, clusterIP("10.108.184.82", tcp(80, 32214)))
	nodePort.Spec.Type = corev1.ServiceTypeNodePort
	nodePort.Spec.Selector = map[string]string{"name": "xander"}

	tests := []struct {
		name string
		list *corev1.ServiceList
		wide bool
		want string
	}{
		{
			name: "cluster IP services",
			list: &corev1.ServiceList{Items: []corev1.Service{
				kubernetes,
				svc("my-service", 71*time.Second, clusterIP("10.108.184.82", tcp(80, 0))),
			}},
			want: lines(
				"NAME         TYPE        CLUSTER-IP      EXTERNAL-IP   PORT(S)   AGE",
				"kubernetes   ClusterIP   10.96.0.1       <none>        443/TCP   9d",
				"my-service   ClusterIP   10.108.184.82   <none>        80/TCP    71s",
			),
		},
		{
			name: "node port service",
			list: &corev1.ServiceList{Items: []corev1.Service{kubernetes, nodePort}},
			want: lines(
				"NAME         TYPE        CLUSTER-IP      EXTERNAL-IP   PORT(S)        AGE",
				"kubernetes   ClusterIP   10.96.0.1       <none>        443/TCP        9d",
				"my-service   NodePort    10.108.184.82   <none>        80:32214/TCP   27m",
			),
		},
		{
			name: "wide adds the selector",
			list: &corev1.ServiceList{Items: []corev1.Service{kubernetes, nodePort}},
			wide: true,
			want: lines(
				"NAME         TYPE        CLUSTER-IP      EXTERNAL-IP   PORT(S)        AGE   SELECTOR",
				"kubernetes   ClusterIP   10.96.0.1       <none>        443/TCP        9d    <none>",
				"my-service   NodePort    10.108.184.82   <none>        80:32214/TCP   27m   name=xander",
			),
		},
		{
			name: "single service",
			list: &corev1.ServiceList{Items: []corev1.Service{
				svc("nginx-service", 6*time.Second, clusterIP("10.99.122.67", tcp(80, 0))),
			}},
			want: lines(
				"NAME            TYPE        CLUSTER-IP     EXTERNAL-IP   PORT(S)   AGE",
				"nginx-service   ClusterIP   10.99.122.67   <none>        80/TCP    6s",
			),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkRender(t, tt.list, tt.wide, tt.want)
			if len(tt.list.Items) == 1 {
				checkRender(t, &tt.list.Items[0], tt.wide, tt.want)
			}
		})
	}
}

func TestServiceCells(t *testing.T) {
	lb := func(ingress []corev1.LoadBalancerIngress, externalIPs ...string) corev1.Service {
		s := svc("web", time.Hour, clusterIP("10.96.5.5", tcp(80, 31000)))
		s.Spec.Type = corev1.ServiceTypeLoadBalancer
		s.Spec.ExternalIPs = externalIPs
		s.Status.LoadBalancer.Ingress = ingress
		return s
	}
	tests := []struct {
		name string
		svc  corev1.Service
		want map[string]any
	}{
		{
			name: "headless",
			svc:  svc("db", time.Hour, clusterIP(corev1.ClusterIPNone, tcp(5432, 0))),
			want: map[string]any{"TYPE": "ClusterIP", "CLUSTER-IP": "None", "EXTERNAL-IP": "<none>", "PORT(S)": "5432/TCP"},
		},
		{
			name: "external name",
			svc:  svc("ext", time.Hour, corev1.ServiceSpec{Type: corev1.ServiceTypeExternalName, ExternalName: "example.com"}),
			want: map[string]any{"TYPE": "ExternalName", "CLUSTER-IP": "<none>", "EXTERNAL-IP": "example.com", "PORT(S)": "<none>"},
		},
		{
			name: "load balancer without ingress is pending",
			svc:  lb(nil),
			want: map[string]any{"TYPE": "LoadBalancer", "EXTERNAL-IP": "<pending>", "PORT(S)": "80:31000/TCP"},
		},
		{
			name: "load balancer ingress is sorted and deduplicated, hostnames stand in for IPs",
			svc: lb([]corev1.LoadBalancerIngress{
				{IP: "203.0.113.9"}, {Hostname: "lb.example.com"}, {IP: "203.0.113.1", Hostname: "ignored.example.com"}, {IP: "203.0.113.9"},
			}),
			want: map[string]any{"EXTERNAL-IP": "203.0.113.1,203.0.113.9,lb.example.com"},
		},
		{
			name: "load balancer external IPs follow the ingress",
			svc:  lb([]corev1.LoadBalancerIngress{{IP: "203.0.113.7"}}, "192.0.2.50"),
			want: map[string]any{"EXTERNAL-IP": "203.0.113.7,192.0.2.50"},
		},
		{
			name: "load balancer with only external IPs is not pending",
			svc:  lb(nil, "192.0.2.50"),
			want: map[string]any{"EXTERNAL-IP": "192.0.2.50"},
		},
		{
			name: "cluster IP with external IPs",
			svc: func() corev1.Service {
				s := svc("web", time.Hour, clusterIP("10.96.5.5", tcp(80, 0)))
				s.Spec.ExternalIPs = []string{"192.0.2.10", "192.0.2.11"}
				return s
			}(),
			want: map[string]any{"EXTERNAL-IP": "192.0.2.10,192.0.2.11"},
		},
		{
			name: "several ports and protocols",
			svc: svc("dns", time.Hour, clusterIP("10.96.0.10",
				corev1.ServicePort{Port: 53, Protocol: corev1.ProtocolUDP},
				corev1.ServicePort{Port: 53, Protocol: corev1.ProtocolTCP},
				corev1.ServicePort{Port: 9153, Protocol: corev1.ProtocolTCP},
			)),
			want: map[string]any{"PORT(S)": "53/UDP,53/TCP,9153/TCP"},
		},
		{
			name: "cluster IP without clusterIPs",
			svc:  svc("old", time.Hour, corev1.ServiceSpec{Type: corev1.ServiceTypeClusterIP, ClusterIP: "10.96.7.7"}),
			want: map[string]any{"CLUSTER-IP": "10.96.7.7", "PORT(S)": "<none>"},
		},
		{
			name: "selector is sorted",
			svc: func() corev1.Service {
				s := svc("web", time.Hour, clusterIP("10.96.5.5", tcp(80, 0)))
				s.Spec.Selector = map[string]string{"tier": "front", "app": "web"}
				return s
			}(),
			want: map[string]any{"SELECTOR": "app=web,tier=front", "AGE": "60m"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkCells(t, &tt.svc, tt.want)
		})
	}
}
