// Package scheduler assigns pending pods to nodes.
//
// A pod is the scheduler's when spec.nodeName is empty, spec.schedulerName is
// empty or the scheduler's own name ("default-scheduler"), and it is neither
// terminating nor finished. A nodeName the user set is respected: such pods
// are never touched.
//
// Each decision is a pure function of one snapshot (fit.go):
//
//   - filter: a node fits when its Ready condition is True, it is not cordoned
//     (spec.unschedulable), the pod tolerates every NoSchedule and NoExecute
//     taint, and the pod's nodeSelector and required node affinity match its
//     labels. A pod that tolerates node.kubernetes.io/not-ready or
//     node.kubernetes.io/unschedulable may go to such nodes, as with
//     Kubernetes' taint-based conditions.
//   - score: among the nodes that fit, the one with the fewest pods of the
//     same owner (the same controller, or the same labels for pods without
//     one), then the fewest pods overall, then the first by name. Replicas of
//     a Deployment thus spread over the nodes.
//
// The chosen node is written with the pods/binding subresource. Until the
// informer shows the binding, the pod is "assumed" on its node so the next
// decision counts it. A pod that fits nowhere gets the condition
// PodScheduled=False, reason Unschedulable, with a message such as
// "0/2 nodes are available: 2 node(s) were not ready." and a FailedScheduling
// event; it is retried with backoff, and at once whenever a node appears or
// changes.
package scheduler
