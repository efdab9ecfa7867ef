package probe

// Tracker turns single probe outcomes into a verdict with thresholds: the
// verdict changes to Success after SuccessThreshold consecutive successes
// and to Failure after FailureThreshold consecutive failures.
type Tracker struct {
	SuccessThreshold, FailureThreshold int
	// Result is the current verdict.
	Result Result
	last   Result
	run    int
}

// NewTracker returns a tracker with the kubelet's defaults for zero
// thresholds (1 success, 3 failures) and the given initial verdict.
func NewTracker(success, failure int32, initial Result) *Tracker {
	t := &Tracker{SuccessThreshold: int(success), FailureThreshold: int(failure), Result: initial}
	if t.SuccessThreshold <= 0 {
		t.SuccessThreshold = 1
	}
	if t.FailureThreshold <= 0 {
		t.FailureThreshold = 3
	}
	return t
}

// Observe records one outcome and reports whether the verdict changed.
func (t *Tracker) Observe(r Result) bool {
	if r == t.last {
		t.run++
	} else {
		t.last, t.run = r, 1
	}
	threshold := t.FailureThreshold
	if r == Success {
		threshold = t.SuccessThreshold
	}
	if t.run >= threshold && t.Result != r {
		t.Result = r
		return true
	}
	return false
}
