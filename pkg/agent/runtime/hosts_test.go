package runtime

import (
	"net/netip"
	"testing"
)

func TestWithPodEntry(t *testing.T) {
	ip := netip.MustParseAddr("10.244.1.5")
	base := "127.0.0.1\tlocalhost\n"
	tests := []struct {
		name, hosts, hostname, want string
		ip                          netip.Addr
	}{
		{"appended", base, "web-0", base + "10.244.1.5\tweb-0\n", ip},
		{"already there (the agent knew the IP)", base + "10.244.1.5\tweb-0.web.default.svc.cluster.local\tweb-0\n", "web-0",
			base + "10.244.1.5\tweb-0.web.default.svc.cluster.local\tweb-0\n", ip},
		{"missing final newline", "127.0.0.1\tlocalhost", "web-0", base + "10.244.1.5\tweb-0\n", ip},
		{"no IP", base, "web-0", base, netip.Addr{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := withPodEntry(tt.hosts, tt.ip, tt.hostname); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}
