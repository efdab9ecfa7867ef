package nodelifecycle

import (
	"time"

	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Reasons and messages written to conditions, taints and Events.
const (
	// ReasonNodeStatusUnknown is the Ready condition's reason on a node
	// whose heartbeats stopped.
	ReasonNodeStatusUnknown = "NodeStatusUnknown"
	// ReasonNodeStatusNeverUpdated is the Ready condition's reason on a
	// node that never sent a heartbeat nor posted a Ready condition.
	ReasonNodeStatusNeverUpdated = "NodeStatusNeverUpdated"
	// ReasonHeartbeatResumed is the Ready condition's reason when this
	// controller turns a node it had marked Unknown back to Ready.
	ReasonHeartbeatResumed = "KubeletReady"
	// ReasonPodNodeUnreachable marks a pod Ready condition that this
	// controller set to False; only such pods are turned back to Ready.
	ReasonPodNodeUnreachable = "NodeUnreachable"

	// EventNodeNotReady and EventNodeReady are the Event reasons on the node.
	EventNodeNotReady = "NodeNotReady"
	EventNodeReady    = "NodeReady"

	msgStopped  = "Kubelet stopped posting node status."
	msgNever    = "Kubelet never posted node status."
	msgResumed  = "Node heartbeats resumed."
	msgPodNotOK = "The pod's node stopped sending heartbeats."
)

// unreachableTaint is added to nodes whose Ready condition is Unknown.
var unreachableTaint = corev1.Taint{Key: corev1.TaintNodeUnreachable, Effect: corev1.TaintEffectNoSchedule}

// input is everything the decision about one node depends on.
type input struct {
	Node *corev1.Node
	// Lease is the node's heartbeat Lease in kube-node-lease, or nil.
	Lease *coordinationv1.Lease
	// Pods are the pods bound to the node.
	Pods []*corev1.Pod
	// Now is the current time, Started when the controller started.
	Now, Started time.Time
	// Grace is how long a node may go without a heartbeat.
	Grace time.Duration
}

// plan is what the controller writes for one node. Nil or empty fields
// mean no change.
type plan struct {
	// Ready is the node's new Ready condition.
	Ready *corev1.NodeCondition
	// Taints is the node's new taint list; SetTaints says it changed.
	Taints    []corev1.Taint
	SetTaints bool
	// Pods are pod copies whose Ready condition changed.
	Pods []*corev1.Pod
	// Event is the reason of the Event to record on the node.
	Event string
	// RequeueAfter, when positive, is when the node must be looked at
	// again even if nothing changes: its heartbeat turns stale then.
	RequeueAfter time.Duration
}

// lastHeartbeat is the latest sign of life of a node: its Lease renewal,
// its Ready condition's heartbeat, its creation, or the controller's start
// (so a controller that starts after a long pause gives every node a full
// grace period, as Kubernetes does by timing from its own observations).
func lastHeartbeat(in input) time.Time {
	t := in.Node.CreationTimestamp.Time
	if in.Started.After(t) {
		t = in.Started
	}
	if in.Lease != nil && in.Lease.Spec.RenewTime != nil && in.Lease.Spec.RenewTime.After(t) {
		t = in.Lease.Spec.RenewTime.Time
	}
	if c := readyCondition(in.Node); c != nil && c.LastHeartbeatTime.After(t) {
		t = c.LastHeartbeatTime.Time
	}
	return t
}

// decide is the controller's pure core: it works out the node's Ready
// condition from its heartbeats, and makes the unreachable taint and the
// pods' Ready conditions follow it.
func decide(in input) plan {
	var p plan
	beat := lastHeartbeat(in)
	fresh := in.Now.Sub(beat) < in.Grace
	now := metav1.NewTime(in.Now)
	cur := readyCondition(in.Node)

	ready := cur
	switch {
	case !fresh && cur == nil:
		ready = &corev1.NodeCondition{Type: corev1.NodeReady, Status: corev1.ConditionUnknown,
			Reason: ReasonNodeStatusNeverUpdated, Message: msgNever, LastTransitionTime: now}
		p.Event = EventNodeNotReady
	case !fresh && cur.Status != corev1.ConditionUnknown:
		ready = cur.DeepCopy()
		ready.Status, ready.Reason, ready.Message, ready.LastTransitionTime =
			corev1.ConditionUnknown, ReasonNodeStatusUnknown, msgStopped, now
		p.Event = EventNodeNotReady
	case fresh && cur != nil && cur.Status == corev1.ConditionUnknown && ownNodeReason(cur.Reason):
		ready = cur.DeepCopy()
		ready.Status, ready.Reason, ready.Message, ready.LastTransitionTime, ready.LastHeartbeatTime =
			corev1.ConditionTrue, ReasonHeartbeatResumed, msgResumed, now, metav1.NewTime(beat)
		p.Event = EventNodeReady
	}
	if ready != cur {
		p.Ready = ready
	}
	if fresh {
		p.RequeueAfter = beat.Add(in.Grace).Sub(in.Now)
	}

	unreachable := ready != nil && ready.Status == corev1.ConditionUnknown
	p.Taints, p.SetTaints = wantTaints(in.Node.Spec.Taints, unreachable)
	for _, pod := range in.Pods {
		if np := podChange(pod, unreachable, now); np != nil {
			p.Pods = append(p.Pods, np)
		}
	}
	return p
}

func ownNodeReason(r string) bool {
	return r == ReasonNodeStatusUnknown || r == ReasonNodeStatusNeverUpdated
}

// wantTaints adds or removes the unreachable NoSchedule taint.
func wantTaints(taints []corev1.Taint, unreachable bool) ([]corev1.Taint, bool) {
	has := false
	var out []corev1.Taint
	for _, t := range taints {
		if t.MatchTaint(&unreachableTaint) {
			has = true
			continue
		}
		out = append(out, t)
	}
	switch {
	case unreachable && !has:
		return append(out, unreachableTaint), true
	case !unreachable && has:
		return out, true
	}
	return nil, false
}

// podChange returns a copy of pod with its Ready condition changed, or nil.
// On an unreachable node a Ready pod turns not Ready, marked with
// ReasonPodNodeUnreachable; on a reachable node only pods carrying that
// mark turn Ready again, because no one else would re-post them while
// there is no node agent.
func podChange(pod *corev1.Pod, unreachable bool, now metav1.Time) *corev1.Pod {
	if pod.Status.Phase == corev1.PodSucceeded || pod.Status.Phase == corev1.PodFailed {
		return nil
	}
	i := podReadyIndex(pod)
	if i < 0 {
		return nil
	}
	c := pod.Status.Conditions[i]
	var next corev1.PodCondition
	switch {
	case unreachable && c.Status == corev1.ConditionTrue:
		next = corev1.PodCondition{Type: corev1.PodReady, Status: corev1.ConditionFalse,
			Reason: ReasonPodNodeUnreachable, Message: msgPodNotOK, LastProbeTime: c.LastProbeTime, LastTransitionTime: now}
	case !unreachable && c.Status == corev1.ConditionFalse && c.Reason == ReasonPodNodeUnreachable:
		next = corev1.PodCondition{Type: corev1.PodReady, Status: corev1.ConditionTrue,
			LastProbeTime: c.LastProbeTime, LastTransitionTime: now}
	default:
		return nil
	}
	out := pod.DeepCopy()
	out.Status.Conditions[i] = next
	return out
}

func readyCondition(n *corev1.Node) *corev1.NodeCondition {
	for i := range n.Status.Conditions {
		if n.Status.Conditions[i].Type == corev1.NodeReady {
			return &n.Status.Conditions[i]
		}
	}
	return nil
}

func podReadyIndex(p *corev1.Pod) int {
	for i, c := range p.Status.Conditions {
		if c.Type == corev1.PodReady {
			return i
		}
	}
	return -1
}

// withReady returns a copy of node's status with c as its Ready condition.
func withReady(n *corev1.Node, c corev1.NodeCondition) *corev1.Node {
	out := n.DeepCopy()
	for i := range out.Status.Conditions {
		if out.Status.Conditions[i].Type == corev1.NodeReady {
			out.Status.Conditions[i] = c
			return out
		}
	}
	out.Status.Conditions = append(out.Status.Conditions, c)
	return out
}
