package nftables

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"

	"sigs.k8s.io/knftables"

	"github.com/svcnet/svcnet/pkg/proxy/model"
)

// portPlan is what one Service port needs, decided from its endpoints and
// traffic policies before any rule is written.
type portPlan struct {
	sp    *model.ServicePort
	names portNames
	proto string
	port  string
	sel   model.Selection
	// internal and external are the endpoints for ClusterIP traffic and
	// for traffic from outside; internalChain and externalPolicyChain the
	// chains that spread over them.
	internal, external                 []*model.Endpoint
	internalChain, externalPolicyChain string
	// usesCluster, usesLocal and usesExternal tell which chains exist.
	usesCluster, usesLocal, usesExternal bool
	// noInternal and noExternal are the verdicts for traffic that finds
	// no endpoint: reject when the port has none anywhere, drop when only
	// this node has none.
	noInternal, noExternal string
	// epChains caches endpoint chain names: hashing is a good part of a
	// full sync's cost.
	epChains map[netip.AddrPort]string
}

// endpointChain returns the chain name of ep.
func (p *portPlan) endpointChain(ep *model.Endpoint) string {
	if name, ok := p.epChains[ep.Addr]; ok {
		return name
	}
	if p.epChains == nil {
		p.epChains = map[netip.AddrPort]string{}
	}
	name := endpointChainName(p.sp, ep)
	p.epChains[ep.Addr] = name
	return name
}

func planPort(sp *model.ServicePort, eps []*model.Endpoint, node string) *portPlan {
	p := &portPlan{sp: sp, names: namesForPort(sp), proto: strings.ToLower(string(sp.Name.Protocol)),
		port: strconv.Itoa(int(sp.Port)), sel: model.Select(eps, node)}
	hasEndpoints := len(p.sel.Cluster) > 0
	p.internal, p.internalChain = p.sel.Cluster, p.names.service
	if sp.InternalLocal {
		p.internal, p.internalChain = p.sel.Local, p.names.local
	}
	p.external, p.externalPolicyChain = p.sel.Cluster, p.names.service
	if sp.ExternalLocal {
		p.external, p.externalPolicyChain = p.sel.Local, p.names.local
	}
	p.usesCluster = hasEndpoints && (!sp.InternalLocal || sp.ExternallyAccessible())
	p.usesLocal = len(p.sel.Local) > 0 && (sp.InternalLocal || sp.ExternalLocal)
	p.usesExternal = hasEndpoints && sp.ExternallyAccessible()
	p.noInternal, p.noExternal = "drop", "drop"
	if !hasEndpoints {
		p.noInternal, p.noExternal = "goto "+rejectChain, "goto "+rejectChain
	}
	return p
}

// buildService returns all objects of svc. It depends only on svc and the
// writer's configuration, so building the previous version of a Service
// gives exactly what was programmed for it.
func (w *Writer) buildService(svc *model.Service) *objects {
	o := &objects{}
	if svc == nil || len(svc.Ports) == 0 {
		return o
	}
	o.addSetElement(clusterIPsSet, svc.Ports[0].ClusterIP.String())
	for _, sp := range svc.Ports {
		p := planPort(sp, svc.Endpoints[sp.Name.Key()], w.cfg.NodeName)
		w.writeDispatchElements(o, p)
		w.writePolicyChains(o, p)
		w.writeExternalChain(o, p)
		w.writeFirewall(o, p)
		w.writeEndpoints(o, p)
	}
	return o
}

// writeDispatchElements adds the map elements that send each destination
// of the port to its chain, or to a refusal.
func (w *Writer) writeDispatchElements(o *objects, p *portPlan) {
	sp := p.sp
	cip := sp.ClusterIP.String()
	if len(p.internal) > 0 {
		o.addMapElement(serviceIPsMap, "goto "+p.internalChain, cip, p.proto, p.port)
	} else {
		o.addMapElement(noEndpointServicesMap, p.noInternal, cip, p.proto, p.port)
	}
	external := append(append([]string{}, addrStrings(sp.ExternalIPs)...), addrStrings(sp.LoadBalancerIPs)...)
	for _, ip := range external {
		if p.usesExternal {
			o.addMapElement(serviceIPsMap, "goto "+p.names.external, ip, p.proto, p.port)
		}
		if len(p.external) == 0 {
			o.addMapElement(noEndpointServicesMap, p.noExternal, ip, p.proto, p.port)
		}
	}
	if sp.NodePort != 0 {
		np := strconv.Itoa(int(sp.NodePort))
		if p.usesExternal {
			o.addMapElement(serviceNodePortsMap, "goto "+p.names.external, p.proto, np)
		}
		if len(p.external) == 0 {
			o.addMapElement(noEndpointNodePortsMap, p.noExternal, p.proto, np)
		}
	}
}

// writePolicyChains adds the chains that spread traffic over the port's
// endpoints: all of them (Cluster) and this node's (Local).
func (w *Writer) writePolicyChains(o *objects, p *portPlan) {
	if p.usesCluster {
		o.addChain(p.names.service, w.dispatchRules(p, p.names.service, p.sel.Cluster)...)
	}
	if p.usesLocal {
		o.addChain(p.names.local, w.dispatchRules(p, p.names.local, p.sel.Local)...)
	}
	if w.cfg.Counters && (p.usesCluster || p.usesLocal) {
		o.counters = append(o.counters, p.names.service)
	}
}

// dispatchRules are the rules of a policy chain: masquerade ClusterIP
// traffic from outside the pod network, count, honour affinity, then pick
// an endpoint at random.
func (w *Writer) dispatchRules(p *portPlan, chain string, eps []*model.Endpoint) []ruleSpec {
	var rules []ruleSpec
	ipX := w.fam.ip
	if chain == p.internalChain {
		match := knftables.Concat(ipX, "daddr", p.sp.ClusterIP.String(), p.proto, "dport", p.port)
		switch {
		case w.cfg.MasqueradeAll:
			rules = append(rules, rule(match, "jump", markMasqChain))
		case len(w.clusterCIDRs) > 0:
			rules = append(rules, rule(match, ipX, "saddr !=", anonSet(w.clusterCIDRs), "jump", markMasqChain))
		}
	}
	if w.cfg.Counters {
		rules = append(rules, rule("counter name", strconv.Quote(p.names.service)))
	}
	if p.sp.AffinityTimeout > 0 {
		for _, ep := range eps {
			set := affinitySetName(p.sp, ep, p.sp.AffinityTimeout)
			rules = append(rules, rule(ipX, "saddr @"+set, "goto", p.endpointChain(ep)))
		}
	}
	var vmap strings.Builder
	for i, ep := range eps {
		if i > 0 {
			// A space before the comma keeps the chain name a word of
			// its own for tools that split on spaces.
			vmap.WriteString(" , ")
		}
		fmt.Fprintf(&vmap, "%d : goto %s", i, p.endpointChain(ep))
	}
	return append(rules, rule("numgen random mod", len(eps), "vmap {", vmap.String(), "}"))
}

// writeExternalChain adds the entry chain of NodePort, external IP and
// LoadBalancer IP traffic. With policy Cluster it masquerades and uses all
// endpoints. With policy Local it keeps the client IP and uses this node's
// endpoints, except for traffic from pods and from the node itself, which
// behaves as if it had gone out to a load balancer and come back.
func (w *Writer) writeExternalChain(o *objects, p *portPlan) {
	if !p.usesExternal {
		return
	}
	if !p.sp.ExternalLocal {
		o.addChain(p.names.external, rule("jump", markMasqChain), rule("goto", p.names.service))
		return
	}
	var rules []ruleSpec
	if len(w.clusterCIDRs) > 0 {
		rules = append(rules, commented("short-circuit pod traffic",
			w.fam.ip, "saddr", anonSet(w.clusterCIDRs), "goto", p.names.service))
	}
	rules = append(rules,
		commented("masquerade local traffic", "fib saddr type local jump", markMasqChain),
		commented("short-circuit local traffic", "fib saddr type local goto", p.names.service))
	if p.usesLocal {
		rules = append(rules, rule("goto", p.names.local))
	}
	o.addChain(p.names.external, rules...)
}

// writeFirewall adds the loadBalancerSourceRanges check of the port's
// LoadBalancer IPs. When the node itself is inside the ranges, the LB IPs
// are allowed as sources too: traffic from the node to its own LB IP can
// arrive with the LB IP as source.
func (w *Writer) writeFirewall(o *objects, p *portPlan) {
	sp := p.sp
	if len(sp.LoadBalancerIPs) == 0 || len(sp.SourceRanges) == 0 {
		return
	}
	var allowed []string
	fromNode := false
	for _, r := range sp.SourceRanges {
		allowed = append(allowed, r.String())
		for _, ip := range w.cfg.NodeIPs {
			fromNode = fromNode || r.Contains(ip)
		}
	}
	if fromNode {
		allowed = append(allowed, addrStrings(sp.LoadBalancerIPs)...)
	}
	o.addChain(p.names.firewall, rule(w.fam.ip, "saddr != {", strings.Join(allowed, ", "), "} drop"))
	for _, ip := range sp.LoadBalancerIPs {
		o.addMapElement(firewallIPsMap, "goto "+p.names.firewall, ip.String(), p.proto, p.port)
	}
}

// writeEndpoints adds the chain of every endpoint a policy chain uses:
// masquerade hairpin traffic, record affinity, count, DNAT.
func (w *Writer) writeEndpoints(o *objects, p *portPlan) {
	var used []*model.Endpoint
	if p.usesCluster {
		used = append(used, p.sel.Cluster...)
	}
	if p.usesLocal {
		for _, ep := range p.sel.Local {
			if !p.usesCluster || !containsEndpoint(p.sel.Cluster, ep) {
				used = append(used, ep)
			}
		}
	}
	ipX := w.fam.ip
	for _, ep := range used {
		chain := p.endpointChain(ep)
		rules := []ruleSpec{commented("hairpin", ipX, "saddr", ep.Addr.Addr().String(), "jump", markMasqChain)}
		if p.sp.AffinityTimeout > 0 {
			set := affinitySetName(p.sp, ep, p.sp.AffinityTimeout)
			o.sets = append(o.sets, setSpec{name: set, timeout: p.sp.AffinityTimeout})
			rules = append(rules, rule("update @"+set, "{", ipX, "saddr }"))
		}
		if w.cfg.Counters {
			rules = append(rules, rule("counter name", strconv.Quote(chain)))
			o.counters = append(o.counters, chain)
		}
		rules = append(rules, rule("meta l4proto", p.proto, "dnat to", w.fam.addrPort(ep.Addr)))
		o.addChain(chain, rules...)
	}
}

func containsEndpoint(list []*model.Endpoint, ep *model.Endpoint) bool {
	for _, e := range list {
		if e.Addr == ep.Addr {
			return true
		}
	}
	return false
}
