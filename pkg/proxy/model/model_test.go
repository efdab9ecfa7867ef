package model

import (
	"fmt"
	"testing"
	"time"

	v1 "k8s.io/api/core/v1"
	discovery "k8s.io/api/discovery/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
)

func svc(mutate ...func(*v1.Service)) *v1.Service {
	s := &v1.Service{
		ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "web"},
		Spec: v1.ServiceSpec{Type: v1.ServiceTypeClusterIP, ClusterIP: "172.30.0.1", ClusterIPs: []string{"172.30.0.1", "fd00::1"},
			Ports: []v1.ServicePort{{Name: "http", Protocol: v1.ProtocolTCP, Port: 80, NodePort: 30080}}},
	}
	for _, m := range mutate {
		m(s)
	}
	return s
}

func TestServicePorts(t *testing.T) {
	local := v1.ServiceInternalTrafficPolicyLocal
	tests := []struct {
		name  string
		scope Scope
		svc   *v1.Service
		want  string
	}{
		{"clusterIP", Scope{}, svc(), "ns/web:http/TCP 172.30.0.1:80 np=0"},
		{"IPv6 family", Scope{Family: IPv6}, svc(), "ns/web:http/TCP fd00::1:80 np=0"},
		{"headless", Scope{}, svc(func(s *v1.Service) { s.Spec.ClusterIP, s.Spec.ClusterIPs = "None", nil }), ""},
		{"ExternalName", Scope{}, svc(func(s *v1.Service) { s.Spec.Type = v1.ServiceTypeExternalName }), ""},
		{"other proxy", Scope{}, svc(func(s *v1.Service) { s.Labels = map[string]string{ProxyNameLabel: "x"} }), ""},
		{"this proxy", Scope{ProxyName: "x"}, svc(func(s *v1.Service) { s.Labels = map[string]string{ProxyNameLabel: "x"} }), "ns/web:http/TCP 172.30.0.1:80 np=0"},
		{"NodePort", Scope{}, svc(func(s *v1.Service) { s.Spec.Type = v1.ServiceTypeNodePort }), "ns/web:http/TCP 172.30.0.1:80 np=30080"},
		{"unsupported protocol skipped", Scope{}, svc(func(s *v1.Service) { s.Spec.Ports[0].Protocol = "ICMP" }), ""},
		{"ETP Local on ClusterIP is ignored", Scope{}, svc(func(s *v1.Service) { s.Spec.ExternalTrafficPolicy = v1.ServiceExternalTrafficPolicyLocal }),
			"ns/web:http/TCP 172.30.0.1:80 np=0"},
		{"ETP Local on NodePort", Scope{}, svc(func(s *v1.Service) {
			s.Spec.Type, s.Spec.ExternalTrafficPolicy = v1.ServiceTypeNodePort, v1.ServiceExternalTrafficPolicyLocal
		}), "ns/web:http/TCP 172.30.0.1:80 np=30080 etp=local"},
		{"ITP Local", Scope{}, svc(func(s *v1.Service) { s.Spec.InternalTrafficPolicy = &local }), "ns/web:http/TCP 172.30.0.1:80 np=0 itp=local"},
		{"affinity default timeout", Scope{}, svc(func(s *v1.Service) { s.Spec.SessionAffinity = v1.ServiceAffinityClientIP }),
			"ns/web:http/TCP 172.30.0.1:80 np=0 affinity=3h0m0s"},
		{"LB ingress without Proxy ipMode", Scope{}, svc(func(s *v1.Service) {
			proxy := v1.LoadBalancerIPModeProxy
			s.Spec.Type = v1.ServiceTypeLoadBalancer
			s.Status.LoadBalancer.Ingress = []v1.LoadBalancerIngress{{IP: "5.6.7.8"}, {IP: "5.6.7.9", IPMode: &proxy}}
		}), "ns/web:http/TCP 172.30.0.1:80 np=30080 lb=[5.6.7.8]"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var got string
			for _, p := range tc.scope.ServicePorts(tc.svc) {
				got = describe(p)
			}
			if got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

func describe(p *ServicePort) string {
	s := fmt.Sprintf("%s %s np=%d", p.Name, netipJoin(p.ClusterIP.String(), p.Port), p.NodePort)
	if p.ExternalLocal {
		s += " etp=local"
	}
	if p.InternalLocal {
		s += " itp=local"
	}
	if p.AffinityTimeout > 0 {
		s += " affinity=" + p.AffinityTimeout.String()
	}
	if len(p.LoadBalancerIPs) > 0 {
		s += fmt.Sprintf(" lb=%v", p.LoadBalancerIPs)
	}
	return s
}

func netipJoin(ip string, port uint16) string { return fmt.Sprintf("%s:%d", ip, port) }

func slice(name string, eps ...discovery.Endpoint) *discovery.EndpointSlice {
	port, proto, pname := int32(8080), v1.ProtocolTCP, "http"
	return &discovery.EndpointSlice{
		ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: name, Labels: map[string]string{discovery.LabelServiceName: "web"},
			Annotations: map[string]string{v1.EndpointsLastChangeTriggerTime: "2026-01-02T03:04:05Z"}},
		AddressType: discovery.AddressTypeIPv4,
		Ports:       []discovery.EndpointPort{{Name: &pname, Protocol: &proto, Port: &port}},
		Endpoints:   eps,
	}
}

func endpoint(ip string, ready, serving, terminating *bool) discovery.Endpoint {
	node := "node1"
	return discovery.Endpoint{Addresses: []string{ip}, NodeName: &node,
		Conditions: discovery.EndpointConditions{Ready: ready, Serving: serving, Terminating: terminating}}
}

func TestEndpointSliceTracker(t *testing.T) {
	yes, no := ptr(true), ptr(false)
	tr := NewEndpointSliceTracker(Scope{})
	name := types.NamespacedName{Namespace: "ns", Name: "web"}
	if !tr.Update(slice("a", endpoint("10.0.0.2", nil, nil, nil), endpoint("10.0.0.1", no, yes, yes)), false) {
		t.Fatal("first slice should be a change")
	}
	if !tr.Update(slice("b", endpoint("10.0.0.2", no, no, nil), endpoint("10.0.0.3", no, no, nil)), false) {
		t.Fatal("second slice should be a change")
	}
	if tr.Update(slice("b", endpoint("10.0.0.2", no, no, nil), endpoint("10.0.0.3", no, no, nil)), false) {
		t.Error("an identical slice is no change")
	}
	got := tr.Checkout()[name]
	eps := got.Endpoints[PortKey{Name: "http", Protocol: v1.ProtocolTCP}]
	want := "10.0.0.1:8080 ready=false serving=true terminating=true; 10.0.0.2:8080 ready=true serving=true terminating=false; 10.0.0.3:8080 ready=false serving=false terminating=false; "
	var s string
	for _, e := range eps {
		s += fmt.Sprintf("%s ready=%v serving=%v terminating=%v; ", e.Addr, e.Ready, e.Serving, e.Terminating)
	}
	if s != want {
		t.Errorf("merged endpoints:\n got %s\nwant %s", s, want)
	}
	if len(got.TriggerTimes) != 2 || !got.TriggerTimes[0].Equal(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)) {
		t.Errorf("trigger times %v", got.TriggerTimes)
	}
	sel := Select(eps, "node1")
	if len(sel.Cluster) != 1 || sel.Cluster[0].Addr.String() != "10.0.0.2:8080" {
		t.Errorf("ready endpoints win: %v", sel.Cluster)
	}
	tr.Update(slice("a"), true)
	tr.Update(slice("b"), true)
	if got := tr.Checkout()[name]; len(got.Endpoints) != 0 {
		t.Errorf("all slices gone: %v", got.Endpoints)
	}
	if tr.Pending() {
		t.Error("nothing should be pending")
	}
}

func TestServiceTrackerIgnoresIrrelevantUpdates(t *testing.T) {
	tr := NewServiceTracker(Scope{})
	a := svc()
	b := svc(func(s *v1.Service) { s.Annotations = map[string]string{"x": "y"} })
	if tr.Update(a, b) {
		t.Error("an annotation change should not need a sync")
	}
	if !tr.Update(nil, a) || !tr.Pending() {
		t.Error("an add is a change")
	}
	if got := tr.Checkout(); len(got) != 1 || tr.Pending() {
		t.Errorf("checkout %v", got)
	}
}

func ptr[T any](v T) *T { return &v }
