package service

import (
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/svcnet/svcnet/pkg/registry/generic"
	"github.com/svcnet/svcnet/pkg/registry/service/allocator"
	"github.com/svcnet/svcnet/pkg/storage"
)

// Storage prefixes of allocation keys.
const (
	// IPAddressPrefix holds one IPAddress object per allocated ClusterIP;
	// it is also the ipaddresses resource's storage prefix.
	IPAddressPrefix = "/registry/ipaddresses"
	// NodePortPrefix holds one raw key per allocated node port.
	NodePortPrefix = "/registry/allocations/nodeports"
	// ManagedByLabel marks IPAddress objects the allocator owns.
	ManagedByLabel = "ipaddress.kubernetes.io/managed-by"
	// ManagedByValue is the allocator's name, as Kubernetes spells it.
	ManagedByValue = "ipallocator.k8s.io"
	// IPFamilyLabel records the IP family of an IPAddress.
	IPFamilyLabel = "ipaddress.kubernetes.io/ip-family"
)

var serviceKind = schema.GroupKind{Kind: "Service"}

// Config configures an Allocator.
type Config struct {
	// ServiceCIDR is the ClusterIP range.
	ServiceCIDR netip.Prefix
	// NodePorts is the node port range.
	NodePorts *allocator.PortRange
	// Store holds the allocation keys.
	Store storage.Store
	// Rand picks candidates; nil seeds a new source.
	Rand *rand.Rand
	// Logger receives repair findings.
	Logger *slog.Logger
	// Now returns the current time; nil means time.Now.
	Now func() time.Time
}

// Allocator implements generic.Hooks for the services resource.
type Allocator struct {
	cidr  netip.Prefix
	store storage.Store
	log   *slog.Logger
	now   func() time.Time

	mu    sync.Mutex
	ips   *allocator.IPRange
	ports *allocator.PortRange
	rng   *rand.Rand
}

var _ generic.Hooks = (*Allocator)(nil)

// NewAllocator returns an Allocator with an empty cache; call Sync before
// serving so that the cache reflects what etcd holds.
func NewAllocator(c Config) (*Allocator, error) {
	if c.Store == nil || c.NodePorts == nil {
		return nil, fmt.Errorf("service allocator: Store and NodePorts are required")
	}
	ips, err := allocator.NewCIDRRange(c.ServiceCIDR)
	if err != nil {
		return nil, err
	}
	ports, err := allocator.NewPortRange(c.NodePorts.Base(), c.NodePorts.Size())
	if err != nil {
		return nil, err
	}
	if c.Rand == nil {
		c.Rand = rand.New(rand.NewPCG(rand.Uint64(), rand.Uint64()))
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	return &Allocator{cidr: c.ServiceCIDR.Masked(), store: c.Store, log: c.Logger, now: c.Now, ips: ips, ports: ports, rng: c.Rand}, nil
}

// CIDR returns the service CIDR.
func (a *Allocator) CIDR() netip.Prefix { return a.cidr }

// PortRange returns the node port range as "base-last".
func (a *Allocator) PortRange() string { return a.ports.String() }

// IPKey returns the storage key of a ClusterIP allocation.
func IPKey(ip netip.Addr) string { return IPAddressPrefix + "/" + ip.String() }

// PortKey returns the storage key of a node port allocation.
func PortKey(port int) string { return NodePortPrefix + "/" + strconv.Itoa(port) }

// needsClusterIP reports whether svc gets a ClusterIP.
func needsClusterIP(svc *corev1.Service) bool {
	return svc.Spec.Type != corev1.ServiceTypeExternalName && svc.Spec.ClusterIP != corev1.ClusterIPNone
}

// needsNodePorts reports whether svc's ports get node ports.
func needsNodePorts(svc *corev1.Service) bool {
	switch svc.Spec.Type {
	case corev1.ServiceTypeNodePort:
		return true
	case corev1.ServiceTypeLoadBalancer:
		return svc.Spec.AllocateLoadBalancerNodePorts == nil || *svc.Spec.AllocateLoadBalancerNodePorts
	}
	return false
}

// needsHealthCheckPort reports whether svc gets a healthCheckNodePort.
func needsHealthCheckPort(svc *corev1.Service) bool {
	return svc.Spec.Type == corev1.ServiceTypeLoadBalancer &&
		svc.Spec.ExternalTrafficPolicy == corev1.ServiceExternalTrafficPolicyLocal
}

// ipAddressObject is the IPAddress that records svc's ClusterIP.
func (a *Allocator) ipAddressObject(ip netip.Addr, svc *corev1.Service) *networkingv1.IPAddress {
	family := "IPv4"
	if ip.Is6() {
		family = "IPv6"
	}
	return &networkingv1.IPAddress{
		ObjectMeta: metav1.ObjectMeta{
			Name: ip.String(), UID: types.UID(uuid.NewString()),
			CreationTimestamp: metav1.NewTime(a.now().Truncate(time.Second)),
			Labels:            map[string]string{IPFamilyLabel: family, ManagedByLabel: ManagedByValue},
		},
		Spec: networkingv1.IPAddressSpec{ParentRef: &networkingv1.ParentReference{
			Resource: "services", Namespace: svc.Namespace, Name: svc.Name,
		}},
	}
}

// portOwner is the value of a node port key.
func portOwner(svc *corev1.Service) []byte { return []byte(svc.Namespace + "/" + svc.Name) }

// allocateClusterIP fills in svc's ClusterIP if it needs one, returning the
// op that records it.
func (a *Allocator) allocateClusterIP(svc *corev1.Service) ([]storage.Op, error) {
	if !needsClusterIP(svc) {
		return nil, nil
	}
	path := field.NewPath("spec", "clusterIPs").Index(0)
	var ip netip.Addr
	if svc.Spec.ClusterIP != "" {
		var err error
		if ip, err = netip.ParseAddr(svc.Spec.ClusterIP); err != nil {
			return nil, apierrors.NewInvalid(serviceKind, svc.Name, field.ErrorList{field.Invalid(path, svc.Spec.ClusterIP, "must be a valid IP address")})
		}
		if !a.ips.Contains(ip) {
			return nil, apierrors.NewInvalid(serviceKind, svc.Name, field.ErrorList{field.Invalid(path, svc.Spec.ClusterIP,
				fmt.Sprintf("failed to allocate IP %s: provided IP is not in the valid range. The range of valid IPs is %s", svc.Spec.ClusterIP, a.cidr))})
		}
	} else {
		a.mu.Lock()
		next, err := a.ips.AllocateNext(a.rng)
		a.mu.Unlock()
		if err != nil {
			return nil, apierrors.NewInternalError(fmt.Errorf("failed to allocate a serviceIP: range is full"))
		}
		ip = next
		svc.Spec.ClusterIP = ip.String()
		svc.Spec.ClusterIPs = []string{ip.String()}
	}
	return []storage.Op{{Type: storage.OpCreate, Key: IPKey(ip), Object: a.ipAddressObject(ip, svc)}}, nil
}

// portRequest is one node port a service asks for.
type portRequest struct {
	port int
	path *field.Path
}

// allocateNodePorts fills in svc's node ports (and health check port),
// returning the ops that record the ports not already in have.
func (a *Allocator) allocateNodePorts(svc *corev1.Service, have map[int]bool) ([]storage.Op, error) {
	var requests []portRequest
	if needsNodePorts(svc) {
		// Ports with the same port number (TCP and UDP of one service) share
		// one node port, as Kubernetes allocates them.
		byPort := map[int32]int32{}
		for i := range svc.Spec.Ports {
			if np := svc.Spec.Ports[i].NodePort; np != 0 {
				byPort[svc.Spec.Ports[i].Port] = np
			}
		}
		for i := range svc.Spec.Ports {
			p := &svc.Spec.Ports[i]
			if p.NodePort == 0 {
				if np, ok := byPort[p.Port]; ok {
					p.NodePort = np
				} else {
					np, err := a.nextPort()
					if err != nil {
						return nil, err
					}
					p.NodePort = int32(np)
					byPort[p.Port] = int32(np)
				}
			}
			requests = append(requests, portRequest{int(p.NodePort), field.NewPath("spec", "ports").Index(i).Child("nodePort")})
		}
	}
	if needsHealthCheckPort(svc) {
		if svc.Spec.HealthCheckNodePort == 0 {
			np, err := a.nextPort()
			if err != nil {
				return nil, err
			}
			svc.Spec.HealthCheckNodePort = int32(np)
		}
		requests = append(requests, portRequest{int(svc.Spec.HealthCheckNodePort), field.NewPath("spec", "healthCheckNodePort")})
	}
	var ops []storage.Op
	seen := map[int]bool{}
	for _, req := range requests {
		if !a.ports.Contains(req.port) {
			return nil, apierrors.NewInvalid(serviceKind, svc.Name, field.ErrorList{field.Invalid(req.path, req.port,
				fmt.Sprintf("provided port is not in the valid range. The range of valid ports is %s", a.ports))})
		}
		if seen[req.port] || have[req.port] {
			continue
		}
		seen[req.port] = true
		ops = append(ops, storage.Op{Type: storage.OpCreate, Key: PortKey(req.port), Value: portOwner(svc)})
	}
	return ops, nil
}

func (a *Allocator) nextPort() (int, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	np, err := a.ports.AllocateNext(a.rng)
	if err != nil {
		return 0, apierrors.NewInternalError(fmt.Errorf("failed to allocate a nodePort: range is full"))
	}
	return np, nil
}

// nodePortsOf returns every node port svc holds.
func nodePortsOf(svc *corev1.Service) map[int]bool {
	out := map[int]bool{}
	for _, p := range svc.Spec.Ports {
		if p.NodePort != 0 {
			out[int(p.NodePort)] = true
		}
	}
	if svc.Spec.HealthCheckNodePort != 0 {
		out[int(svc.Spec.HealthCheckNodePort)] = true
	}
	return out
}

// BeforeCreate implements generic.Hooks.
func (a *Allocator) BeforeCreate(_ context.Context, obj runtime.Object) ([]storage.Op, error) {
	svc := obj.(*corev1.Service)
	ops, err := a.allocateClusterIP(svc)
	if err != nil {
		return nil, err
	}
	portOps, err := a.allocateNodePorts(svc, nil)
	if err != nil {
		return nil, err
	}
	return append(ops, portOps...), nil
}

// BeforeUpdate implements generic.Hooks: it allocates what the new spec
// needs and the old one did not hold, and releases the rest.
func (a *Allocator) BeforeUpdate(_ context.Context, obj, old runtime.Object) ([]storage.Op, error) {
	svc, oldSvc := obj.(*corev1.Service), old.(*corev1.Service)
	var ops []storage.Op
	oldIP := ""
	if needsClusterIP(oldSvc) {
		oldIP = oldSvc.Spec.ClusterIP
	}
	if needsClusterIP(svc) && (svc.Spec.ClusterIP == "" || svc.Spec.ClusterIP != oldIP) {
		ipOps, err := a.allocateClusterIP(svc)
		if err != nil {
			return nil, err
		}
		ops = append(ops, ipOps...)
	}
	if oldIP != "" && (!needsClusterIP(svc) || svc.Spec.ClusterIP != oldIP) {
		ops = append(ops, a.releaseIP(oldIP)...)
	}
	have := nodePortsOf(oldSvc)
	portOps, err := a.allocateNodePorts(svc, have)
	if err != nil {
		return nil, err
	}
	ops = append(ops, portOps...)
	keep := nodePortsOf(svc)
	for port := range have {
		if !keep[port] {
			ops = append(ops, storage.Op{Type: storage.OpDelete, Key: PortKey(port)})
			a.releasePort(port)
		}
	}
	return ops, nil
}

// BeforeDelete implements generic.Hooks: a deleted service releases all.
func (a *Allocator) BeforeDelete(_ context.Context, obj runtime.Object) ([]storage.Op, error) {
	svc := obj.(*corev1.Service)
	var ops []storage.Op
	if needsClusterIP(svc) && svc.Spec.ClusterIP != "" {
		ops = append(ops, a.releaseIP(svc.Spec.ClusterIP)...)
	}
	for port := range nodePortsOf(svc) {
		ops = append(ops, storage.Op{Type: storage.OpDelete, Key: PortKey(port)})
		a.releasePort(port)
	}
	return ops, nil
}

func (a *Allocator) releaseIP(s string) []storage.Op {
	ip, err := netip.ParseAddr(s)
	if err != nil {
		return nil
	}
	a.mu.Lock()
	a.ips.Release(ip)
	a.mu.Unlock()
	return []storage.Op{{Type: storage.OpDelete, Key: IPKey(ip)}}
}

func (a *Allocator) releasePort(port int) {
	a.mu.Lock()
	a.ports.Release(port)
	a.mu.Unlock()
}

// Conflict implements generic.Hooks. A key the client asked for explicitly
// fails the request with Kubernetes' "already allocated" message; a key the
// allocator picked is marked used and the request retries.
func (a *Allocator) Conflict(_ context.Context, requested runtime.Object, key string) (bool, error) {
	svc := requested.(*corev1.Service)
	switch {
	case strings.HasPrefix(key, IPAddressPrefix+"/"):
		ipStr := strings.TrimPrefix(key, IPAddressPrefix+"/")
		if svc.Spec.ClusterIP == ipStr {
			return false, apierrors.NewInvalid(serviceKind, svc.Name, field.ErrorList{field.Invalid(
				field.NewPath("spec", "clusterIPs").Index(0), ipStr,
				fmt.Sprintf("failed to allocate IP %s: provided IP is already allocated", ipStr))})
		}
		if ip, err := netip.ParseAddr(ipStr); err == nil {
			a.mu.Lock()
			_ = a.ips.Allocate(ip)
			a.mu.Unlock()
		}
		return true, nil
	case strings.HasPrefix(key, NodePortPrefix+"/"):
		port, _ := strconv.Atoi(strings.TrimPrefix(key, NodePortPrefix+"/"))
		for i, p := range svc.Spec.Ports {
			if int(p.NodePort) == port {
				return false, apierrors.NewInvalid(serviceKind, svc.Name, field.ErrorList{field.Invalid(
					field.NewPath("spec", "ports").Index(i).Child("nodePort"), port, "provided port is already allocated")})
			}
		}
		if int(svc.Spec.HealthCheckNodePort) == port {
			return false, apierrors.NewInvalid(serviceKind, svc.Name, field.ErrorList{field.Invalid(
				field.NewPath("spec", "healthCheckNodePort"), port, "provided port is already allocated")})
		}
		a.mu.Lock()
		_ = a.ports.Allocate(port)
		a.mu.Unlock()
		return true, nil
	}
	return false, apierrors.NewInternalError(fmt.Errorf("unexpected conflicting key %s", key))
}
