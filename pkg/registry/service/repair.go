package service

import (
	"context"
	"fmt"
	"net/netip"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/svcnet/svcnet/pkg/registry/service/allocator"
	"github.com/svcnet/svcnet/pkg/storage"
)

// ServicePrefix is the services resource's storage prefix.
const ServicePrefix = "/registry/services"

// Sync rebuilds the allocation cache from the keys in storage.
func (a *Allocator) Sync(ctx context.Context) error {
	ips, err := allocator.NewCIDRRange(a.cidr)
	if err != nil {
		return err
	}
	ports, err := allocator.NewPortRange(a.ports.Base(), a.ports.Size())
	if err != nil {
		return err
	}
	ipKeys, _, err := a.store.ListRaw(ctx, IPAddressPrefix+"/")
	if err != nil {
		return fmt.Errorf("syncing ClusterIP allocations: %w", err)
	}
	for key := range ipKeys {
		if ip, err := netip.ParseAddr(strings.TrimPrefix(key, IPAddressPrefix+"/")); err == nil {
			_ = ips.Allocate(ip)
		}
	}
	portKeys, _, err := a.store.ListRaw(ctx, NodePortPrefix+"/")
	if err != nil {
		return fmt.Errorf("syncing node port allocations: %w", err)
	}
	for key := range portKeys {
		if port, err := strconv.Atoi(strings.TrimPrefix(key, NodePortPrefix+"/")); err == nil {
			_ = ports.Allocate(port)
		}
	}
	a.mu.Lock()
	a.ips, a.ports = ips, ports
	a.mu.Unlock()
	return nil
}

// RepairReport says what a repair found and fixed.
type RepairReport struct {
	// LeakedIPs were IPAddress objects owned by no service; deleted.
	LeakedIPs []string
	// LeakedPorts were node port keys owned by no service; deleted.
	LeakedPorts []int
	// MissingIPs were ClusterIPs of services with no IPAddress; recreated.
	MissingIPs []string
	// MissingPorts were node ports of services with no key; recreated.
	MissingPorts []int
}

// Repair reconciles the allocation keys with the services at one revision,
// the way kube-apiserver's repair loops do at start: it removes allocations
// no service holds and restores allocations that services hold but that are
// missing. Every fix is a transaction guarded by the state it read, so it is
// safe while other API servers write.
func (a *Allocator) Repair(ctx context.Context) (*RepairReport, error) {
	svcs, err := a.store.List(ctx, ServicePrefix+"/", storage.ListOptions{})
	if err != nil {
		return nil, fmt.Errorf("repair: listing services: %w", err)
	}
	rev := svcs.ResourceVersion
	ipObjs, err := a.store.List(ctx, IPAddressPrefix+"/", storage.ListOptions{ResourceVersion: rev})
	if err != nil {
		return nil, fmt.Errorf("repair: listing IPAddresses: %w", err)
	}
	portKeys, _, err := a.store.ListRaw(ctx, NodePortPrefix+"/")
	if err != nil {
		return nil, fmt.Errorf("repair: listing node ports: %w", err)
	}
	wantIP := map[string]*corev1.Service{}
	wantPort := map[int]*corev1.Service{}
	for _, obj := range svcs.Items {
		svc := obj.(*corev1.Service)
		if needsClusterIP(svc) && svc.Spec.ClusterIP != "" {
			wantIP[svc.Spec.ClusterIP] = svc
		}
		for port := range nodePortsOf(svc) {
			wantPort[port] = svc
		}
	}
	report := &RepairReport{}
	haveIP := map[string]bool{}
	for _, obj := range ipObjs.Items {
		ipa := obj.(*networkingv1.IPAddress)
		haveIP[ipa.Name] = true
		if ipa.Labels[ManagedByLabel] != ManagedByValue {
			continue
		}
		if _, ok := wantIP[ipa.Name]; ok {
			continue
		}
		if err := a.deleteIfUnchanged(ctx, IPAddressPrefix+"/"+ipa.Name, obj); err != nil {
			return report, err
		}
		report.LeakedIPs = append(report.LeakedIPs, ipa.Name)
	}
	for ipStr, svc := range wantIP {
		if haveIP[ipStr] {
			continue
		}
		ip, err := netip.ParseAddr(ipStr)
		if err != nil || !a.cidr.Contains(ip) {
			a.log.Warn("service ClusterIP outside the service CIDR", "service", svc.Namespace+"/"+svc.Name, "ip", ipStr)
			continue
		}
		err = a.store.Txn(ctx, []storage.Op{{Type: storage.OpCreate, Key: IPKey(ip), Object: a.ipAddressObject(ip, svc)}})
		if _, exists := storage.IsKeyExists(err); err != nil && !exists {
			return report, err
		}
		report.MissingIPs = append(report.MissingIPs, ipStr)
	}
	for key := range portKeys {
		port, err := strconv.Atoi(strings.TrimPrefix(key, NodePortPrefix+"/"))
		if err != nil {
			continue
		}
		if _, ok := wantPort[port]; ok {
			continue
		}
		if err := a.deleteRawIfUnchanged(ctx, key, rev); err != nil {
			return report, err
		}
		report.LeakedPorts = append(report.LeakedPorts, port)
	}
	for port, svc := range wantPort {
		if _, ok := portKeys[PortKey(port)]; ok {
			continue
		}
		err := a.store.Txn(ctx, []storage.Op{{Type: storage.OpCreate, Key: PortKey(port), Value: portOwner(svc)}})
		if _, exists := storage.IsKeyExists(err); err != nil && !exists {
			return report, err
		}
		report.MissingPorts = append(report.MissingPorts, port)
	}
	if len(report.LeakedIPs)+len(report.LeakedPorts)+len(report.MissingIPs)+len(report.MissingPorts) > 0 {
		a.log.Info("service allocations repaired", "leakedIPs", report.LeakedIPs, "leakedPorts", report.LeakedPorts,
			"missingIPs", report.MissingIPs, "missingPorts", report.MissingPorts)
	}
	return report, a.Sync(ctx)
}

// deleteIfUnchanged deletes key if it still holds the object read.
func (a *Allocator) deleteIfUnchanged(ctx context.Context, key string, read runtime.Object) error {
	readAcc, _ := meta.Accessor(read)
	_, err := a.store.Delete(ctx, key, func(cur runtime.Object) ([]storage.Op, error) {
		if acc, _ := meta.Accessor(cur); acc.GetResourceVersion() != readAcc.GetResourceVersion() {
			return nil, errChanged
		}
		return nil, nil
	})
	if err == errChanged || storage.IsNotFound(err) {
		return nil
	}
	return err
}

var errChanged = fmt.Errorf("changed since read")

// deleteRawIfUnchanged deletes a node port key that no service held at rev,
// unless a service claimed it since: the services prefix must not have
// changed after rev for the delete to go through.
func (a *Allocator) deleteRawIfUnchanged(ctx context.Context, key string, rev int64) error {
	cur, err := a.store.Revision(ctx)
	if err != nil {
		return err
	}
	if cur != rev {
		// Something was written since the snapshot; re-check this port at
		// the next repair rather than risk freeing a fresh allocation.
		fresh, err := a.store.List(ctx, ServicePrefix+"/", storage.ListOptions{})
		if err != nil {
			return err
		}
		port, _ := strconv.Atoi(strings.TrimPrefix(key, NodePortPrefix+"/"))
		for _, obj := range fresh.Items {
			if nodePortsOf(obj.(*corev1.Service))[port] {
				return nil
			}
		}
	}
	return a.store.Txn(ctx, []storage.Op{{Type: storage.OpDelete, Key: key}})
}
