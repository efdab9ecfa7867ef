package probe

import "testing"

func TestTracker(t *testing.T) {
	S, F := Success, Failure
	tests := []struct {
		name             string
		success, failure int32
		initial          Result
		observe          []Result
		want             []Result
	}{
		{"readiness turns ready on first success", 1, 3, F, []Result{S, S}, []Result{S, S}},
		{"failure needs three in a row", 1, 3, S, []Result{F, F, S, F, F, F}, []Result{S, S, S, S, S, F}},
		{"success threshold two", 2, 1, F, []Result{S, F, S, S}, []Result{F, F, F, S}},
		{"defaults for zero thresholds", 0, 0, S, []Result{F, F, F}, []Result{S, S, F}},
		{"startup unknown until success", 1, 3, Unknown, []Result{F, S}, []Result{Unknown, S}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tr := NewTracker(tc.success, tc.failure, tc.initial)
			for i, r := range tc.observe {
				tr.Observe(r)
				if tr.Result != tc.want[i] {
					t.Fatalf("after %d observations %v: verdict %v, want %v", i+1, tc.observe[:i+1], tr.Result, tc.want[i])
				}
			}
		})
	}
}
