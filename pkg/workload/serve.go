package workload

import (
	"context"
	"errors"
	"fmt"
	"log"
	"net"
	"net/http"
	"time"
)

// shutdownGrace is how long in-flight requests may run after SIGTERM
// before their connections are closed. It is well inside the 30 s that
// Kubernetes waits by default before it kills a container.
const shutdownGrace = 5 * time.Second

// exitRequest ends a workload early with an exit code, as agnhost's
// /exit does. It travels as the cause of the workload's context.
type exitRequest struct {
	// code is the process exit code.
	code int
	// grace is how long open requests may run before their connections
	// are closed.
	grace time.Duration
}

// Error describes the request.
func (e *exitRequest) Error() string {
	return fmt.Sprintf("exit requested with code %d", e.code)
}

// listenAll listens on every address with network ("tcp"), or on none
// when any fails.
func listenAll(ctx context.Context, network string, addrs []string) ([]net.Listener, error) {
	var lc net.ListenConfig
	out := make([]net.Listener, 0, len(addrs))
	for _, a := range addrs {
		ln, err := lc.Listen(ctx, network, a)
		if err != nil {
			for _, l := range out {
				l.Close()
			}
			return nil, fmt.Errorf("listening on %s: %w", a, err)
		}
		out = append(out, ln)
	}
	return out, nil
}

// serveHTTP serves h on every address until ctx ends, then shuts down
// gracefully: listeners close at once, idle connections too, and requests
// in flight get shutdownGrace (or the grace of an exitRequest cause) to
// finish. Each request is logged to p.log.
func serveHTTP(ctx context.Context, p *proc, addrs []string, h http.Handler) error {
	lns, err := listenAll(ctx, "tcp", addrs)
	if err != nil {
		return err
	}
	srv := &http.Server{
		Handler:           p.log.wrap(h),
		ReadHeaderTimeout: 30 * time.Second,
		ErrorLog:          log.New(p.stderr, "", log.LstdFlags),
	}
	errc := make(chan error, len(lns))
	for _, ln := range lns {
		p.log.printf("%s: serving HTTP on %s", p.name, ln.Addr())
		go func() { errc <- srv.Serve(ln) }()
	}
	select {
	case <-ctx.Done():
	case err = <-errc:
		err = fmt.Errorf("serving HTTP: %w", err)
	}
	grace := shutdownGrace
	var req *exitRequest
	if errors.As(context.Cause(ctx), &req) {
		grace = req.grace
	}
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), grace)
	defer cancel()
	if serr := srv.Shutdown(sctx); serr != nil {
		srv.Close()
	}
	return err
}
