package conntrack

import (
	"fmt"
	"net/netip"

	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"
)

// Netlink deletes entries from the kernel's conntrack table.
type Netlink struct{}

// ClearFlows deletes the entries any filter matches. The kernel is asked
// once per address family, whatever the number of filters.
func (Netlink) ClearFlows(filters []Filter) (int, error) {
	byFamily := map[netlink.InetFamily][]netlink.CustomConntrackFilter{}
	for _, f := range filters {
		fam := netlink.InetFamily(unix.AF_INET)
		if a := firstAddr(f); a.IsValid() && a.Is6() && !a.Is4In6() {
			fam = unix.AF_INET6
		}
		byFamily[fam] = append(byFamily[fam], matcher{f})
	}
	total := 0
	for fam, fs := range byFamily {
		n, err := netlink.ConntrackDeleteFilters(netlink.ConntrackTable, fam, fs...)
		total += int(n)
		if err != nil {
			return total, fmt.Errorf("deleting conntrack entries: %w", err)
		}
	}
	return total, nil
}

func firstAddr(f Filter) netip.Addr {
	if f.OrigDst.IsValid() {
		return f.OrigDst
	}
	return f.ReplySrc
}

// matcher adapts a Filter to netlink's filter interface.
type matcher struct{ f Filter }

func (m matcher) MatchConntrackFlow(fl *netlink.ConntrackFlow) bool {
	addr := func(ip []byte) netip.Addr {
		a, _ := netip.AddrFromSlice(ip)
		return a.Unmap()
	}
	return m.f.Matches(Flow{
		Protocol: protocolName(fl.Forward.Protocol),
		OrigSrc:  netip.AddrPortFrom(addr(fl.Forward.SrcIP), fl.Forward.SrcPort),
		OrigDst:  netip.AddrPortFrom(addr(fl.Forward.DstIP), fl.Forward.DstPort),
		ReplySrc: netip.AddrPortFrom(addr(fl.Reverse.SrcIP), fl.Reverse.SrcPort),
	})
}
