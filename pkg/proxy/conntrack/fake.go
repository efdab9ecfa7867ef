package conntrack

import "sync"

// Fake is an in-memory conntrack table that records calls.
type Fake struct {
	mu sync.Mutex
	// Flows are the entries in the table.
	Flows []Flow
	// Calls are the filter lists passed to ClearFlows, in order.
	Calls [][]Filter
	// Err, when set, is returned by ClearFlows.
	Err error
}

// ClearFlows deletes the flows any filter matches and returns how many.
func (f *Fake) ClearFlows(filters []Filter) (int, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.Calls = append(f.Calls, append([]Filter(nil), filters...))
	if f.Err != nil {
		return 0, f.Err
	}
	kept, n := f.Flows[:0], 0
	for _, fl := range f.Flows {
		if matchesAny(filters, fl) {
			n++
			continue
		}
		kept = append(kept, fl)
	}
	f.Flows = kept
	return n, nil
}

// Filters returns all filters passed so far.
func (f *Fake) Filters() []Filter {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []Filter
	for _, c := range f.Calls {
		out = append(out, c...)
	}
	return out
}

func matchesAny(filters []Filter, fl Flow) bool {
	for _, f := range filters {
		if f.Matches(fl) {
			return true
		}
	}
	return false
}
