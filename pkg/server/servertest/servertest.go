// Package servertest starts a real svcnet control plane (embedded etcd in a
// temporary directory, the HTTPS API server on a free loopback port) for
// integration tests, and hands back admin clients for it.
package servertest

import (
	"context"
	"log/slog"
	"net"
	"os"
	"testing"
	"time"

	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	"github.com/svcnet/svcnet/pkg/server"
)

// TestServer is a running control plane.
type TestServer struct {
	*server.Server
	// Dir is the data directory; it survives Restart.
	Dir string
	// Config is an admin client configuration.
	Config *rest.Config
	// Client is an admin clientset.
	Client kubernetes.Interface

	t      testing.TB
	base   server.Config
	cancel context.CancelFunc
	done   chan error
}

// Option changes the server configuration before start.
type Option func(*server.Config)

// WithEtcdServers uses an external etcd.
func WithEtcdServers(urls ...string) Option {
	return func(c *server.Config) { c.EtcdServers = urls }
}

// WithoutControllers runs only the API server, for tests that start the
// controller under test themselves. It is the default; the option stays so
// that such tests say so.
func WithoutControllers() Option {
	return func(c *server.Config) { c.Controllers = nil }
}

// WithControllers runs the given controller manager in the server (test
// packages outside pkg/controller pass controllermanager.New(...)).
func WithControllers(m server.ControllerManager) Option {
	return func(c *server.Config) { c.Controllers = m }
}

// WithConfig applies an arbitrary change.
func WithConfig(f func(*server.Config)) Option { return Option(f) }

// Start runs a control plane until the test ends.
func Start(t testing.TB, opts ...Option) *TestServer {
	t.Helper()
	c := server.Config{
		DataDir:          t.TempDir(),
		BindAddress:      net.IPv4(127, 0, 0, 1),
		AdvertiseAddress: net.IPv4(127, 0, 0, 1),
		SecurePort:       0,
	}
	if os.Getenv("SVCNET_TEST_LOG") != "" {
		c.Logger = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	for _, o := range opts {
		o(&c)
	}
	ts := &TestServer{t: t, Dir: c.DataDir, base: c}
	ts.start()
	t.Cleanup(ts.Stop)
	return ts
}

func (ts *TestServer) start() {
	ts.t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	s, err := server.New(ctx, ts.base)
	if err != nil {
		cancel()
		ts.t.Fatalf("starting server: %v", err)
	}
	ts.Server, ts.cancel, ts.done = s, cancel, make(chan error, 1)
	go func() { ts.done <- s.Run(ctx) }()
	if ts.Config, err = s.RESTConfig(); err != nil {
		ts.t.Fatalf("client config: %v", err)
	}
	ts.Client = kubernetes.NewForConfigOrDie(ts.Config)
	select {
	case <-s.Ready():
	case runErr := <-ts.done:
		ts.t.Fatalf("server exited while starting: %v", runErr)
	case <-time.After(30 * time.Second):
		ts.t.Fatalf("server not ready after 30s")
	}
}

// Stop shuts the server down; it is safe to call twice.
func (ts *TestServer) Stop() {
	if ts.cancel == nil {
		return
	}
	ts.cancel()
	select {
	case err := <-ts.done:
		if err != nil {
			ts.t.Errorf("server exited: %v", err)
		}
	case <-time.After(30 * time.Second):
		ts.t.Errorf("server did not stop within 30s")
	}
	ts.cancel = nil
}

// Restart stops the server and starts a new one on the same data
// directory (and, for an embedded etcd, the same data).
func (ts *TestServer) Restart() {
	ts.t.Helper()
	ts.Stop()
	ts.start()
}
