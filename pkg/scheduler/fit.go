package scheduler

import (
	"fmt"
	"sort"
	"strings"

	"github.com/go-logr/logr"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/types"
	corev1helpers "k8s.io/component-helpers/scheduling/corev1"
	"k8s.io/component-helpers/scheduling/corev1/nodeaffinity"
)

// Reasons a node does not fit, as they appear in FailedScheduling messages.
const (
	reasonNotReady      = "node(s) were not ready"
	reasonUnschedulable = "node(s) were unschedulable"
	reasonAffinity      = "node(s) didn't match Pod's node affinity/selector"
	reasonTaint         = "node(s) had untolerated taint {%s: %s}"
)

// Taints that the scheduler applies implicitly for node conditions, so a pod
// may opt in to such nodes with a toleration.
const (
	taintNotReady      = "node.kubernetes.io/not-ready"
	taintUnschedulable = "node.kubernetes.io/unschedulable"
)

// placement is a pod already on a node, as scoring sees it.
type placement struct {
	node      string
	namespace string
	owner     types.UID
	labels    map[string]string
}

func placementOf(p *corev1.Pod, node string) placement {
	pl := placement{node: node, namespace: p.Namespace, labels: p.Labels}
	for _, ref := range p.OwnerReferences {
		if ref.Controller != nil && *ref.Controller {
			pl.owner = ref.UID
		}
	}
	return pl
}

// sameOwner reports whether two pods are replicas of one workload: the same
// controller, or, for pods without one, the same namespace and labels.
func (a placement) sameOwner(b placement) bool {
	if a.owner != "" || b.owner != "" {
		return a.owner == b.owner
	}
	return a.namespace == b.namespace && len(a.labels) > 0 && labels.Equals(a.labels, b.labels)
}

// fitError says why no node fits a pod.
type fitError struct {
	nodes   int
	reasons map[string]int
}

// Error renders the message Kubernetes users know:
// "0/3 nodes are available: 1 node(s) were unschedulable, 2 node(s) were not ready."
func (e *fitError) Error() string {
	if e.nodes == 0 {
		return "no nodes available to schedule pods"
	}
	parts := make([]string, 0, len(e.reasons))
	for r, n := range e.reasons {
		parts = append(parts, fmt.Sprintf("%d %s", n, r))
	}
	sort.Strings(parts)
	return fmt.Sprintf("0/%d nodes are available: %s.", e.nodes, strings.Join(parts, ", "))
}

// fits reports whether the pod may run on the node, and if not, why.
func fits(pod *corev1.Pod, node *corev1.Node, affinity nodeaffinity.RequiredNodeAffinity) (bool, string) {
	if !nodeReady(node) && !tolerates(pod, corev1.Taint{Key: taintNotReady, Effect: corev1.TaintEffectNoSchedule}) {
		return false, reasonNotReady
	}
	if node.Spec.Unschedulable && !tolerates(pod, corev1.Taint{Key: taintUnschedulable, Effect: corev1.TaintEffectNoSchedule}) {
		return false, reasonUnschedulable
	}
	taint, untolerated := corev1helpers.FindMatchingUntoleratedTaint(logr.Discard(), node.Spec.Taints, pod.Spec.Tolerations,
		func(t *corev1.Taint) bool {
			return t.Effect == corev1.TaintEffectNoSchedule || t.Effect == corev1.TaintEffectNoExecute
		}, false)
	if untolerated {
		return false, fmt.Sprintf(reasonTaint, taint.Key, taint.Value)
	}
	if ok, err := affinity.Match(node); err != nil || !ok {
		return false, reasonAffinity
	}
	return true, ""
}

func tolerates(pod *corev1.Pod, t corev1.Taint) bool {
	return corev1helpers.TolerationsTolerateTaint(logr.Discard(), pod.Spec.Tolerations, &t, false)
}

func nodeReady(n *corev1.Node) bool {
	for _, c := range n.Status.Conditions {
		if c.Type == corev1.NodeReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

// schedule picks a node for the pod: among the nodes it fits, the one with
// the fewest pods of the same owner, then the fewest pods, then the first
// name. placed are the pods already on nodes (assumed ones included).
func schedule(pod *corev1.Pod, nodes []*corev1.Node, placed []placement) (string, *fitError) {
	affinity := nodeaffinity.GetRequiredNodeAffinity(pod)
	ferr := &fitError{nodes: len(nodes), reasons: map[string]int{}}
	type candidate struct {
		name          string
		siblings, all int
	}
	feasible := map[string]*candidate{}
	for _, n := range nodes {
		if ok, reason := fits(pod, n, affinity); !ok {
			ferr.reasons[reason]++
			continue
		}
		feasible[n.Name] = &candidate{name: n.Name}
	}
	if len(feasible) == 0 {
		return "", ferr
	}
	me := placementOf(pod, "")
	for _, p := range placed {
		c, ok := feasible[p.node]
		if !ok {
			continue
		}
		c.all++
		if me.sameOwner(p) {
			c.siblings++
		}
	}
	var best *candidate
	for _, c := range feasible {
		if best == nil || c.siblings < best.siblings ||
			(c.siblings == best.siblings && (c.all < best.all || (c.all == best.all && c.name < best.name))) {
			best = c
		}
	}
	return best.name, nil
}

// responsible reports whether a pod waits for this scheduler.
func responsible(pod *corev1.Pod, schedulerName string) bool {
	return pod.Spec.NodeName == "" && pod.DeletionTimestamp == nil &&
		(pod.Spec.SchedulerName == "" || pod.Spec.SchedulerName == schedulerName) &&
		pod.Status.Phase != corev1.PodSucceeded && pod.Status.Phase != corev1.PodFailed
}

// occupies reports whether a bound pod still takes room on its node.
func occupies(pod *corev1.Pod) bool {
	return pod.Spec.NodeName != "" && pod.Status.Phase != corev1.PodSucceeded && pod.Status.Phase != corev1.PodFailed
}
