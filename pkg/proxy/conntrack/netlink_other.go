//go:build !linux

package conntrack

import "errors"

// Netlink deletes entries from the kernel's conntrack table (Linux only).
type Netlink struct{}

// ClearFlows fails: there is no conntrack outside Linux.
func (Netlink) ClearFlows([]Filter) (int, error) {
	return 0, errors.New("conntrack is only supported on Linux")
}
