package printers

import (
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	"k8s.io/utils/ptr"
)

func addrs(ips ...string) []corev1.EndpointAddress {
	out := make([]corev1.EndpointAddress, len(ips))
	for i, ip := range ips {
		out[i].IP = ip
	}
	return out
}

func ports(ps ...int32) []corev1.EndpointPort {
	out := make([]corev1.EndpointPort, len(ps))
	for i, p := range ps {
		out[i] = corev1.EndpointPort{Port: p, Protocol: corev1.ProtocolTCP}
	}
	return out
}

func TestEndpointsCells(t *testing.T) {
	tests := []struct {
		name    string
		subsets []corev1.EndpointSubset
		want    string
	}{
		{"no subsets", nil, "<none>"},
		{"two addresses", []corev1.EndpointSubset{{Addresses: addrs("10.244.1.4", "10.244.2.3"), Ports: ports(80)}}, "10.244.1.4:80,10.244.2.3:80"},
		{"more than three", []corev1.EndpointSubset{{Addresses: addrs("10.0.0.1", "10.0.0.2", "10.0.0.3", "10.0.0.4", "10.0.0.5"), Ports: ports(80)}}, "10.0.0.1:80,10.0.0.2:80,10.0.0.3:80 + 2 more..."},
		{"every port of every address", []corev1.EndpointSubset{{Addresses: addrs("10.0.0.1", "10.0.0.2"), Ports: ports(80, 443)}}, "10.0.0.1:80,10.0.0.2:80,10.0.0.1:443 + 1 more..."},
		{"across subsets", []corev1.EndpointSubset{
			{Addresses: addrs("10.0.0.1"), Ports: ports(80)},
			{Addresses: addrs("10.0.0.2"), Ports: ports(8080)},
		}, "10.0.0.1:80,10.0.0.2:8080"},
		{"headless without ports", []corev1.EndpointSubset{{Addresses: addrs("10.0.0.1", "10.0.0.2")}}, "10.0.0.1,10.0.0.2"},
		{"IPv6", []corev1.EndpointSubset{{Addresses: addrs("fd00::1"), Ports: ports(80)}}, "[fd00::1]:80"},
		{"not-ready addresses are not listed", []corev1.EndpointSubset{{NotReadyAddresses: addrs("10.0.0.9"), Ports: ports(80)}}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ep := &corev1.Endpoints{ObjectMeta: objMeta("web", time.Minute), Subsets: tt.subsets}
			checkCells(t, ep, map[string]any{"NAME": "web", "ENDPOINTS": tt.want, "AGE": "60s"})
		})
	}
}

func TestEndpointsGolden(t *testing.T) {
	list := &corev1.EndpointsList{Items: []corev1.Endpoints{
		{ObjectMeta: objMeta("kubernetes", 9*24*time.Hour), Subsets: []corev1.EndpointSubset{{Addresses: addrs("172.30.1.2"), Ports: ports(6443)}}},
		{ObjectMeta: objMeta("my-service", 71*time.Second), Subsets: []corev1.EndpointSubset{{Addresses: addrs("192.168.1.4", "192.168.0.4"), Ports: ports(80)}}},
		{ObjectMeta: objMeta("no-pods", 5*time.Minute)},
	}}
	checkRender(t, list, false, lines(
		"NAME         ENDPOINTS                       AGE",
		"kubernetes   172.30.1.2:6443                 9d",
		"my-service   192.168.1.4:80,192.168.0.4:80   71s",
		"no-pods      <none>                          5m",
	))
}

func TestEndpointSliceCells(t *testing.T) {
	endpoints := func(groups ...[]string) []discoveryv1.Endpoint {
		out := make([]discoveryv1.Endpoint, len(groups))
		for i, g := range groups {
			out[i].Addresses = g
		}
		return out
	}
	tests := []struct {
		name      string
		ports     []discoveryv1.EndpointPort
		endpoints []discoveryv1.Endpoint
		wantPorts string
		wantEPs   string
	}{
		{"empty", nil, nil, "<unset>", "<unset>"},
		{"one port", []discoveryv1.EndpointPort{{Port: ptr.To[int32](80)}}, endpoints([]string{"10.244.1.4"}, []string{"10.244.2.3"}), "80", "10.244.1.4,10.244.2.3"},
		{"named port without number, and all ports", []discoveryv1.EndpointPort{{Name: ptr.To("http")}, {}}, nil, "http,*", "<unset>"},
		{"truncated", []discoveryv1.EndpointPort{
			{Port: ptr.To[int32](80)}, {Port: ptr.To[int32](443)}, {Port: ptr.To[int32](8080)}, {Port: ptr.To[int32](9090)},
		}, endpoints([]string{"10.0.0.1", "10.0.0.2"}, []string{"10.0.0.3"}, []string{"10.0.0.4"}, []string{"10.0.0.5"}),
			"80,443,8080 + 1 more...", "10.0.0.1,10.0.0.2,10.0.0.3 + 2 more..."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			slice := &discoveryv1.EndpointSlice{ObjectMeta: objMeta("web-abc12", time.Minute), AddressType: discoveryv1.AddressTypeIPv4, Ports: tt.ports, Endpoints: tt.endpoints}
			checkCells(t, slice, map[string]any{"NAME": "web-abc12", "ADDRESSTYPE": "IPv4", "PORTS": tt.wantPorts, "ENDPOINTS": tt.wantEPs, "AGE": "60s"})
		})
	}
}

func TestEndpointSliceGolden(t *testing.T) {
	list := &discoveryv1.EndpointSliceList{Items: []discoveryv1.EndpointSlice{{
		ObjectMeta:  objMeta("my-service-x7k2p", 27*time.Minute),
		AddressType: discoveryv1.AddressTypeIPv4,
		Ports:       []discoveryv1.EndpointPort{{Port: ptr.To[int32](80), Protocol: ptr.To(corev1.ProtocolTCP)}},
		Endpoints:   []discoveryv1.Endpoint{{Addresses: []string{"192.168.1.4"}}, {Addresses: []string{"192.168.0.4"}}},
	}}}
	checkRender(t, list, false, lines(
		"NAME               ADDRESSTYPE   PORTS   ENDPOINTS                 AGE",
		"my-service-x7k2p   IPv4          80      192.168.1.4,192.168.0.4   27m",
	))
}
