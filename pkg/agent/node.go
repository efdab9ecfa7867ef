package agent

import (
	"context"
	"fmt"
	"maps"
	"net/netip"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/util/retry"
	"k8s.io/component-base/version"
)

// Node condition texts, as the kubelet posts them.
const (
	readyReason   = "KubeletReady"
	readyMessage  = "kubelet is posting ready status"
	runtimePrefix = "svcnet://"
)

// nodeLabels returns the labels the agent owns on its Node.
func nodeLabels(name string, si SystemInfo, extra map[string]string) map[string]string {
	l := map[string]string{
		corev1.LabelHostname:      name,
		corev1.LabelOSStable:      si.OperatingSystem,
		corev1.LabelArchStable:    si.Architecture,
		"beta.kubernetes.io/os":   si.OperatingSystem,
		"beta.kubernetes.io/arch": si.Architecture,
	}
	maps.Copy(l, extra)
	return l
}

// nodeStatus computes the Node status the agent posts, keeping the
// transition times of conditions whose status did not change.
func nodeStatus(old corev1.NodeStatus, nodeName string, nodeIP netip.Addr, si SystemInfo, maxPods int, daemonPort int32, now time.Time) corev1.NodeStatus {
	st := *old.DeepCopy()
	if daemonPort > 0 {
		st.DaemonEndpoints.KubeletEndpoint.Port = daemonPort
	}
	st.Addresses = []corev1.NodeAddress{
		{Type: corev1.NodeInternalIP, Address: nodeIP.String()},
		{Type: corev1.NodeHostName, Address: nodeName},
	}
	st.Capacity = corev1.ResourceList{
		corev1.ResourceCPU:    *resource.NewQuantity(int64(si.NumCPU), resource.DecimalSI),
		corev1.ResourceMemory: *resource.NewQuantity(si.MemoryBytes, resource.BinarySI),
		corev1.ResourcePods:   *resource.NewQuantity(int64(maxPods), resource.DecimalSI),
	}
	st.Allocatable = st.Capacity.DeepCopy()
	ver := version.Get().GitVersion
	st.NodeInfo = corev1.NodeSystemInfo{
		MachineID:               si.MachineID,
		BootID:                  si.BootID,
		KernelVersion:           si.KernelVersion,
		OSImage:                 si.OSImage,
		ContainerRuntimeVersion: runtimePrefix + ver,
		KubeletVersion:          ver,
		OperatingSystem:         si.OperatingSystem,
		Architecture:            si.Architecture,
	}
	hb := metav1.NewTime(now.Truncate(time.Second))
	want := []corev1.NodeCondition{
		{Type: corev1.NodeMemoryPressure, Status: corev1.ConditionFalse, Reason: "KubeletHasSufficientMemory", Message: "kubelet has sufficient memory available"},
		{Type: corev1.NodeDiskPressure, Status: corev1.ConditionFalse, Reason: "KubeletHasNoDiskPressure", Message: "kubelet has no disk pressure"},
		{Type: corev1.NodePIDPressure, Status: corev1.ConditionFalse, Reason: "KubeletHasSufficientPID", Message: "kubelet has sufficient PID available"},
		{Type: corev1.NodeReady, Status: corev1.ConditionTrue, Reason: readyReason, Message: readyMessage},
	}
	var conds []corev1.NodeCondition
	for _, c := range want {
		c.LastHeartbeatTime, c.LastTransitionTime = hb, hb
		for _, o := range old.Conditions {
			if o.Type == c.Type && o.Status == c.Status {
				c.LastTransitionTime = o.LastTransitionTime
			}
		}
		conds = append(conds, c)
	}
	for _, o := range old.Conditions {
		switch o.Type {
		case corev1.NodeMemoryPressure, corev1.NodeDiskPressure, corev1.NodePIDPressure, corev1.NodeReady:
		default:
			conds = append(conds, o)
		}
	}
	st.Conditions = conds
	return st
}

// registerNode creates the Node, or updates the labels the agent owns on
// an existing one, then posts its status.
func (a *Agent) registerNode(ctx context.Context) error {
	si, err := a.c.SystemInfo()
	if err != nil {
		return fmt.Errorf("reading system info: %w", err)
	}
	a.sysInfo = si
	labels := nodeLabels(a.c.NodeName, si, a.c.Labels)
	nodes := a.c.Client.CoreV1().Nodes()
	err = retry.RetryOnConflict(retry.DefaultRetry, func() error {
		node, err := nodes.Get(ctx, a.c.NodeName, metav1.GetOptions{})
		if apierrors.IsNotFound(err) {
			node = &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: a.c.NodeName, Labels: labels}}
			_, err = nodes.Create(ctx, node, metav1.CreateOptions{})
			return err
		}
		if err != nil {
			return err
		}
		if hasLabels(node.Labels, labels) {
			return nil
		}
		node = node.DeepCopy()
		if node.Labels == nil {
			node.Labels = map[string]string{}
		}
		maps.Copy(node.Labels, labels)
		_, err = nodes.Update(ctx, node, metav1.UpdateOptions{})
		return err
	})
	if err != nil {
		return fmt.Errorf("registering node %s: %w", a.c.NodeName, err)
	}
	return a.postNodeStatus(ctx)
}

func hasLabels(have, want map[string]string) bool {
	for k, v := range want {
		if have[k] != v {
			return false
		}
	}
	return true
}

// postNodeStatus writes the node's addresses, capacity, info and
// conditions with a fresh heartbeat time.
func (a *Agent) postNodeStatus(ctx context.Context) error {
	nodes := a.c.Client.CoreV1().Nodes()
	err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
		node, err := nodes.Get(ctx, a.c.NodeName, metav1.GetOptions{})
		if err != nil {
			return err
		}
		a.observePodCIDR(node)
		node = node.DeepCopy()
		node.Status = nodeStatus(node.Status, a.c.NodeName, a.c.NodeIP, a.sysInfo, a.c.MaxPods, a.c.DaemonPort, a.c.Clock.Now())
		_, err = nodes.UpdateStatus(ctx, node, metav1.UpdateOptions{})
		return err
	})
	if apierrors.IsNotFound(err) {
		// Someone deleted the Node: register it again, as a restarted
		// kubelet would.
		a.log.Warn("node object missing, registering again")
		return a.registerNode(ctx)
	}
	if err != nil {
		return fmt.Errorf("posting node status: %w", err)
	}
	return nil
}

// observePodCIDR records the node's spec.podCIDR once node IPAM set it.
func (a *Agent) observePodCIDR(node *corev1.Node) {
	if node.Spec.PodCIDR == "" || a.PodCIDR().IsValid() {
		return
	}
	p, err := netip.ParsePrefix(node.Spec.PodCIDR)
	if err != nil {
		a.log.Warn("ignoring invalid podCIDR", "podCIDR", node.Spec.PodCIDR, "err", err)
		return
	}
	a.podCIDR.Store(&p)
	a.cidrOnce.Do(func() { close(a.cidrReady) })
	a.log.Info("node podCIDR assigned", "podCIDR", p.String())
}

// waitForPodCIDR polls the Node until node IPAM has given it a podCIDR.
func (a *Agent) waitForPodCIDR(ctx context.Context) error {
	err := wait.PollUntilContextCancel(ctx, 200*time.Millisecond, true, func(ctx context.Context) (bool, error) {
		node, err := a.c.Client.CoreV1().Nodes().Get(ctx, a.c.NodeName, metav1.GetOptions{})
		if err != nil {
			a.log.Debug("reading node for podCIDR failed", "err", err)
			return false, nil
		}
		a.observePodCIDR(node)
		return a.PodCIDR().IsValid(), nil
	})
	if err != nil {
		return fmt.Errorf("waiting for the node's podCIDR: %w", err)
	}
	return nil
}
