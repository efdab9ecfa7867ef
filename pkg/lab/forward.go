package lab

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"strconv"
	"sync"
	"time"

	"github.com/svcnet/svcnet/pkg/netnsutil"
)

const (
	// forwardDialTimeout bounds each dial into the namespace.
	forwardDialTimeout = 10 * time.Second
	// maxForwardConns bounds concurrent forwarded connections; more are
	// refused.
	maxForwardConns = 512
)

// Forwarder carries TCP connections from a listener on the host's loopback to
// an address inside a lab namespace, dialling from inside the namespace for
// each connection. `lab kubeconfig` points the kubeconfig at it.
type Forwarder struct {
	ln     net.Listener
	nsPath string
	target string
	logger *slog.Logger
	cancel context.CancelFunc
	slots  chan struct{}

	mu     sync.Mutex
	closed bool
	conns  map[net.Conn]struct{}
	wg     sync.WaitGroup
}

// Forward listens on listenAddr, which must be a loopback IP literal with a
// port ("127.0.0.1:0" picks a free port), and forwards each connection to
// target (an IP literal with a port) dialled from inside the network
// namespace at nsPath. It serves until ctx is done or Close is called.
// logger may be nil.
func Forward(ctx context.Context, listenAddr, nsPath, target string, logger *slog.Logger) (*Forwarder, error) {
	if err := checkLoopback(listenAddr); err != nil {
		return nil, err
	}
	if _, err := netip.ParseAddrPort(target); err != nil {
		return nil, fmt.Errorf("forward target %q: want an IP literal with a port: %w", target, err)
	}
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", listenAddr)
	if err != nil {
		return nil, fmt.Errorf("forward: listen: %w", err)
	}
	ctx, cancel := context.WithCancel(ctx)
	f := &Forwarder{
		ln:     ln,
		nsPath: nsPath,
		target: target,
		logger: loggerOrDiscard(logger).With("listen", ln.Addr().String(), "target", target, "netns", nsPath),
		cancel: cancel,
		slots:  make(chan struct{}, maxForwardConns),
		conns:  make(map[net.Conn]struct{}),
	}
	f.wg.Add(2)
	go func() { defer f.wg.Done(); <-ctx.Done(); f.shutdown() }()
	go func() { defer f.wg.Done(); f.serve(ctx) }()
	return f, nil
}

// Forward forwards listenAddr on the host's loopback to port on the lab
// namespace named target ("node1", ...), at that namespace's lab address.
func (l *Lab) Forward(ctx context.Context, listenAddr, target string, port uint16) (*Forwarder, error) {
	ns, err := l.Namespace(target)
	if err != nil {
		return nil, err
	}
	return Forward(ctx, listenAddr, ns.Path, netip.AddrPortFrom(ns.IP, port).String(), l.base)
}

// Addr returns the address the forwarder listens on.
func (f *Forwarder) Addr() net.Addr { return f.ln.Addr() }

// Close stops listening, closes the forwarded connections and waits for the
// forwarder's goroutines to end.
func (f *Forwarder) Close() error {
	f.cancel()
	f.wg.Wait()
	return nil
}

func (f *Forwarder) shutdown() {
	_ = f.ln.Close()
	f.mu.Lock()
	defer f.mu.Unlock()
	f.closed = true
	for c := range f.conns {
		_ = c.Close()
	}
}

func (f *Forwarder) serve(ctx context.Context) {
	for {
		c, err := f.ln.Accept()
		if err != nil {
			if ctx.Err() == nil && !errors.Is(err, net.ErrClosed) {
				f.logger.Warn("forward accept failed", "err", err)
			}
			return
		}
		select {
		case f.slots <- struct{}{}:
		default:
			f.logger.Warn("forward connection refused: too many connections", "max", maxForwardConns)
			_ = c.Close()
			continue
		}
		if !f.track(c) {
			<-f.slots
			return
		}
		f.wg.Add(1)
		go func() {
			defer f.wg.Done()
			defer func() { <-f.slots }()
			f.handle(ctx, c)
		}()
	}
}

// track registers c for Close; it fails once the forwarder is shutting down.
func (f *Forwarder) track(c net.Conn) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.closed {
		return false
	}
	f.conns[c] = struct{}{}
	return true
}

func (f *Forwarder) untrack(c net.Conn) {
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.conns, c)
	_ = c.Close()
}

func (f *Forwarder) handle(ctx context.Context, c net.Conn) {
	defer f.untrack(c)
	dctx, cancel := context.WithTimeout(ctx, forwardDialTimeout)
	u, err := netnsutil.Dial(dctx, f.nsPath, "tcp", f.target)
	cancel()
	if err != nil {
		f.logger.Info("forward dial failed", "client", c.RemoteAddr().String(), "err", err)
		return
	}
	if !f.track(u) {
		_ = u.Close()
		return
	}
	defer f.untrack(u)
	done := make(chan struct{}, 2)
	pipe := func(dst, src net.Conn) {
		_, _ = io.Copy(dst, src)
		if tc, ok := dst.(*net.TCPConn); ok {
			_ = tc.CloseWrite() // pass the half-close on
		}
		done <- struct{}{}
	}
	go pipe(u, c)
	go pipe(c, u)
	<-done
	<-done
}

// checkLoopback accepts only loopback IP literals with a port, so that a
// forwarder never exposes a lab on the host's real interfaces.
func checkLoopback(addr string) error {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("forward listen address %q: %w", addr, err)
	}
	ip, err := netip.ParseAddr(host)
	if err != nil || !ip.IsLoopback() {
		return fmt.Errorf("forward listen address %q: want a loopback IP such as 127.0.0.1", addr)
	}
	if _, err := strconv.ParseUint(port, 10, 16); err != nil {
		return fmt.Errorf("forward listen address %q: bad port: %w", addr, err)
	}
	return nil
}
