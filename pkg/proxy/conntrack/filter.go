package conntrack

import (
	"fmt"
	"net/netip"
)

// Filter selects entries. Zero fields match anything.
type Filter struct {
	// Protocol is "tcp", "udp" or "sctp".
	Protocol string
	// OrigDst and OrigDstPort are the destination the client used: a
	// Service IP and port, or (with OrigDst unset) a NodePort.
	OrigDst     netip.Addr
	OrigDstPort uint16
	// ReplySrc is the address replies come from: the endpoint the flow
	// was DNATed to.
	ReplySrc netip.Addr
}

// String formats the filter like conntrack(8) arguments.
func (f Filter) String() string {
	s := "-p " + f.Protocol
	if f.OrigDst.IsValid() {
		s += " --orig-dst " + f.OrigDst.String()
	}
	if f.OrigDstPort != 0 {
		s += fmt.Sprintf(" --dport %d", f.OrigDstPort)
	}
	if f.ReplySrc.IsValid() {
		s += " --reply-src " + f.ReplySrc.String()
	}
	return s
}

// Flow is one conntrack entry, reduced to what filters look at.
type Flow struct {
	Protocol string
	// OrigSrc and OrigDst are the original direction's addresses.
	OrigSrc, OrigDst netip.AddrPort
	// ReplySrc is the reply direction's source: the DNAT target.
	ReplySrc netip.AddrPort
}

// Matches reports whether the filter selects fl.
func (f Filter) Matches(fl Flow) bool {
	return (f.Protocol == "" || f.Protocol == fl.Protocol) &&
		(!f.OrigDst.IsValid() || f.OrigDst == fl.OrigDst.Addr()) &&
		(f.OrigDstPort == 0 || f.OrigDstPort == fl.OrigDst.Port()) &&
		(!f.ReplySrc.IsValid() || f.ReplySrc == fl.ReplySrc.Addr())
}

func protocolName(n uint8) string {
	switch n {
	case 6:
		return "tcp"
	case 17:
		return "udp"
	case 132:
		return "sctp"
	}
	return fmt.Sprint(n)
}
