package namespace

import (
	"errors"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestReport(t *testing.T) {
	for _, tc := range []struct {
		name    string
		r       report
		empty   bool
		recheck time.Duration
		status  map[corev1.NamespaceConditionType]corev1.ConditionStatus
		message map[corev1.NamespaceConditionType]string
	}{
		{
			name: "all gone", r: report{}, empty: true, recheck: unknownRecheck,
			status: map[corev1.NamespaceConditionType]corev1.ConditionStatus{
				corev1.NamespaceDeletionDiscoveryFailure: corev1.ConditionFalse, corev1.NamespaceDeletionContentFailure: corev1.ConditionFalse,
				corev1.NamespaceContentRemaining: corev1.ConditionFalse, corev1.NamespaceFinalizersRemaining: corev1.ConditionFalse,
			},
		},
		{
			name: "terminating pods", r: report{Remaining: map[string]int{"pods": 2, "deployments.apps": 1}, Estimate: 25 * time.Second},
			recheck: maxRecheck,
			status:  map[corev1.NamespaceConditionType]corev1.ConditionStatus{corev1.NamespaceContentRemaining: corev1.ConditionTrue},
			message: map[corev1.NamespaceConditionType]string{
				corev1.NamespaceContentRemaining: "Some resources are remaining: deployments.apps has 1 resource instances, pods has 2 resource instances",
			},
		},
		{
			name: "short grace", r: report{Remaining: map[string]int{"pods": 1}, Estimate: 100 * time.Millisecond}, recheck: minRecheck,
		},
		{
			name: "finalizers", r: report{Remaining: map[string]int{"configmaps": 1}, Finalizers: map[string]int{"example.com/hold": 1}},
			recheck: unknownRecheck,
			status:  map[corev1.NamespaceConditionType]corev1.ConditionStatus{corev1.NamespaceFinalizersRemaining: corev1.ConditionTrue},
			message: map[corev1.NamespaceConditionType]string{
				corev1.NamespaceFinalizersRemaining: "Some content in the namespace has finalizers remaining: example.com/hold in 1 resource instances",
			},
		},
		{
			name: "discovery failed: never finalize", r: report{DiscoveryErr: errors.New("group x unavailable")}, recheck: unknownRecheck,
			status: map[corev1.NamespaceConditionType]corev1.ConditionStatus{corev1.NamespaceDeletionDiscoveryFailure: corev1.ConditionTrue, corev1.NamespaceContentRemaining: corev1.ConditionFalse},
		},
		{
			name: "deletion failed: never finalize", r: report{DeleteErrs: []error{errors.New("deleting all pods: boom")}}, recheck: unknownRecheck,
			status:  map[corev1.NamespaceConditionType]corev1.ConditionStatus{corev1.NamespaceDeletionContentFailure: corev1.ConditionTrue},
			message: map[corev1.NamespaceConditionType]string{corev1.NamespaceDeletionContentFailure: "Failed to delete all resource types, 1 remaining: deleting all pods: boom"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.r.empty(); got != tc.empty {
				t.Errorf("empty() = %v, want %v", got, tc.empty)
			}
			if !tc.empty {
				if got := tc.r.recheckAfter(); got != tc.recheck {
					t.Errorf("recheckAfter() = %v, want %v", got, tc.recheck)
				}
			}
			conds := tc.r.conditions(metav1.Now())
			if len(conds) != 4 {
				t.Fatalf("%d conditions, want 4", len(conds))
			}
			byType := map[corev1.NamespaceConditionType]corev1.NamespaceCondition{}
			for _, c := range conds {
				byType[c.Type] = c
			}
			for typ, want := range tc.status {
				if got := byType[typ].Status; got != want {
					t.Errorf("%s = %s, want %s", typ, got, want)
				}
			}
			for typ, want := range tc.message {
				if got := byType[typ].Message; got != want {
					t.Errorf("%s message = %q, want %q", typ, got, want)
				}
			}
		})
	}
}

func TestMergeConditions(t *testing.T) {
	t1 := metav1.NewTime(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	t2 := metav1.NewTime(t1.Add(time.Minute))
	remaining := func(status corev1.ConditionStatus, msg string, at metav1.Time) corev1.NamespaceCondition {
		return corev1.NamespaceCondition{Type: corev1.NamespaceContentRemaining, Status: status, Message: msg, LastTransitionTime: at}
	}
	for _, tc := range []struct {
		name        string
		cur, want   []corev1.NamespaceCondition
		changed     bool
		wantMessage string
		wantTime    metav1.Time
	}{
		{name: "new", want: []corev1.NamespaceCondition{remaining(corev1.ConditionTrue, "a", t2)}, changed: true, wantMessage: "a", wantTime: t2},
		{name: "same", cur: []corev1.NamespaceCondition{remaining(corev1.ConditionTrue, "a", t1)}, want: []corev1.NamespaceCondition{remaining(corev1.ConditionTrue, "a", t2)}, wantMessage: "a", wantTime: t1},
		{name: "new message keeps transition time", cur: []corev1.NamespaceCondition{remaining(corev1.ConditionTrue, "a", t1)}, want: []corev1.NamespaceCondition{remaining(corev1.ConditionTrue, "b", t2)}, changed: true, wantMessage: "b", wantTime: t1},
		{name: "transition", cur: []corev1.NamespaceCondition{remaining(corev1.ConditionTrue, "a", t1)}, want: []corev1.NamespaceCondition{remaining(corev1.ConditionFalse, "", t2)}, changed: true, wantTime: t2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, changed := mergeConditions(tc.cur, tc.want)
			if changed != tc.changed {
				t.Errorf("changed = %v, want %v", changed, tc.changed)
			}
			if len(got) != 1 || got[0].Message != tc.wantMessage || !got[0].LastTransitionTime.Equal(&tc.wantTime) {
				t.Errorf("merged = %+v", got)
			}
		})
	}
}
