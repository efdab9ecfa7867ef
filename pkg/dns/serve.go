package dns

import (
	"context"
	"net"
	"time"

	"github.com/miekg/dns"
)

var _ dns.Handler = (*Server)(nil)

// ServeDNS answers one query: the miekg/dns handler of the UDP and TCP
// servers, usable without sockets with any dns.ResponseWriter.
func (s *Server) ServeDNS(w dns.ResponseWriter, req *dns.Msg) {
	start := time.Now()
	proto := "udp"
	if _, ok := w.LocalAddr().(*net.TCPAddr); ok {
		proto = "tcp"
	}
	resp, handler := s.answer(req)
	s.finish(req, resp, proto)
	if err := w.WriteMsg(resp); err != nil {
		s.log.Debug("dns write failed", "remote", w.RemoteAddr(), "err", err)
	}
	qtype := uint16(0)
	if len(req.Question) == 1 {
		qtype = req.Question[0].Qtype
	}
	s.m.queries.WithLabelValues(proto, typeLabel(qtype), rcodeLabel(resp.Rcode)).Inc()
	s.m.duration.WithLabelValues(handler).Observe(time.Since(start).Seconds())
	if resp.Truncated {
		s.m.truncated.WithLabelValues(proto).Inc()
	}
}

// answer runs req through the handlers and returns the reply and the
// name of the handler that made it.
func (s *Server) answer(req *dns.Msg) (*dns.Msg, string) {
	switch {
	case req.Opcode != dns.OpcodeQuery:
		return failure(req, dns.RcodeNotImplemented), "server"
	case len(req.Question) != 1:
		return failure(req, dns.RcodeFormatError), "server"
	}
	if opt := req.IsEdns0(); opt != nil && opt.Version() != 0 {
		return failure(req, dns.RcodeBadVers), "server"
	}
	q := req.Question[0]
	if (q.Qclass != dns.ClassINET && q.Qclass != dns.ClassANY) || q.Qtype == dns.TypeAXFR || q.Qtype == dns.TypeIXFR {
		return failure(req, dns.RcodeRefused), "server"
	}
	// No per-query deadline here: answers from the index never block, and
	// the forwarder bounds its own exchanges (a timer per query costs a
	// fifth of a cluster answer).
	ctx := s.context()
	for _, h := range s.handlers {
		resp, err := h.ServeDNS(ctx, req)
		if err != nil {
			s.log.Debug("dns query failed", "handler", h.Name(), "name", q.Name, "type", dns.TypeToString[q.Qtype], "err", err)
			return failure(req, dns.RcodeServerFailure), h.Name()
		}
		if resp != nil {
			return resp, h.Name()
		}
	}
	return failure(req, dns.RcodeRefused), "server"
}

func (s *Server) context() context.Context {
	if p := s.baseCtx.Load(); p != nil {
		return *p
	}
	return context.Background()
}

// finish makes resp a reply to req for the transport: the request's ID
// and question, the server's own OPT record when the client sent one,
// and truncation to the client's buffer (512 bytes over UDP without
// EDNS0) with TC set when records had to go.
func (s *Server) finish(req, resp *dns.Msg, proto string) {
	resp.Id = req.Id
	resp.Response = true
	resp.Opcode = req.Opcode
	resp.RecursionDesired = req.RecursionDesired
	resp.Question = req.Question
	extra := resp.Extra[:0]
	for _, rr := range resp.Extra {
		if rr.Header().Rrtype != dns.TypeOPT {
			extra = append(extra, rr)
		}
	}
	resp.Extra = extra
	size := dns.MinMsgSize
	if opt := req.IsEdns0(); opt != nil {
		resp.SetEdns0(advertisedUDPSize, opt.Do())
		size = max(size, min(int(opt.UDPSize()), maxUDPSize))
	}
	if proto == "tcp" {
		size = dns.MaxMsgSize
	}
	resp.Truncate(size)
}
