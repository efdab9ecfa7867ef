package proxy

import (
	"context"
	"fmt"
	"net/netip"
	"slices"
	"strings"

	v1 "k8s.io/api/core/v1"
	"sigs.k8s.io/knftables"

	"github.com/svcnet/svcnet/pkg/proxy/model"
	"github.com/svcnet/svcnet/pkg/proxy/nftables"
	"github.com/svcnet/svcnet/pkg/proxy/nfttrace"
)

// TraceResult explains what the proxy's rules do with the first packet of
// a connection.
type TraceResult struct {
	// Services are the Service ports the destination belongs to.
	Services []string
	// Paths are the possible outcomes: one per endpoint the packet may be
	// sent to, or a single refusal or pass.
	Paths []TracePath
}

// TracePath is one possible outcome.
type TracePath struct {
	// Verdict is "ACCEPT" (delivered, DNATed when Endpoint is set), "DROP"
	// or "REJECT".
	Verdict string
	// Endpoint is the DNAT target, invalid when the packet is not
	// translated.
	Endpoint netip.AddrPort
	// Masquerade tells whether the source address is rewritten to the
	// node's.
	Masquerade bool
	// Steps are the rules that matched, in order.
	Steps []TraceStep
}

// TraceStep is one rule that matched.
type TraceStep struct {
	Chain, Rule, Comment, Verdict string
}

// Trace computes the fate of a packet from src to dst:port over proto,
// from the proxy's model: it writes the rules of the Services that own dst
// (or the NodePort, when dst is a node address) exactly as a sync would,
// into a private fake table, and follows the packet through them. It
// shows what the proxy programs, without reading the kernel; ClientIP
// affinity state is not known, so every endpoint is listed.
func (p *Proxier) Trace(src, dst netip.Addr, port uint16, proto v1.Protocol) (TraceResult, error) {
	p.mu.Lock()
	services, names := p.servicesFor(dst, port, proto)
	p.mu.Unlock()
	fam := nftables.TableFamily(p.cfg.Family)
	fake := knftables.NewFake(fam, p.cfg.TableName)
	tx := fake.NewTransaction()
	nftables.NewWriter(p.writerCfg).WriteFull(tx, services, nil)
	if err := fake.Run(context.Background(), tx); err != nil {
		return TraceResult{}, fmt.Errorf("building the rules to trace: %w", err)
	}
	rs, err := nfttrace.FromFake(fake)
	if err != nil {
		return TraceResult{}, fmt.Errorf("reading the rules to trace: %w", err)
	}
	res, err := nfttrace.New(rs, p.cfg.NodeIPs).Trace(nfttrace.Packet{
		Src: src.Unmap(), Dst: dst.Unmap(), DPort: port, Protocol: strings.ToLower(string(proto))})
	if err != nil {
		return TraceResult{}, fmt.Errorf("tracing %s -> %s:%d/%s: %w", src, dst, port, proto, err)
	}
	out := TraceResult{Services: names}
	for _, path := range res.Paths {
		tp := TracePath{Verdict: string(path.Verdict), Endpoint: path.DNAT, Masquerade: path.Masquerade}
		for _, s := range path.Steps {
			tp.Steps = append(tp.Steps, TraceStep{Chain: s.Chain, Rule: s.Rule, Comment: s.Comment, Verdict: s.Verdict})
		}
		out.Paths = append(out.Paths, tp)
	}
	return out, nil
}

// servicesFor returns the Services a destination can reach: those owning
// dst as a ClusterIP, external IP or LoadBalancer IP, and, for a node
// address, those with the NodePort.
func (p *Proxier) servicesFor(dst netip.Addr, port uint16, proto v1.Protocol) ([]*model.Service, []string) {
	dst = dst.Unmap()
	onNode := slices.Contains(p.cfg.NodeIPs, dst) || dst.IsLoopback()
	var out []*model.Service
	var names []string
	for _, svc := range p.sortedServices() {
		match := false
		for _, sp := range svc.Ports {
			owns := sp.ClusterIP == dst || slices.Contains(sp.ExternalIPs, dst) || slices.Contains(sp.LoadBalancerIPs, dst)
			nodePort := onNode && sp.NodePort == port && sp.Name.Protocol == proto
			if owns || nodePort {
				match = true
				if nodePort || (sp.Port == port && sp.Name.Protocol == proto) {
					names = append(names, sp.Name.String())
				}
			}
		}
		if match {
			out = append(out, svc)
		}
	}
	return out, names
}

// String formats the result for people, one path per paragraph.
func (r TraceResult) String() string {
	var b strings.Builder
	if len(r.Services) > 0 {
		fmt.Fprintf(&b, "service: %s\n", strings.Join(r.Services, ", "))
	}
	for i, path := range r.Paths {
		fmt.Fprintf(&b, "path %d: %s", i+1, path.Verdict)
		if path.Endpoint.IsValid() {
			fmt.Fprintf(&b, " -> %s", path.Endpoint)
		}
		if path.Masquerade {
			b.WriteString(" (masqueraded)")
		}
		b.WriteString("\n")
		for _, s := range path.Steps {
			fmt.Fprintf(&b, "  %-40s %s", s.Chain, s.Rule)
			if s.Comment != "" {
				fmt.Fprintf(&b, "  # %s", s.Comment)
			}
			b.WriteString("\n")
		}
	}
	return b.String()
}
