package printers

import (
	"fmt"
	"slices"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
)

// serviceColumns: NAME TYPE CLUSTER-IP EXTERNAL-IP PORT(S) AGE, wide SELECTOR.
func serviceColumns() []metav1.TableColumnDefinition {
	spec := corev1.ServiceSpec{}.SwaggerDoc()
	return []metav1.TableColumnDefinition{
		nameColumn(),
		column("Type", typeString, spec["type"]),
		column("Cluster-IP", typeString, spec["clusterIP"]),
		column("External-IP", typeString, spec["externalIPs"]),
		column("Port(s)", typeString, spec["ports"]),
		ageColumn(),
		wideColumn("Selector", typeString, spec["selector"]),
	}
}

func serviceRow(svc *corev1.Service, now time.Time) metav1.TableRow {
	ports := servicePorts(svc.Spec.Ports)
	if ports == "" {
		ports = none
	}
	return metav1.TableRow{Cells: []any{
		svc.Name,
		string(svc.Spec.Type),
		serviceClusterIP(svc),
		serviceExternalIP(svc),
		ports,
		age(svc.CreationTimestamp, now),
		labels.FormatLabels(svc.Spec.Selector),
	}}
}

// serviceClusterIP is the primary cluster IP; "None" for headless Services
// and <none> for ExternalName ones.
func serviceClusterIP(svc *corev1.Service) string {
	if len(svc.Spec.ClusterIPs) > 0 {
		return svc.Spec.ClusterIPs[0]
	}
	// Objects written before clusterIPs existed carry only clusterIP.
	if svc.Spec.ClusterIP != "" {
		return svc.Spec.ClusterIP
	}
	return none
}

// serviceExternalIP is what EXTERNAL-IP shows for each Service type.
func serviceExternalIP(svc *corev1.Service) string {
	switch svc.Spec.Type {
	case corev1.ServiceTypeClusterIP, corev1.ServiceTypeNodePort:
		if len(svc.Spec.ExternalIPs) > 0 {
			return strings.Join(svc.Spec.ExternalIPs, ",")
		}
		return none
	case corev1.ServiceTypeLoadBalancer:
		addrs := loadBalancerAddresses(svc.Status.LoadBalancer)
		addrs = append(addrs, svc.Spec.ExternalIPs...)
		if len(addrs) == 0 {
			return pending
		}
		return strings.Join(addrs, ",")
	case corev1.ServiceTypeExternalName:
		return svc.Spec.ExternalName
	default:
		return unknown
	}
}

// loadBalancerAddresses lists each ingress point's IP, or its hostname when
// it has no IP, sorted and without duplicates.
func loadBalancerAddresses(status corev1.LoadBalancerStatus) []string {
	var addrs []string
	for _, ing := range status.Ingress {
		switch {
		case ing.IP != "":
			addrs = append(addrs, ing.IP)
		case ing.Hostname != "":
			addrs = append(addrs, ing.Hostname)
		}
	}
	slices.Sort(addrs)
	return slices.Compact(addrs)
}

// servicePorts formats ports as "80/TCP" or, with a node port, "80:30080/TCP",
// joined with commas.
func servicePorts(ports []corev1.ServicePort) string {
	parts := make([]string, len(ports))
	for i, p := range ports {
		if p.NodePort > 0 {
			parts[i] = fmt.Sprintf("%d:%d/%s", p.Port, p.NodePort, p.Protocol)
		} else {
			parts[i] = fmt.Sprintf("%d/%s", p.Port, p.Protocol)
		}
	}
	return strings.Join(parts, ",")
}
