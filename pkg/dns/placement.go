package dns

import (
	"context"
	"fmt"
	"net/netip"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
)

// Placement of cluster DNS: the kube-dns Service (kube-system, the tenth
// address of the service CIDR, internalTrafficPolicy Local, created by the
// API server at bootstrap) has no selector; every node's agent publishes an
// EndpointSlice naming its own DNS server, so the proxy sends each pod's
// queries to its own node.
const (
	// KubeDNSService is the Service pods' resolv.conf points at.
	KubeDNSService = "kube-dns"
	// KubeDNSNamespace holds it.
	KubeDNSNamespace = "kube-system"
	// NodeSliceManagedBy marks the per-node slices.
	NodeSliceManagedBy = "svcnet-agent"
)

// PublishNodeEndpoint creates or updates the EndpointSlice that names this
// node's DNS server (nodeIP, port 53 UDP and TCP) as a kube-dns endpoint.
func PublishNodeEndpoint(ctx context.Context, client kubernetes.Interface, nodeName string, nodeIP netip.Addr) error {
	ready := true
	port := int32(53)
	metricsPort := int32(9153)
	udp, tcp := corev1.ProtocolUDP, corev1.ProtocolTCP
	names := []string{"dns", "dns-tcp", "metrics"}
	slice := &discoveryv1.EndpointSlice{
		ObjectMeta: metav1.ObjectMeta{Name: KubeDNSService + "-" + nodeName, Namespace: KubeDNSNamespace,
			Labels: map[string]string{discoveryv1.LabelServiceName: KubeDNSService, discoveryv1.LabelManagedBy: NodeSliceManagedBy}},
		AddressType: discoveryv1.AddressTypeIPv4,
		Endpoints: []discoveryv1.Endpoint{{Addresses: []string{nodeIP.String()}, NodeName: &nodeName,
			Conditions: discoveryv1.EndpointConditions{Ready: &ready, Serving: &ready}}},
		Ports: []discoveryv1.EndpointPort{
			{Name: &names[0], Port: &port, Protocol: &udp},
			{Name: &names[1], Port: &port, Protocol: &tcp},
			{Name: &names[2], Port: &metricsPort, Protocol: &tcp},
		},
	}
	slices := client.DiscoveryV1().EndpointSlices(KubeDNSNamespace)
	cur, err := slices.Get(ctx, slice.Name, metav1.GetOptions{})
	switch {
	case apierrors.IsNotFound(err):
		_, err = slices.Create(ctx, slice, metav1.CreateOptions{})
	case err == nil:
		cur.Labels, cur.AddressType, cur.Endpoints, cur.Ports = slice.Labels, slice.AddressType, slice.Endpoints, slice.Ports
		_, err = slices.Update(ctx, cur, metav1.UpdateOptions{})
	}
	if err != nil {
		return fmt.Errorf("publishing %s's DNS endpoint: %w", nodeName, err)
	}
	return nil
}
