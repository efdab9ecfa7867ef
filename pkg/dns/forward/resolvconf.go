package forward

import (
	"fmt"
	"net"
	"net/netip"

	"github.com/miekg/dns"
)

// ResolvConf returns the nameservers of a resolv.conf file as host:port.
func ResolvConf(path string) ([]string, error) {
	cfg, err := dns.ClientConfigFromFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading resolver configuration %s: %w", path, err)
	}
	out := make([]string, 0, len(cfg.Servers))
	for _, s := range cfg.Servers {
		out = append(out, net.JoinHostPort(s, cfg.Port))
	}
	return out, nil
}

// WithoutSelf drops the upstreams that are one of self, the addresses the
// server answers on: forwarding to them would loop.
func WithoutSelf(upstreams []string, self []netip.AddrPort) []string {
	var out []string
	for _, u := range upstreams {
		ap, err := netip.ParseAddrPort(u)
		if err == nil && isSelf(ap, self) {
			continue
		}
		out = append(out, u)
	}
	return out
}

func isSelf(ap netip.AddrPort, self []netip.AddrPort) bool {
	a := ap.Addr().Unmap().WithZone("")
	for _, s := range self {
		if s.Port() == ap.Port() && s.Addr().Unmap().WithZone("") == a {
			return true
		}
	}
	return false
}
