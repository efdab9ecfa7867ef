// Package nodelifecycle marks nodes whose heartbeats stopped as NotReady.
//
// A node agent proves it is alive by renewing the Lease named after its
// node in the kube-node-lease namespace (spec.renewTime). The node's last
// heartbeat is the latest of that renewal, its Ready condition's
// lastHeartbeatTime, its creation and the controller's own start (so a
// controller that starts after a pause gives every node a full grace
// period before judging it). When the last heartbeat is GracePeriod old:
//
//   - the Ready condition turns Unknown, reason NodeStatusUnknown, message
//     "Kubelet stopped posting node status." (NodeStatusNeverUpdated for a
//     node that never posted a Ready condition), and a NodeNotReady Event
//     is recorded on the node;
//   - the node gets the node.kubernetes.io/unreachable:NoSchedule taint;
//   - every Ready pod bound to the node gets Ready=False, so it leaves the
//     Service endpoints.
//
// When heartbeats return, all of it turns back: Ready=True (reason
// KubeletReady) with a NodeReady Event, the taint goes, and the pods turn
// Ready again. Only pods whose Ready this controller flipped are turned
// back: it marks them with the condition reason NodeUnreachable, in the
// same status write, so the record survives controller restarts and needs
// no extra write; a node agent that re-posts the pod's Ready condition
// replaces the mark. Only a Ready=Unknown that this controller set is
// turned back to True. NoExecute eviction is not done.
//
// The decision is the pure function decide, tested with tables; the
// controller reads its inputs from informer caches, applies the plan and
// re-checks each healthy node when its heartbeat would turn stale.
package nodelifecycle
