package allocator

import "errors"

var (
	// ErrAllocated is returned (wrapped) by Allocate when the item is already in use.
	ErrAllocated = errors.New("already allocated")
	// ErrNotInRange is returned (wrapped) by Allocate when the item is not part of the range.
	ErrNotInRange = errors.New("not in range")
	// ErrFull is returned (wrapped) by AllocateNext when no free item is left.
	ErrFull = errors.New("range is full")
)
