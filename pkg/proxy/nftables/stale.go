package nftables

import (
	"context"
	"fmt"
	"time"

	"sigs.k8s.io/knftables"
)

// StaleDelay is how long an unused chain is kept, empty, before it is
// deleted. Before Linux 6.2 the kernel releases a chain referenced from a
// deleted map element only a little after the transaction, so deleting the
// chain in the same transaction (or right after) can fail.
const StaleDelay = time.Second

// objectRef names a table object by kind ("chain", "set", "map",
// "counter") and name.
type objectRef struct {
	kind, name string
}

// staleObjects are objects no longer used, with the time they became so.
type staleObjects struct {
	since map[objectRef]time.Time
}

func newStaleObjects() *staleObjects { return &staleObjects{since: map[objectRef]time.Time{}} }

func (s *staleObjects) add(ref objectRef, now time.Time) {
	if _, ok := s.since[ref]; !ok {
		s.since[ref] = now
	}
}

func (s *staleObjects) remove(ref objectRef) { delete(s.since, ref) }

// due returns the objects stale since before cutoff, maps first and chains
// next: a map element can reference a chain, and a chain's (flushed) rules
// once referenced the sets and counters.
func (s *staleObjects) due(cutoff time.Time) []objectRef {
	var out []objectRef
	for _, kind := range []string{"map", "chain", "set", "counter"} {
		for ref, t := range s.since {
			if ref.kind == kind && !t.After(cutoff) {
				out = append(out, ref)
			}
		}
	}
	return out
}

// StaleCount returns the number of objects waiting for deletion.
func (w *Writer) StaleCount() int { return len(w.stale.since) }

// Cleanup deletes the objects unused for at least StaleDelay, in a
// transaction of its own. It returns how many it deleted. After a full
// sync some may already be gone; then it lists the table and deletes only
// those that are left.
func (w *Writer) Cleanup(ctx context.Context, nft knftables.Interface, now time.Time) (int, error) {
	due := w.stale.due(now.Add(-StaleDelay))
	if len(due) == 0 {
		return 0, nil
	}
	if err := nft.Run(ctx, deleteTx(nft, due)); err != nil {
		existing, lerr := ListExisting(ctx, nft)
		if lerr != nil {
			return 0, fmt.Errorf("deleting stale objects: %w (then listing: %w)", err, lerr)
		}
		left := due[:0:0]
		for _, ref := range due {
			if contains(existing[ref.kind], ref.name) {
				left = append(left, ref)
			}
		}
		if len(left) > 0 {
			if err := nft.Run(ctx, deleteTx(nft, left)); err != nil {
				return 0, fmt.Errorf("deleting %d stale objects: %w", len(left), err)
			}
		}
	}
	for _, ref := range due {
		w.stale.remove(ref)
	}
	return len(due), nil
}

func deleteTx(nft knftables.Interface, refs []objectRef) *knftables.Transaction {
	tx := nft.NewTransaction()
	for _, ref := range refs {
		switch ref.kind {
		case "chain":
			tx.Delete(&knftables.Chain{Name: ref.name})
		case "set":
			tx.Delete(&knftables.Set{Name: ref.name})
		case "map":
			tx.Delete(&knftables.Map{Name: ref.name})
		case "counter":
			tx.Delete(&knftables.Counter{Name: ref.name})
		}
	}
	return tx
}

// ListExisting lists the chains, sets, maps and counters of the table. A
// missing table has none.
func ListExisting(ctx context.Context, nft knftables.Interface) (Existing, error) {
	out := Existing{}
	for _, kind := range []string{"chain", "set", "map", "counter"} {
		names, err := nft.List(ctx, kind)
		if knftables.IsNotFound(err) {
			return Existing{}, nil
		}
		if err != nil {
			return nil, fmt.Errorf("listing %ss: %w", kind, err)
		}
		out[kind] = names
	}
	return out, nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
