package printers

import (
	"net"
	"strconv"
	"time"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	discoveryv1beta1 "k8s.io/api/discovery/v1beta1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// endpointsColumns: NAME ENDPOINTS AGE.
func endpointsColumns() []metav1.TableColumnDefinition {
	return []metav1.TableColumnDefinition{
		nameColumn(),
		column("Endpoints", typeString, corev1.Endpoints{}.SwaggerDoc()["subsets"]),
		ageColumn(),
	}
}

func endpointsRow(ep *corev1.Endpoints, now time.Time) metav1.TableRow {
	return metav1.TableRow{Cells: []any{ep.Name, endpointsAddresses(ep), age(ep.CreationTimestamp, now)}}
}

// endpointsAddresses lists ip:port for every ready address and port, as in
// "10.244.1.4:80,10.244.2.3:80", the first three only. A subset without
// ports (a headless Service without ports) lists bare IPs.
func endpointsAddresses(ep *corev1.Endpoints) string {
	if len(ep.Subsets) == 0 {
		return none
	}
	var list truncatedList
	for _, ss := range ep.Subsets {
		if len(ss.Ports) == 0 {
			for _, addr := range ss.Addresses {
				list.add(addr.IP)
			}
			continue
		}
		for _, port := range ss.Ports {
			for _, addr := range ss.Addresses {
				list.add(net.JoinHostPort(addr.IP, strconv.Itoa(int(port.Port))))
			}
		}
	}
	return list.String()
}

// endpointSliceColumns: NAME ADDRESSTYPE PORTS ENDPOINTS AGE.
func endpointSliceColumns() []metav1.TableColumnDefinition {
	// kube-apiserver describes these columns with the v1beta1 field docs.
	doc := discoveryv1beta1.EndpointSlice{}.SwaggerDoc()
	return []metav1.TableColumnDefinition{
		nameColumn(),
		column("AddressType", typeString, doc["addressType"]),
		column("Ports", typeString, doc["ports"]),
		column("Endpoints", typeString, doc["endpoints"]),
		ageColumn(),
	}
}

func endpointSliceRow(slice *discoveryv1.EndpointSlice, now time.Time) metav1.TableRow {
	return metav1.TableRow{Cells: []any{
		slice.Name,
		string(slice.AddressType),
		endpointSlicePorts(slice.Ports),
		endpointSliceAddresses(slice.Endpoints),
		age(slice.CreationTimestamp, now),
	}}
}

// endpointSlicePorts lists the port numbers (a port's name when it has no
// number, "*" when it has neither), or <unset>.
func endpointSlicePorts(ports []discoveryv1.EndpointPort) string {
	var list truncatedList
	for _, p := range ports {
		switch {
		case p.Port != nil:
			list.add(strconv.Itoa(int(*p.Port)))
		case p.Name != nil:
			list.add(*p.Name)
		default:
			list.add("*")
		}
	}
	return orUnset(list.String())
}

// endpointSliceAddresses lists every endpoint's addresses, ready or not, or
// <unset>.
func endpointSliceAddresses(endpoints []discoveryv1.Endpoint) string {
	var list truncatedList
	for _, ep := range endpoints {
		for _, addr := range ep.Addresses {
			list.add(addr)
		}
	}
	return orUnset(list.String())
}

// orUnset returns s, or <unset> when s is empty.
func orUnset(s string) string {
	if s == "" {
		return unset
	}
	return s
}
