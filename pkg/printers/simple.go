package printers

import (
	"strings"
	"time"

	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	networkingv1beta1 "k8s.io/api/networking/v1beta1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// namespaceColumns: NAME STATUS AGE.
func namespaceColumns() []metav1.TableColumnDefinition {
	return []metav1.TableColumnDefinition{
		nameColumn(),
		column("Status", typeString, "The status of the namespace"),
		ageColumn(),
	}
}

func namespaceRow(ns *corev1.Namespace, now time.Time) metav1.TableRow {
	return metav1.TableRow{Cells: []any{ns.Name, string(ns.Status.Phase), age(ns.CreationTimestamp, now)}}
}

// configMapColumns: NAME DATA AGE.
func configMapColumns() []metav1.TableColumnDefinition {
	return []metav1.TableColumnDefinition{
		nameColumn(),
		column("Data", typeString, corev1.ConfigMap{}.SwaggerDoc()["data"]),
		ageColumn(),
	}
}

// configMapRow counts text and binary keys together in DATA.
func configMapRow(cm *corev1.ConfigMap, now time.Time) metav1.TableRow {
	return metav1.TableRow{Cells: []any{cm.Name, int64(len(cm.Data) + len(cm.BinaryData)), age(cm.CreationTimestamp, now)}}
}

// leaseColumns: NAME HOLDER AGE.
func leaseColumns() []metav1.TableColumnDefinition {
	return []metav1.TableColumnDefinition{
		nameColumn(),
		column("Holder", typeString, coordinationv1.LeaseSpec{}.SwaggerDoc()["holderIdentity"]),
		ageColumn(),
	}
}

// leaseRow leaves HOLDER empty for a Lease nobody holds.
func leaseRow(l *coordinationv1.Lease, now time.Time) metav1.TableRow {
	return metav1.TableRow{Cells: []any{l.Name, deref(l.Spec.HolderIdentity), age(l.CreationTimestamp, now)}}
}

// serviceCIDRColumns: NAME CIDRS AGE.
func serviceCIDRColumns() []metav1.TableColumnDefinition {
	// kube-apiserver describes these columns with the v1beta1 field docs.
	return []metav1.TableColumnDefinition{
		nameColumn(),
		column("CIDRs", typeString, networkingv1beta1.ServiceCIDRSpec{}.SwaggerDoc()["cidrs"]),
		ageColumn(),
	}
}

func serviceCIDRRow(c *networkingv1.ServiceCIDR, now time.Time) metav1.TableRow {
	return metav1.TableRow{Cells: []any{c.Name, strings.Join(c.Spec.CIDRs, ","), age(c.CreationTimestamp, now)}}
}

// ipAddressColumns: NAME PARENTREF. kube-apiserver prints no AGE for
// IPAddresses.
func ipAddressColumns() []metav1.TableColumnDefinition {
	return []metav1.TableColumnDefinition{
		nameColumn(),
		column("ParentRef", typeString, networkingv1beta1.IPAddressSpec{}.SwaggerDoc()["parentRef"]),
	}
}

func ipAddressRow(ip *networkingv1.IPAddress, _ time.Time) metav1.TableRow {
	return metav1.TableRow{Cells: []any{ip.Name, ipAddressParent(ip.Spec.ParentRef)}}
}

// ipAddressParent names the owner of an IP as resource[.group]/[namespace/]name,
// as in "services/default/kubernetes", or <none>.
func ipAddressParent(ref *networkingv1.ParentReference) string {
	if ref == nil {
		return none
	}
	gr := schema.GroupResource{Group: ref.Group, Resource: ref.Resource}
	s := strings.ToLower(gr.String())
	if ref.Namespace != "" {
		s += "/" + ref.Namespace
	}
	return s + "/" + ref.Name
}
