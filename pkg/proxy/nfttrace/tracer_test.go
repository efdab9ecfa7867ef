package nfttrace

import (
	"context"
	"net/netip"
	"strings"
	"testing"

	"sigs.k8s.io/knftables"
)

// table loads "chain: rule" lines into a fake with one nat prerouting
// base chain named "base".
func table(t *testing.T, lines ...string) *Tracer {
	t.Helper()
	fake := knftables.NewFake(knftables.IPv4Family, "t")
	tx := fake.NewTransaction()
	tx.Add(&knftables.Table{})
	typ, hook, prio := knftables.NATType, knftables.PreroutingHook, knftables.DNATPriority
	tx.Add(&knftables.Chain{Name: "base", Type: &typ, Hook: &hook, Priority: &prio})
	for _, c := range []string{"a", "b"} {
		tx.Add(&knftables.Chain{Name: c})
	}
	for _, l := range lines {
		chain, rule, _ := strings.Cut(l, ": ")
		tx.Add(&knftables.Rule{Chain: chain, Rule: rule})
	}
	if err := fake.Run(context.Background(), tx); err != nil {
		t.Fatal(err)
	}
	tr, err := NewFromFake(fake, []netip.Addr{netip.MustParseAddr("192.168.0.2")})
	if err != nil {
		t.Fatal(err)
	}
	return tr
}

func TestTracer(t *testing.T) {
	pkt := Packet{Src: netip.MustParseAddr("10.0.0.1"), Dst: netip.MustParseAddr("10.0.0.9"), DPort: 80, Protocol: "tcp"}
	tests := []struct {
		name  string
		rules []string
		want  string
	}{
		{"fall through accepts", nil, "ACCEPT"},
		{"jump returns", []string{"base: jump a", "a: return", "base: drop"}, "DROP"},
		{"goto does not return to its chain", []string{"base: jump a", "a: goto b", "a: drop", "base: reject"}, "REJECT"},
		{"dnat ends the chain", []string{"base: tcp dport 80 dnat to 10.1.1.1:8080", "base: drop"}, "10.1.1.1:8080"},
		{"udp port does not match tcp", []string{"base: udp dport 80 drop"}, "ACCEPT"},
		{"anonymous set", []string{"base: ip saddr { 10.0.0.0/24, 10.9.0.0/16 } drop"}, "DROP"},
		{"negated prefix", []string{"base: ip daddr != 10.0.0.0/8 drop"}, "ACCEPT"},
		{"numgen branches", []string{"base: numgen random mod 2 vmap { 0 : goto a , 1 : goto b }",
			"a: meta l4proto tcp dnat to 10.1.1.1:80", "b: meta l4proto tcp dnat to 10.1.1.2:80"}, "10.1.1.1:80, 10.1.1.2:80"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res, err := table(t, tc.rules...).Trace(pkt)
			if err != nil {
				t.Fatal(err)
			}
			if res.String() != tc.want {
				t.Errorf("got %q, want %q\n%s", res.String(), tc.want, res.Explain())
			}
		})
	}
}

func TestTracerRejectsUnknownRules(t *testing.T) {
	pkt := Packet{Src: netip.MustParseAddr("10.0.0.1"), Dst: netip.MustParseAddr("10.0.0.9"), DPort: 80, Protocol: "tcp"}
	if _, err := table(t, "base: ct status dnat drop").Trace(pkt); err == nil {
		t.Error("an unsupported expression must be an error, not a skip")
	}
}
