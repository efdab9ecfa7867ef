package nftables

import (
	"net/netip"

	"sigs.k8s.io/knftables"

	"github.com/svcnet/svcnet/pkg/proxy/model"
)

// family holds everything that differs between an ip and an ip6 table, so
// that the rule builders are written once.
type family struct {
	model model.Family
	// table is the nftables family of the table.
	table knftables.Family
	// ip is the payload expression prefix: "ip" or "ip6".
	ip string
	// addrType is the set key type of one address.
	addrType string
	// loopback matches the loopback addresses, which never accept
	// NodePorts.
	loopback string
}

func familyFor(f model.Family) family {
	if f == model.IPv6 {
		return family{model: f, table: knftables.IPv6Family, ip: "ip6", addrType: "ipv6_addr", loopback: "::1"}
	}
	return family{model: f, table: knftables.IPv4Family, ip: "ip", addrType: "ipv4_addr", loopback: "127.0.0.0/8"}
}

// TableFamily returns the nftables family of a table for IP family f.
func TableFamily(f model.Family) knftables.Family { return familyFor(f).table }

// ipPortKey is the key type of the maps keyed by destination address,
// protocol and port.
func (f family) ipPortKey() string { return f.addrType + " . inet_proto . inet_service" }

// addrPort formats a DNAT target: "10.0.0.1:80" or "[fd00::1]:80".
func (f family) addrPort(ap netip.AddrPort) string { return ap.String() }
