package nftables

import (
	"fmt"
	"net/netip"

	"sigs.k8s.io/knftables"
)

// baseChain is a chain attached to a netfilter hook.
type baseChain struct {
	name     string
	typ      knftables.BaseChainType
	hook     knftables.BaseChainHook
	priority knftables.BaseChainPriority
}

// baseChains are the hooks the proxy uses. Filter chains that must see the
// destination before DNAT run just before it (dstnat-10); the output path
// also checks after DNAT (dstnat+10) because there the filter hook runs
// before the nat one. Input and forward always come after prerouting's
// DNAT.
var baseChains = []baseChain{
	{filterPreroutingChain, knftables.FilterType, knftables.PreroutingHook, knftables.DNATPriority + "-10"},
	{filterInputChain, knftables.FilterType, knftables.InputHook, knftables.DNATPriority + "-10"},
	{filterForwardChain, knftables.FilterType, knftables.ForwardHook, knftables.DNATPriority + "-10"},
	{filterOutputChain, knftables.FilterType, knftables.OutputHook, knftables.DNATPriority + "-10"},
	{filterOutputPostDNATChain, knftables.FilterType, knftables.OutputHook, knftables.DNATPriority + "+10"},
	{natPreroutingChain, knftables.NATType, knftables.PreroutingHook, knftables.DNATPriority},
	{natOutputChain, knftables.NATType, knftables.OutputHook, knftables.DNATPriority},
	{natPostroutingChain, knftables.NATType, knftables.PostroutingHook, knftables.SNATPriority},
}

// jumps are the rules in base chains that enter the proxy's regular chains.
var jumps = []struct{ from, match, to string }{
	{filterPreroutingChain, "ct state new", firewallCheckChain},
	{filterOutputChain, "ct state new", firewallCheckChain},
	{filterInputChain, "ct state new", endpointsCheckChain},
	{filterForwardChain, "ct state new", endpointsCheckChain},
	{filterOutputPostDNATChain, "ct state new", endpointsCheckChain},
	{filterInputChain, "ct state new", clusterIPsCheckChain},
	{filterForwardChain, "ct state new", clusterIPsCheckChain},
	{filterOutputPostDNATChain, "ct state new", clusterIPsCheckChain},
	{natPreroutingChain, "", servicesChain},
	{natOutputChain, "", servicesChain},
	{natPostroutingChain, "", masqueradingChain},
}

// writeSkeleton writes the fixed part of the table: base chains, the
// dispatch, refusal and masquerade chains, and the shared sets and maps,
// emptied. It returns the objects it wrote.
func (w *Writer) writeSkeleton(tx *knftables.Transaction) *objects {
	o := &objects{}
	for _, bc := range baseChains {
		tx.Add(&knftables.Chain{Name: bc.name, Type: &bc.typ, Hook: &bc.hook, Priority: &bc.priority})
		o.addChain(bc.name)
	}
	w.writeSharedContainers(tx, o)
	w.writeFixedChains(o)
	for _, c := range o.chains {
		if !isBaseChain(c.name) {
			tx.Add(&knftables.Chain{Name: c.name})
		}
	}
	for _, j := range jumps {
		for i := range o.chains {
			if o.chains[i].name == j.from {
				o.chains[i].rules = append(o.chains[i].rules, rule(j.match, "jump", j.to))
			}
		}
	}
	for _, c := range o.chains {
		for _, r := range c.rules {
			tx.Add(r.nft(c.name))
		}
	}
	return o
}

func isBaseChain(name string) bool {
	for _, bc := range baseChains {
		if bc.name == name {
			return true
		}
	}
	return false
}

// writeSharedContainers creates the shared sets and maps and empties them:
// flushing the table removes rules but keeps set elements.
func (w *Writer) writeSharedContainers(tx *knftables.Transaction, o *objects) {
	maps := []struct{ name, key, comment string }{
		{serviceIPsMap, w.fam.ipPortKey(), "ClusterIP, external IP and LoadBalancer IP traffic"},
		{serviceNodePortsMap, "inet_proto . inet_service", "NodePort traffic"},
		{noEndpointServicesMap, w.fam.ipPortKey(), "reject or drop traffic to Service IPs without endpoints"},
		{noEndpointNodePortsMap, "inet_proto . inet_service", "reject or drop traffic to NodePorts without endpoints"},
		{firewallIPsMap, w.fam.ipPortKey(), "LoadBalancer IPs with loadBalancerSourceRanges"},
	}
	for _, m := range maps {
		tx.Add(&knftables.Map{Name: m.name, Type: m.key + " : verdict", Comment: &m.comment})
		tx.Flush(&knftables.Map{Name: m.name})
	}
	sets := []struct{ name, comment string }{
		{clusterIPsSet, "allocated ClusterIPs"},
		{nodePortIPsSet, "node addresses that accept NodePort traffic"},
	}
	for _, s := range sets {
		if s.name == nodePortIPsSet && w.nodePortIPs == nil {
			continue
		}
		tx.Add(&knftables.Set{Name: s.name, Type: w.fam.addrType, Comment: &s.comment})
		tx.Flush(&knftables.Set{Name: s.name})
	}
	for _, ip := range w.nodePortIPs {
		tx.Add(&knftables.Element{Set: nodePortIPsSet, Key: []string{ip.String()}})
	}
}

// writeFixedChains adds the regular chains of the skeleton to o.
func (w *Writer) writeFixedChains(o *objects) {
	ipX := w.fam.ip
	nodePortMatch := "fib daddr type local " + ipX + " daddr != " + w.fam.loopback
	if w.nodePortIPs != nil {
		nodePortMatch = ipX + " daddr @" + nodePortIPsSet
	}
	mark := fmt.Sprintf("%#x", w.cfg.MasqueradeMark)
	o.addChain(servicesChain,
		rule(ipX, "daddr . meta l4proto . th dport vmap @"+serviceIPsMap),
		rule(nodePortMatch, "meta l4proto . th dport vmap @"+serviceNodePortsMap))
	o.addChain(endpointsCheckChain,
		rule(ipX, "daddr . meta l4proto . th dport vmap @"+noEndpointServicesMap),
		rule(nodePortMatch, "meta l4proto . th dport vmap @"+noEndpointNodePortsMap))
	checks := []ruleSpec{commented("wrong port on a ClusterIP", ipX, "daddr @"+clusterIPsSet, "goto", rejectChain)}
	if len(w.serviceCIDRs) > 0 {
		checks = append(checks, commented("unallocated IP in a Service CIDR",
			ipX, "daddr", anonSet(w.serviceCIDRs), "drop"))
	}
	o.addChain(clusterIPsCheckChain, checks...)
	o.addChain(rejectChain, rule("meta l4proto tcp reject with tcp reset"), rule("reject"))
	o.addChain(firewallCheckChain, rule(ipX, "daddr . meta l4proto . th dport vmap @"+firewallIPsMap))
	o.addChain(markMasqChain, rule("mark set mark or", mark))
	o.addChain(masqueradingChain,
		rule("mark and", mark, "== 0 return"),
		rule("mark set mark xor", mark),
		rule("masquerade fully-random"))
}

// anonSet formats prefixes as an anonymous set, or a single prefix bare.
func anonSet(prefixes []netip.Prefix) string {
	if len(prefixes) == 1 {
		return prefixes[0].String()
	}
	s := "{ "
	for i, p := range prefixes {
		if i > 0 {
			s += ", "
		}
		s += p.String()
	}
	return s + " }"
}
