package allocator

import (
	"fmt"
	"math/bits"
	"math/rand/v2"
	"sync"
)

// Range is what the Service registry needs from a ClusterIP or NodePort range.
// T is the item type: netip.Addr for [IPRange], int for [PortRange].
type Range[T any] interface {
	// Allocate reserves item. It fails with ErrNotInRange or ErrAllocated.
	Allocate(item T) error
	// AllocateNext reserves a random free item, preferring the dynamic band.
	// It fails with ErrFull.
	AllocateNext(rng *rand.Rand) (T, error)
	// Release frees item. Releasing a free or out-of-range item does nothing.
	Release(item T)
	// Has reports whether item is allocated.
	Has(item T) bool
	// Contains reports whether item belongs to the range.
	Contains(item T) bool
	// Free returns the number of items that can still be allocated.
	Free() int
	// Used returns the number of allocated items.
	Used() int
	// Size returns the number of items in the range.
	Size() int
	// StaticSize returns the number of items in the static band.
	StaticSize() int
	// ForEach calls fn for every allocated item, in ascending order.
	ForEach(fn func(T))
	// String returns the range in its configuration syntax.
	String() string
}

// codec maps the items of a range to bit offsets and back.
type codec[T any] interface {
	// offset returns the bit of item, and false when item is not in the range.
	offset(item T) (int, bool)
	// item returns the item at a bit offset in [0, size).
	item(offset int) T
}

// Bitmap is a fixed-size set of items, one bit per item, split into a static
// band (offsets below StaticSize) and a dynamic band (the rest). It is the
// engine behind [IPRange] and [PortRange]; its methods are promoted to them.
//
// A Bitmap is safe for concurrent use.
type Bitmap[T any] struct {
	codec  codec[T]
	spec   string
	size   int
	static int

	mu         sync.Mutex
	words      []uint64
	used       int
	staticUsed int
}

// init sets up an empty bitmap of size items with a static band of static items.
func (b *Bitmap[T]) init(c codec[T], spec string, size, static int) {
	b.codec = c
	b.spec = spec
	b.size = size
	b.static = static
	b.words = make([]uint64, (size+63)/64)
}

// Allocate reserves item. The error wraps ErrNotInRange when item is outside
// the range and ErrAllocated when it is already in use.
func (b *Bitmap[T]) Allocate(item T) error {
	off, ok := b.codec.offset(item)
	if !ok {
		return fmt.Errorf("%v is outside %s: %w", item, b.spec, ErrNotInRange)
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.test(off) {
		return fmt.Errorf("%v in %s: %w", item, b.spec, ErrAllocated)
	}
	b.set(off)
	return nil
}

// AllocateNext reserves a free item chosen at random, first from the dynamic
// band and, only when that is full, from the static band. rng supplies the
// randomness; nil means the math/rand/v2 package source. The error wraps
// ErrFull when nothing is free.
func (b *Bitmap[T]) AllocateNext(rng *rand.Rand) (T, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	off, ok := b.next(rng)
	if !ok {
		var zero T
		return zero, fmt.Errorf("allocating from %s: %w", b.spec, ErrFull)
	}
	b.set(off)
	return b.codec.item(off), nil
}

// Release frees item. Releasing an item that is free or outside the range is a
// no-op, so callers can release unconditionally when rolling back.
func (b *Bitmap[T]) Release(item T) {
	off, ok := b.codec.offset(item)
	if !ok {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if !b.test(off) {
		return
	}
	b.words[off/64] &^= 1 << uint(off%64)
	b.used--
	if off < b.static {
		b.staticUsed--
	}
}

// Has reports whether item is allocated.
func (b *Bitmap[T]) Has(item T) bool {
	off, ok := b.codec.offset(item)
	if !ok {
		return false
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.test(off)
}

// Contains reports whether item belongs to the range, allocated or not.
func (b *Bitmap[T]) Contains(item T) bool {
	_, ok := b.codec.offset(item)
	return ok
}

// Free returns how many items can still be allocated.
func (b *Bitmap[T]) Free() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.size - b.used
}

// Used returns how many items are allocated.
func (b *Bitmap[T]) Used() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.used
}

// Size returns the number of items in the range.
func (b *Bitmap[T]) Size() int { return b.size }

// StaticSize returns the number of items in the static band, which starts at
// the lowest item of the range.
func (b *Bitmap[T]) StaticSize() int { return b.static }

// String returns the range in its configuration syntax, such as
// "10.96.0.0/12" or "30000-32767".
func (b *Bitmap[T]) String() string { return b.spec }

// ForEach calls fn for every allocated item in ascending order. It works on a
// snapshot, so fn may call back into the range.
func (b *Bitmap[T]) ForEach(fn func(T)) {
	b.mu.Lock()
	words := make([]uint64, len(b.words))
	copy(words, b.words)
	b.mu.Unlock()

	for i, w := range words {
		for w != 0 {
			bit := bits.TrailingZeros64(w)
			fn(b.codec.item(i*64 + bit))
			w &= w - 1
		}
	}
}

// next finds a free offset without reserving it. The caller holds mu.
func (b *Bitmap[T]) next(rng *rand.Rand) (int, bool) {
	if b.used-b.staticUsed < b.size-b.static {
		return b.pick(rng, b.static, b.size)
	}
	if b.staticUsed < b.static {
		return b.pick(rng, 0, b.static)
	}
	return 0, false
}

// pick returns a free offset in [lo, hi): the first free one at or after a
// random start, wrapping around to lo.
func (b *Bitmap[T]) pick(rng *rand.Rand, lo, hi int) (int, bool) {
	start := lo + intN(rng, hi-lo)
	if off, ok := b.firstClear(start, hi); ok {
		return off, true
	}
	return b.firstClear(lo, start)
}

// firstClear returns the lowest free offset in [from, to), scanning a word at a time.
func (b *Bitmap[T]) firstClear(from, to int) (int, bool) {
	for i := from; i < to; {
		shift := uint(i % 64)
		// Shifting brings in zero bits, which read as "taken", so the scan
		// never runs past the end of the word.
		free := ^b.words[i/64] >> shift
		if free != 0 {
			at := i + bits.TrailingZeros64(free)
			return at, at < to
		}
		i += 64 - int(shift)
	}
	return 0, false
}

func (b *Bitmap[T]) test(off int) bool {
	return b.words[off/64]&(1<<uint(off%64)) != 0
}

func (b *Bitmap[T]) set(off int) {
	b.words[off/64] |= 1 << uint(off%64)
	b.used++
	if off < b.static {
		b.staticUsed++
	}
}

// intN draws from rng, or from the math/rand/v2 package source when rng is nil.
func intN(rng *rand.Rand, n int) int {
	if rng == nil {
		return rand.IntN(n)
	}
	return rng.IntN(n)
}

// staticBand returns the size of the static band of a range of total items:
// min(max(16, total/step), limit), or 0 when total is 16 or less.
func staticBand(total uint64, step, limit int) int {
	const minBand = 16
	if total <= minBand {
		return 0
	}
	band := total / uint64(step)
	switch {
	case band < minBand:
		return minBand
	case band > uint64(limit):
		return limit
	}
	return int(band)
}
