package nftables

import (
	"testing"
	"time"

	v1 "k8s.io/api/core/v1"

	"github.com/svcnet/svcnet/pkg/proxy/model"
)

// flowServices is the cluster of the packet-flow tests.
func flowServices() []*model.Service {
	two := func() []*model.Endpoint {
		return []*model.Endpoint{ep("10.180.0.1:8080", "node1"), ep("10.180.1.1:8080", "node2")}
	}
	return []*model.Service{
		// A plain ClusterIP Service with one local and one remote pod.
		service("ns1", "cip", "172.30.0.41", two()),
		// NodePort 3001, policy Cluster.
		service("ns2", "np", "172.30.0.42", two(), nodePort(3001)),
		// LoadBalancer with source ranges.
		service("ns3", "lb", "172.30.0.43", two(), nodePort(3003), lbIP("5.6.7.8"), sourceRange("203.0.113.0/25")),
		// LoadBalancer, externalTrafficPolicy Local, one local pod.
		service("ns4", "etp-local", "172.30.0.44", two(), nodePort(3004), lbIP("5.6.7.9"), externalLocal(), healthCheckPort(30000)),
		// Same, but no pod on this node.
		service("ns4", "etp-remote", "172.30.0.45", []*model.Endpoint{ep("10.180.1.2:80", "node2")},
			nodePort(3005), lbIP("5.6.7.10"), externalLocal()),
		// internalTrafficPolicy Local, one local pod, and one without.
		service("ns5", "itp-local", "172.30.0.46", two(), internalLocal()),
		service("ns5", "itp-remote", "172.30.0.47", []*model.Endpoint{ep("10.180.1.3:80", "node2")}, internalLocal()),
		// No endpoints at all, with a NodePort.
		service("ns6", "empty", "172.30.0.48", nil, nodePort(3008)),
		// Endpoints all terminating but serving; and a mix.
		service("ns7", "term", "172.30.0.49", []*model.Endpoint{ep("10.180.0.5:80", "node1", "terminating")}),
		service("ns7", "mixed", "172.30.0.50", []*model.Endpoint{
			ep("10.180.0.6:80", "node1", "terminating"), ep("10.180.0.7:80", "node1"), ep("10.180.0.8:80", "node1", "notready")}),
		// Session affinity.
		service("ns8", "sticky", "172.30.0.51", two(), affinity(3*time.Hour)),
		// External IP, UDP, SCTP.
		service("ns9", "eip", "172.30.0.52", two(), externalIP("192.168.99.1")),
		service("ns9", "dns", "172.30.0.53", []*model.Endpoint{ep("10.180.0.9:53", "node1")}, protocol(v1.ProtocolUDP), servicePort(53), portName("dns")),
		service("ns9", "sctp", "172.30.0.54", []*model.Endpoint{ep("10.180.1.9:9999", "node2")}, protocol(v1.ProtocolSCTP), servicePort(9999), portName("s")),
	}
}

func TestPacketFlows(t *testing.T) {
	fake := newFake()
	fullSync(t, NewWriter(testCfg), fake, flowServices()...)
	const (
		pod      = "10.180.0.1"  // a pod on this node (also an endpoint)
		otherPod = "10.180.2.7"  // a pod elsewhere, not an endpoint
		outside  = "203.0.113.5" // a client outside the cluster, inside the LB source range
		denied   = "203.0.113.200"
		node     = "192.168.0.2"
	)
	tests := []struct {
		name, src, dst string
		port           uint16
		proto          string
		want           string
	}{
		{"ClusterIP from a pod", otherPod, "172.30.0.41", 80, "tcp", "10.180.0.1:8080, 10.180.1.1:8080"},
		{"ClusterIP from outside the cluster CIDR", outside, "172.30.0.41", 80, "tcp", "10.180.0.1:8080 masq, 10.180.1.1:8080 masq"},
		{"ClusterIP from the node", node, "172.30.0.41", 80, "tcp", "10.180.0.1:8080 masq, 10.180.1.1:8080 masq"},
		{"hairpin: a pod reaching itself", pod, "172.30.0.41", 80, "tcp", "10.180.0.1:8080 masq, 10.180.1.1:8080"},
		{"wrong port on a ClusterIP", otherPod, "172.30.0.41", 81, "tcp", "REJECT"},
		{"wrong protocol on a ClusterIP", otherPod, "172.30.0.41", 80, "udp", "REJECT"},
		{"unallocated IP in the Service CIDR", otherPod, "172.30.9.9", 80, "tcp", "DROP"},
		{"address outside the Service CIDR", otherPod, "8.8.8.8", 53, "udp", "ACCEPT"},
		{"NodePort on the node IP", outside, node, 3001, "tcp", "10.180.0.1:8080 masq, 10.180.1.1:8080 masq"},
		{"NodePort on a non-local IP", outside, "192.168.0.99", 3001, "tcp", "ACCEPT"},
		{"NodePort from the node itself", node, node, 3001, "tcp", "10.180.0.1:8080 masq, 10.180.1.1:8080 masq"},
		{"unused port on the node IP", outside, node, 3999, "tcp", "ACCEPT"},
		{"LB IP from an allowed source", outside, "5.6.7.8", 80, "tcp", "10.180.0.1:8080 masq, 10.180.1.1:8080 masq"},
		{"LB IP from a denied source", denied, "5.6.7.8", 80, "tcp", "DROP"},
		{"NodePort ignores source ranges", denied, node, 3003, "tcp", "10.180.0.1:8080 masq, 10.180.1.1:8080 masq"},
		{"ETP Local: LB IP from outside keeps the client IP", outside, "5.6.7.9", 80, "tcp", "10.180.0.1:8080"},
		{"ETP Local: NodePort from outside", outside, node, 3004, "tcp", "10.180.0.1:8080"},
		{"ETP Local: pods short-circuit to all endpoints", otherPod, "5.6.7.9", 80, "tcp", "10.180.0.1:8080, 10.180.1.1:8080"},
		{"ETP Local: the node short-circuits, masqueraded", node, "5.6.7.9", 80, "tcp", "10.180.0.1:8080 masq, 10.180.1.1:8080 masq"},
		{"ETP Local: ClusterIP still uses all endpoints", otherPod, "172.30.0.44", 80, "tcp", "10.180.0.1:8080, 10.180.1.1:8080"},
		{"ETP Local without local endpoints: LB IP dropped", outside, "5.6.7.10", 80, "tcp", "DROP"},
		{"ETP Local without local endpoints: NodePort dropped", outside, node, 3005, "tcp", "DROP"},
		{"ETP Local without local endpoints: pods still served", otherPod, "5.6.7.10", 80, "tcp", "10.180.1.2:80"},
		{"ITP Local: only the local endpoint", otherPod, "172.30.0.46", 80, "tcp", "10.180.0.1:8080"},
		{"ITP Local without local endpoints: dropped", otherPod, "172.30.0.47", 80, "tcp", "DROP"},
		{"no endpoints: ClusterIP rejected", otherPod, "172.30.0.48", 80, "tcp", "REJECT"},
		{"no endpoints: NodePort rejected", outside, node, 3008, "tcp", "REJECT"},
		{"no endpoints: rejected from the node too", node, "172.30.0.48", 80, "tcp", "REJECT"},
		{"only terminating endpoints: used as fallback", otherPod, "172.30.0.49", 80, "tcp", "10.180.0.5:80"},
		{"ready endpoints win over terminating ones", otherPod, "172.30.0.50", 80, "tcp", "10.180.0.7:80"},
		{"session affinity: first connection may go anywhere", otherPod, "172.30.0.51", 80, "tcp", "10.180.0.1:8080, 10.180.1.1:8080"},
		{"external IP from outside", outside, "192.168.99.1", 80, "tcp", "10.180.0.1:8080 masq, 10.180.1.1:8080 masq"},
		{"UDP ClusterIP", otherPod, "172.30.0.53", 53, "udp", "10.180.0.9:53"},
		{"SCTP ClusterIP", otherPod, "172.30.0.54", 9999, "sctp", "10.180.1.9:9999"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res := trace(t, fake, tc.src, tc.dst, tc.port, tc.proto)
			if got := res.String(); got != tc.want {
				t.Errorf("%s -> %s:%d/%s = %q, want %q\n%s", tc.src, tc.dst, tc.port, tc.proto, got, tc.want, res.Explain())
			}
		})
	}
}
