package agent

import (
	"context"
	"fmt"
	"time"

	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/ptr"
)

// renewLease creates or renews the node's Lease in kube-node-lease, the
// heartbeat the node lifecycle controller watches.
func (a *Agent) renewLease(ctx context.Context) error {
	leases := a.c.Client.CoordinationV1().Leases(corev1.NamespaceNodeLease)
	now := metav1.NewMicroTime(a.c.Clock.Now())
	lease, err := leases.Get(ctx, a.c.NodeName, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		lease = &coordinationv1.Lease{
			ObjectMeta: metav1.ObjectMeta{Name: a.c.NodeName, Namespace: corev1.NamespaceNodeLease},
			Spec:       a.leaseSpec(now),
		}
		if uid := a.nodeUID(ctx); uid != "" {
			lease.OwnerReferences = []metav1.OwnerReference{{APIVersion: "v1", Kind: "Node", Name: a.c.NodeName, UID: uid}}
		}
		if _, err = leases.Create(ctx, lease, metav1.CreateOptions{}); err != nil {
			return fmt.Errorf("creating node lease: %w", err)
		}
		return nil
	}
	if err != nil {
		return fmt.Errorf("reading node lease: %w", err)
	}
	lease = lease.DeepCopy()
	lease.Spec = a.leaseSpec(now)
	if _, err := leases.Update(ctx, lease, metav1.UpdateOptions{}); err != nil {
		return fmt.Errorf("renewing node lease: %w", err)
	}
	return nil
}

func (a *Agent) leaseSpec(now metav1.MicroTime) coordinationv1.LeaseSpec {
	return coordinationv1.LeaseSpec{
		HolderIdentity:       ptr.To(a.c.NodeName),
		LeaseDurationSeconds: ptr.To(int32(a.c.LeaseDuration / time.Second)),
		RenewTime:            &now,
	}
}

func (a *Agent) nodeUID(ctx context.Context) types.UID {
	n, err := a.c.Client.CoreV1().Nodes().Get(ctx, a.c.NodeName, metav1.GetOptions{})
	if err != nil {
		return ""
	}
	return n.UID
}

// heartbeat renews the Lease every HeartbeatInterval and re-posts the
// node status every NodeStatusInterval, until ctx ends. Failures are
// logged and counted; the next tick retries.
func (a *Agent) heartbeat(ctx context.Context) {
	leaseTick := a.c.Clock.NewTicker(a.c.HeartbeatInterval)
	defer leaseTick.Stop()
	statusTick := a.c.Clock.NewTicker(a.c.NodeStatusInterval)
	defer statusTick.Stop()
	a.beat(ctx, a.renewLease, "renewing node lease failed")
	for {
		select {
		case <-ctx.Done():
			return
		case <-leaseTick.C():
			a.beat(ctx, a.renewLease, "renewing node lease failed")
		case <-statusTick.C():
			a.beat(ctx, a.postNodeStatus, "posting node status failed")
		}
	}
}

func (a *Agent) beat(ctx context.Context, f func(context.Context) error, msg string) {
	if err := f(ctx); err != nil && ctx.Err() == nil {
		a.metrics.heartbeatFailures.Inc()
		a.log.Warn(msg, "err", err)
	}
}
