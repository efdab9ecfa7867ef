package proxy

import (
	"fmt"
	"runtime"
	"testing"

	v1 "k8s.io/api/core/v1"
	discovery "k8s.io/api/discovery/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/svcnet/svcnet/pkg/proxy/model"
)

// BenchmarkModelMemory measures the heap the proxy keeps for 30,000
// Services with 10 endpoints each: the trimmed Services, the trimmed
// EndpointSlice cache and the merged endpoints, fed through the trackers
// as informer events would be.
func BenchmarkModelMemory(b *testing.B) {
	const services, endpoints = 30000, 10
	for i := 0; i < b.N; i++ {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		scope := model.Scope{Family: model.IPv4}
		p := &Proxier{
			cfg:             Config{NodeName: "node1"},
			serviceChanges:  model.NewServiceTracker(scope),
			endpointChanges: model.NewEndpointSliceTracker(scope),
			services:        map[types.NamespacedName]*model.Service{},
			healthChecked:   map[types.NamespacedName]bool{},
		}
		for s := 0; s < services; s++ {
			svc, es := benchObjects(s, endpoints)
			p.serviceChanges.Update(nil, svc)
			p.endpointChanges.Update(es, false)
		}
		p.applyChanges()
		runtime.GC()
		runtime.ReadMemStats(&after)
		b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/(1<<20), "MiB")
		b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/services, "B/service")
		runtime.KeepAlive(p)
	}
}

func benchObjects(s, endpoints int) (*v1.Service, *discovery.EndpointSlice) {
	name := fmt.Sprintf("svc%d", s)
	ns := fmt.Sprintf("ns%d", s%100)
	ip := fmt.Sprintf("172.30.%d.%d", s/256, s%256)
	svc := &v1.Service{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec: v1.ServiceSpec{Type: v1.ServiceTypeClusterIP, ClusterIP: ip, ClusterIPs: []string{ip},
			Ports: []v1.ServicePort{{Name: "http", Protocol: v1.ProtocolTCP, Port: 80}}},
	}
	proto, port := v1.ProtocolTCP, int32(8080)
	es := &discovery.EndpointSlice{
		ObjectMeta:  metav1.ObjectMeta{Namespace: ns, Name: name + "-x", Labels: map[string]string{discovery.LabelServiceName: name}},
		AddressType: discovery.AddressTypeIPv4,
		Ports:       []discovery.EndpointPort{{Name: ptrTo("http"), Protocol: &proto, Port: &port}},
	}
	for e := 0; e < endpoints; e++ {
		es.Endpoints = append(es.Endpoints, discovery.Endpoint{
			Addresses: []string{fmt.Sprintf("10.%d.%d.%d", 64+e, s/256, s%256)},
			NodeName:  ptrTo(fmt.Sprintf("node%d", e)), Conditions: discovery.EndpointConditions{Ready: ptrTo(true)}})
	}
	return svc, es
}
