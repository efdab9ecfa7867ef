package dns

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/miekg/dns"

	"github.com/svcnet/svcnet/pkg/dns/forward"
)

// UDP buffer sizes: what the server offers in its OPT record, and the
// most it sends over UDP whatever the client offers.
const (
	advertisedUDPSize = 1232
	maxUDPSize        = dns.DefaultMsgSize
)

// Server is the cluster DNS server.
type Server struct {
	cfg       Config
	log       *slog.Logger
	index     *Index
	cluster   *Cluster
	forwarder *forward.Forwarder
	handlers  []Handler
	m         *metrics

	running   atomic.Bool
	baseCtx   atomic.Pointer[context.Context]
	listening chan struct{}
	mu        sync.Mutex
	addrs     []net.Addr
}

// New builds a Server from c. It reads the upstream resolvers from
// c.ResolvConf when c.Upstreams is empty; it binds no socket until Run.
func New(c Config) (*Server, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	ups := c.Upstreams
	if len(ups) == 0 {
		conf, err := forward.ResolvConf(c.ResolvConf)
		if err != nil {
			return nil, fmt.Errorf("dns: upstream resolvers: %w", err)
		}
		ups = forward.WithoutSelf(conf, selfAddrs(c.Listen))
		if len(ups) == 0 {
			return nil, fmt.Errorf("dns: no upstream resolvers in %s besides this server", c.ResolvConf)
		}
	}
	fwd, err := forward.New(forward.Config{
		Upstreams:    ups,
		Timeout:      c.ForwardTimeout,
		QueryTimeout: c.QueryTimeout,
		CacheSize:    c.CacheSize,
		Registerer:   c.Registerer,
		Logger:       c.Logger,
	})
	if err != nil {
		return nil, fmt.Errorf("dns: %w", err)
	}
	index := c.Index
	if index == nil {
		index = NewIndex()
	}
	nsNamespace, nsName, _ := strings.Cut(c.NSService, "/")
	cluster := NewCluster(index, ClusterConfig{
		Domain:      c.ClusterDomain,
		TTL:         uint32(c.TTL / time.Second),
		NSNamespace: nsNamespace,
		NSName:      nsName,
		External:    fwd,
	})
	m, err := newMetrics(c.Registerer, index)
	if err != nil {
		return nil, fmt.Errorf("dns: %w", err)
	}
	return &Server{
		cfg:       c,
		log:       c.Logger,
		index:     index,
		cluster:   cluster,
		forwarder: fwd,
		handlers:  []Handler{cluster, fwd},
		m:         m,
		listening: make(chan struct{}),
	}, nil
}

// Index returns the index the server answers from.
func (s *Server) Index() *Index { return s.index }

// Upstreams returns the upstream resolvers in use, as IP:port.
func (s *Server) Upstreams() []string { return s.forwarder.Upstreams() }

// Listening is closed once Run has bound its sockets.
func (s *Server) Listening() <-chan struct{} { return s.listening }

// Addrs returns the bound addresses, UDP (*net.UDPAddr) and TCP
// (*net.TCPAddr), once Listening is closed.
func (s *Server) Addrs() []net.Addr {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]net.Addr(nil), s.addrs...)
}

// Run binds the listen addresses, starts the informers when there is a
// Client, and serves until ctx is done. It may be called once.
func (s *Server) Run(ctx context.Context) error {
	if !s.running.CompareAndSwap(false, true) {
		return errors.New("dns: Run called twice")
	}
	servers, err := s.listen()
	if err != nil {
		return err
	}
	s.baseCtx.Store(&ctx)
	close(s.listening)
	s.log.Info("dns serving", "addrs", fmt.Sprint(s.Addrs()), "zone", s.cluster.zone, "upstreams", strings.Join(s.forwarder.Upstreams(), ","))

	if s.cfg.Client != nil {
		f, err := s.startInformers(ctx)
		if err != nil {
			closeAll(servers)
			return fmt.Errorf("dns: starting informers: %w", err)
		}
		defer f.Shutdown()
	}

	errc := make(chan error, len(servers))
	for _, srv := range servers {
		go func() { errc <- srv.ActivateAndServe() }()
	}
	var runErr error
	select {
	case <-ctx.Done():
	case runErr = <-errc:
		runErr = fmt.Errorf("dns: serving: %w", runErr)
	}
	closeAll(servers)
	for range len(servers) - boolInt(runErr != nil) {
		<-errc
	}
	return runErr
}

// closeAll stops the servers; closing the sockets also stops a server
// whose ActivateAndServe has not started yet.
func closeAll(servers []*dns.Server) {
	for _, srv := range servers {
		sctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		_ = srv.ShutdownContext(sctx)
		cancel()
		if srv.PacketConn != nil {
			_ = srv.PacketConn.Close()
		}
		if srv.Listener != nil {
			_ = srv.Listener.Close()
		}
	}
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// listen binds UDP and TCP on every listen address. For port 0 the TCP
// socket takes the port the kernel gave the UDP one, so clients retrying
// over TCP find it.
func (s *Server) listen() ([]*dns.Server, error) {
	var servers []*dns.Server
	var addrs []net.Addr
	for _, l := range s.cfg.Listen {
		pc, ln, err := bindPair(l)
		if err != nil {
			closeAll(servers)
			return nil, fmt.Errorf("dns: listening on %s: %w", l, err)
		}
		addrs = append(addrs, pc.LocalAddr(), ln.Addr())
		servers = append(servers,
			&dns.Server{PacketConn: pc, Handler: s, UDPSize: advertisedUDPSize},
			&dns.Server{Listener: ln, Handler: s})
	}
	s.mu.Lock()
	s.addrs = addrs
	s.mu.Unlock()
	return servers, nil
}

func bindPair(addr string) (net.PacketConn, net.Listener, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, nil, err
	}
	var lastErr error
	for range 20 {
		pc, err := net.ListenPacket("udp", addr)
		if err != nil {
			return nil, nil, err
		}
		tcpAddr := addr
		if port == "0" {
			tcpAddr = net.JoinHostPort(host, fmt.Sprint(pc.LocalAddr().(*net.UDPAddr).Port))
		}
		ln, err := net.Listen("tcp", tcpAddr)
		if err == nil {
			return pc, ln, nil
		}
		_ = pc.Close()
		lastErr = err
		if port != "0" {
			break
		}
	}
	return nil, nil, lastErr
}

// selfAddrs are the addresses a listen list answers on; for wildcard
// hosts, every interface address.
func selfAddrs(listen []string) []netip.AddrPort {
	var out []netip.AddrPort
	var ifaddrs []netip.Addr
	for _, l := range listen {
		host, port, err := net.SplitHostPort(l)
		if err != nil {
			continue
		}
		p, err := net.LookupPort("udp", port)
		if err != nil {
			continue
		}
		a, err := netip.ParseAddr(host)
		if err == nil && !a.IsUnspecified() {
			out = append(out, netip.AddrPortFrom(a, uint16(p)))
			continue
		}
		if ifaddrs == nil {
			ifaddrs = interfaceAddrs()
		}
		for _, ia := range ifaddrs {
			out = append(out, netip.AddrPortFrom(ia, uint16(p)))
		}
	}
	return out
}

func interfaceAddrs() []netip.Addr {
	as, err := net.InterfaceAddrs()
	if err != nil {
		return []netip.Addr{}
	}
	out := make([]netip.Addr, 0, len(as))
	for _, a := range as {
		if p, err := netip.ParsePrefix(a.String()); err == nil {
			out = append(out, p.Addr())
		}
	}
	return out
}
