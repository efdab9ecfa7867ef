package scheduler

import (
	"fmt"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/component-helpers/scheduling/corev1/nodeaffinity"
)

type nodeOpt func(*corev1.Node)

func testNode(name string, opts ...nodeOpt) *corev1.Node {
	n := &corev1.Node{
		ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{"kubernetes.io/hostname": name}},
		Status:     corev1.NodeStatus{Conditions: []corev1.NodeCondition{{Type: corev1.NodeReady, Status: corev1.ConditionTrue}}},
	}
	for _, o := range opts {
		o(n)
	}
	return n
}

func notReady(n *corev1.Node) { n.Status.Conditions[0].Status = corev1.ConditionFalse }
func noStatus(n *corev1.Node) { n.Status.Conditions = nil }
func cordoned(n *corev1.Node) { n.Spec.Unschedulable = true }
func label(k, v string) nodeOpt {
	return func(n *corev1.Node) { n.Labels[k] = v }
}
func taint(k, v string, e corev1.TaintEffect) nodeOpt {
	return func(n *corev1.Node) { n.Spec.Taints = append(n.Spec.Taints, corev1.Taint{Key: k, Value: v, Effect: e}) }
}

type podOpt func(*corev1.Pod)

func testPod(name string, opts ...podOpt) *corev1.Pod {
	p := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "default", UID: types.UID("uid-" + name),
		Labels: map[string]string{"app": "web"}}}
	for _, o := range opts {
		o(p)
	}
	return p
}

func tolerate(k string, e corev1.TaintEffect) podOpt {
	return func(p *corev1.Pod) {
		p.Spec.Tolerations = append(p.Spec.Tolerations, corev1.Toleration{Key: k, Operator: corev1.TolerationOpExists, Effect: e})
	}
}
func selector(k, v string) podOpt {
	return func(p *corev1.Pod) { p.Spec.NodeSelector = map[string]string{k: v} }
}
func requireNotIn(k string, vals ...string) podOpt {
	return func(p *corev1.Pod) {
		p.Spec.Affinity = &corev1.Affinity{NodeAffinity: &corev1.NodeAffinity{
			RequiredDuringSchedulingIgnoredDuringExecution: &corev1.NodeSelector{NodeSelectorTerms: []corev1.NodeSelectorTerm{{
				MatchExpressions: []corev1.NodeSelectorRequirement{{Key: k, Operator: corev1.NodeSelectorOpNotIn, Values: vals}},
			}}},
		}}
	}
}
func owner(uid string) podOpt {
	return func(p *corev1.Pod) {
		yes := true
		p.OwnerReferences = []metav1.OwnerReference{{APIVersion: "apps/v1", Kind: "ReplicaSet", Name: uid, UID: types.UID(uid), Controller: &yes}}
	}
}

func TestFits(t *testing.T) {
	tests := []struct {
		name   string
		node   *corev1.Node
		pod    *corev1.Pod
		reason string // "" means fits
	}{
		{name: "ready", node: testNode("n"), pod: testPod("p")},
		{name: "not ready", node: testNode("n", notReady), pod: testPod("p"), reason: reasonNotReady},
		{name: "no conditions yet", node: testNode("n", noStatus), pod: testPod("p"), reason: reasonNotReady},
		{name: "not ready tolerated", node: testNode("n", notReady), pod: testPod("p", tolerate(taintNotReady, corev1.TaintEffectNoSchedule))},
		{name: "cordoned", node: testNode("n", cordoned), pod: testPod("p"), reason: reasonUnschedulable},
		{name: "cordoned tolerated", node: testNode("n", cordoned), pod: testPod("p", tolerate(taintUnschedulable, ""))},
		{name: "NoSchedule taint", node: testNode("n", taint("dedicated", "db", corev1.TaintEffectNoSchedule)), pod: testPod("p"),
			reason: "node(s) had untolerated taint {dedicated: db}"},
		{name: "NoExecute taint", node: testNode("n", taint("gone", "", corev1.TaintEffectNoExecute)), pod: testPod("p"),
			reason: "node(s) had untolerated taint {gone: }"},
		{name: "PreferNoSchedule is only a preference", node: testNode("n", taint("meh", "", corev1.TaintEffectPreferNoSchedule)), pod: testPod("p")},
		{name: "taint tolerated", node: testNode("n", taint("dedicated", "db", corev1.TaintEffectNoSchedule)),
			pod: testPod("p", tolerate("dedicated", corev1.TaintEffectNoSchedule))},
		{name: "nodeSelector matches", node: testNode("n", label("disk", "ssd")), pod: testPod("p", selector("disk", "ssd"))},
		{name: "nodeSelector does not match", node: testNode("n"), pod: testPod("p", selector("disk", "ssd")), reason: reasonAffinity},
		{name: "affinity NotIn excludes", node: testNode("n1"), pod: testPod("p", requireNotIn("kubernetes.io/hostname", "n1")), reason: reasonAffinity},
		{name: "affinity NotIn allows", node: testNode("n2"), pod: testPod("p", requireNotIn("kubernetes.io/hostname", "n1"))},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ok, reason := fits(tc.pod, tc.node, nodeaffinity.GetRequiredNodeAffinity(tc.pod))
			if ok != (tc.reason == "") || reason != tc.reason {
				t.Fatalf("fits = %v %q, want reason %q", ok, reason, tc.reason)
			}
		})
	}
}

func TestSchedule(t *testing.T) {
	nodes := []*corev1.Node{testNode("n1"), testNode("n2"), testNode("n3", notReady)}
	tests := []struct {
		name   string
		pod    *corev1.Pod
		placed []placement
		want   string
	}{
		{name: "empty cluster takes the first name", pod: testPod("p", owner("rs")), want: "n1"},
		{name: "spreads replicas of one owner", pod: testPod("p", owner("rs")),
			placed: []placement{{node: "n1", owner: "rs"}, {node: "n2", owner: "other"}, {node: "n2", owner: "other"}}, want: "n2"},
		{name: "then fewest pods", pod: testPod("p", owner("rs")),
			placed: []placement{{node: "n1", owner: "x"}, {node: "n1", owner: "y"}, {node: "n2", owner: "x"}}, want: "n2"},
		{name: "owner-less pods spread by labels", pod: testPod("p"),
			placed: []placement{{node: "n1", namespace: "default", labels: map[string]string{"app": "web"}},
				{node: "n2", namespace: "default", labels: map[string]string{"app": "db"}},
				{node: "n2", namespace: "default", labels: map[string]string{"app": "db"}}}, want: "n2"},
		{name: "not-ready nodes are never chosen", pod: testPod("p", owner("rs")),
			placed: []placement{{node: "n1", owner: "rs"}, {node: "n2", owner: "rs"}}, want: "n1"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, ferr := schedule(tc.pod, nodes, tc.placed)
			if ferr != nil || got != tc.want {
				t.Fatalf("schedule = %q, %v; want %q", got, ferr, tc.want)
			}
		})
	}
}

func TestFitErrorMessage(t *testing.T) {
	tests := []struct {
		name  string
		nodes []*corev1.Node
		pod   *corev1.Pod
		want  string
	}{
		{name: "no nodes", want: "no nodes available to schedule pods", pod: testPod("p")},
		{name: "all not ready", nodes: []*corev1.Node{testNode("a", notReady), testNode("b", notReady)}, pod: testPod("p"),
			want: "0/2 nodes are available: 2 node(s) were not ready."},
		{name: "mixed reasons sorted", pod: testPod("p", selector("disk", "ssd")), nodes: []*corev1.Node{
			testNode("a", cordoned), testNode("b"), testNode("c"), testNode("d", taint("k", "v", corev1.TaintEffectNoSchedule)),
		}, want: "0/4 nodes are available: 1 node(s) had untolerated taint {k: v}, 1 node(s) were unschedulable, 2 node(s) didn't match Pod's node affinity/selector."},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, ferr := schedule(tc.pod, tc.nodes, nil)
			if ferr == nil || ferr.Error() != tc.want {
				t.Fatalf("error = %v, want %q", ferr, tc.want)
			}
		})
	}
}

func TestResponsible(t *testing.T) {
	now := metav1.Now()
	tests := []struct {
		name string
		pod  *corev1.Pod
		want bool
	}{
		{name: "pending", pod: testPod("p"), want: true},
		{name: "default scheduler named", pod: testPod("p", func(p *corev1.Pod) { p.Spec.SchedulerName = DefaultSchedulerName }), want: true},
		{name: "other scheduler", pod: testPod("p", func(p *corev1.Pod) { p.Spec.SchedulerName = "custom" })},
		{name: "user set nodeName", pod: testPod("p", func(p *corev1.Pod) { p.Spec.NodeName = "n9" })},
		{name: "terminating", pod: testPod("p", func(p *corev1.Pod) { p.DeletionTimestamp = &now })},
		{name: "finished", pod: testPod("p", func(p *corev1.Pod) { p.Status.Phase = corev1.PodSucceeded })},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := responsible(tc.pod, DefaultSchedulerName); got != tc.want {
				t.Fatalf("responsible = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestSetCondition(t *testing.T) {
	t1, t2 := metav1.NewTime(time.Unix(100, 0)), metav1.NewTime(time.Unix(200, 0))
	st := corev1.PodStatus{}
	c := corev1.PodCondition{Type: corev1.PodScheduled, Status: corev1.ConditionFalse, Reason: "Unschedulable", Message: "a"}
	if !setCondition(&st, c, t1) || len(st.Conditions) != 1 || !st.Conditions[0].LastTransitionTime.Equal(&t1) {
		t.Fatalf("add: %+v", st.Conditions)
	}
	if setCondition(&st, c, t2) {
		t.Fatal("unchanged condition reported as a change")
	}
	c.Message = "b"
	if !setCondition(&st, c, t2) || !st.Conditions[0].LastTransitionTime.Equal(&t1) || st.Conditions[0].Message != "b" {
		t.Fatalf("message change moved the transition time: %+v", st.Conditions)
	}
}

func BenchmarkSchedule(b *testing.B) {
	var nodes []*corev1.Node
	for i := range 100 {
		nodes = append(nodes, testNode(fmt.Sprintf("n%03d", i)))
	}
	var placed []placement
	for i := range 5000 {
		placed = append(placed, placement{node: fmt.Sprintf("n%03d", i%100), owner: types.UID(fmt.Sprintf("rs%d", i%50))})
	}
	pod := testPod("p", owner("rs7"))
	for b.Loop() {
		if _, ferr := schedule(pod, nodes, placed); ferr != nil {
			b.Fatal(ferr)
		}
	}
}
