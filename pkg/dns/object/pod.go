package object

import (
	"net/netip"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"
)

// Pod is the part of a core/v1 Pod that pod records
// (a-b-c-d.<ns>.pod.<zone>) need.
type Pod struct {
	*noMeta

	// Namespace and Name identify the Pod.
	Namespace, Name string
	// IPs are the pod's IPs. They are empty while the pod has none, once
	// it has finished (Succeeded or Failed) and once it is being deleted,
	// because its IPs may then already belong to another pod.
	IPs []netip.Addr
}

// ToPod trims an API Pod.
func ToPod(p *corev1.Pod) *Pod {
	out := &Pod{Namespace: intern(p.Namespace), Name: p.Name}
	if p.DeletionTimestamp != nil || p.Status.Phase == corev1.PodSucceeded || p.Status.Phase == corev1.PodFailed {
		return out
	}
	ips := p.Status.PodIPs
	if len(ips) == 0 && p.Status.PodIP != "" {
		ips = []corev1.PodIP{{IP: p.Status.PodIP}}
	}
	for _, ip := range ips {
		if a, err := netip.ParseAddr(ip.IP); err == nil {
			out.IPs = append(out.IPs, a.Unmap())
		}
	}
	return out
}

// GetNamespace implements metav1.Object.
func (p *Pod) GetNamespace() string { return p.Namespace }

// SetNamespace implements metav1.Object.
func (p *Pod) SetNamespace(ns string) { p.Namespace = ns }

// GetName implements metav1.Object.
func (p *Pod) GetName() string { return p.Name }

// SetName implements metav1.Object.
func (p *Pod) SetName(name string) { p.Name = name }

// DeepCopyObject implements runtime.Object.
func (p *Pod) DeepCopyObject() runtime.Object {
	c := *p
	c.IPs = append([]netip.Addr(nil), p.IPs...)
	return &c
}
