package conntrack

import (
	"net/netip"
	"testing"
)

func TestFakeClearFlows(t *testing.T) {
	flow := func(proto, dst, reply string) Flow {
		return Flow{Protocol: proto, OrigSrc: netip.MustParseAddrPort("10.0.0.9:5353"),
			OrigDst: netip.MustParseAddrPort(dst), ReplySrc: netip.MustParseAddrPort(reply)}
	}
	f := &Fake{Flows: []Flow{
		flow("udp", "172.30.0.10:53", "10.180.0.1:53"),    // to the removed endpoint
		flow("udp", "172.30.0.10:53", "10.180.0.2:53"),    // to another endpoint
		flow("tcp", "172.30.0.10:53", "10.180.0.1:53"),    // TCP: closes by itself
		flow("udp", "192.168.0.2:30053", "10.180.0.1:53"), // NodePort to the removed endpoint
	}}
	tests := []struct {
		name   string
		filter Filter
		want   int
	}{
		{"service IP", Filter{Protocol: "udp", OrigDst: netip.MustParseAddr("172.30.0.10"), OrigDstPort: 53, ReplySrc: netip.MustParseAddr("10.180.0.1")}, 1},
		{"node port", Filter{Protocol: "udp", OrigDstPort: 30053, ReplySrc: netip.MustParseAddr("10.180.0.1")}, 1},
		{"nothing left", Filter{Protocol: "udp", OrigDstPort: 30053}, 0},
	}
	for _, tc := range tests {
		n, err := f.ClearFlows([]Filter{tc.filter})
		if err != nil || n != tc.want {
			t.Errorf("%s: cleared %d (%v), want %d", tc.name, n, err, tc.want)
		}
	}
	if len(f.Flows) != 2 || len(f.Calls) != 3 {
		t.Errorf("flows left %v, calls %d", f.Flows, len(f.Calls))
	}
	if got := f.Calls[0][0].String(); got != "-p udp --orig-dst 172.30.0.10 --dport 53 --reply-src 10.180.0.1" {
		t.Errorf("String() = %q", got)
	}
}
