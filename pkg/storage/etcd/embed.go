package etcd

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	"go.etcd.io/etcd/server/v3/embed"
	"go.uber.org/zap"
	"google.golang.org/grpc"
)

// EmbeddedConfig configures an embedded single-member etcd.
type EmbeddedConfig struct {
	// Dir holds etcd's data (created if missing).
	Dir string
	// ClientURL is the loopback URL etcd listens on for clients. Empty picks
	// a free loopback port.
	ClientURL string
	// PeerURL is the loopback URL for raft peers. Empty picks a free port.
	PeerURL string
	// ProgressNotifyInterval is how often idle watches get a progress
	// notification, which the API server turns into BOOKMARK events.
	ProgressNotifyInterval time.Duration
	// CompactionRetention keeps this much history (for example "5m").
	CompactionRetention string
	// Logger receives etcd's lifecycle messages.
	Logger *slog.Logger
}

// Embedded is a running embedded etcd and a client connected to it.
type Embedded struct {
	etcd   *embed.Etcd
	Client *clientv3.Client
	// Endpoint is the client URL.
	Endpoint string
}

// freeLoopbackURL reserves and releases a loopback port. The port could in
// theory be taken between release and etcd's bind; etcd then fails to start
// and the caller sees the error.
func freeLoopbackURL() (url.URL, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return url.URL{}, fmt.Errorf("reserving a loopback port: %w", err)
	}
	defer l.Close()
	return url.URL{Scheme: "http", Host: l.Addr().String()}, nil
}

func parseOrFree(s string) (url.URL, error) {
	if s == "" {
		return freeLoopbackURL()
	}
	u, err := url.Parse(s)
	if err != nil {
		return url.URL{}, fmt.Errorf("parsing %q: %w", s, err)
	}
	return *u, nil
}

// StartEmbedded starts etcd in c.Dir and connects a client to it.
func StartEmbedded(ctx context.Context, c EmbeddedConfig) (*Embedded, error) {
	if c.Dir == "" {
		return nil, errors.New("embedded etcd: Dir is required")
	}
	clientURL, err := parseOrFree(c.ClientURL)
	if err != nil {
		return nil, err
	}
	peerURL, err := parseOrFree(c.PeerURL)
	if err != nil {
		return nil, err
	}
	cfg := embed.NewConfig()
	cfg.Dir = c.Dir
	cfg.Name = "svcnet"
	cfg.ListenClientUrls = []url.URL{clientURL}
	cfg.AdvertiseClientUrls = []url.URL{clientURL}
	cfg.ListenPeerUrls = []url.URL{peerURL}
	cfg.AdvertisePeerUrls = []url.URL{peerURL}
	cfg.InitialCluster = fmt.Sprintf("svcnet=%s", peerURL.String())
	cfg.LogLevel = "error"
	cfg.ZapLoggerBuilder = embed.NewZapLoggerBuilder(zap.NewNop())
	cfg.WatchProgressNotifyInterval = c.ProgressNotifyInterval
	if cfg.WatchProgressNotifyInterval == 0 {
		cfg.WatchProgressNotifyInterval = 5 * time.Second
	}
	cfg.AutoCompactionMode = embed.CompactorModePeriodic
	cfg.AutoCompactionRetention = c.CompactionRetention
	if cfg.AutoCompactionRetention == "" {
		cfg.AutoCompactionRetention = "5m"
	}
	cfg.QuotaBackendBytes = 4 << 30
	cfg.MaxRequestBytes = 3 << 20
	e, err := embed.StartEtcd(cfg)
	if err != nil {
		return nil, fmt.Errorf("starting embedded etcd: %w", err)
	}
	select {
	case <-e.Server.ReadyNotify():
	case err := <-e.Err():
		e.Close()
		return nil, fmt.Errorf("embedded etcd failed: %w", err)
	case <-time.After(60 * time.Second):
		e.Close()
		return nil, errors.New("embedded etcd did not become ready within 60s")
	case <-ctx.Done():
		e.Close()
		return nil, ctx.Err()
	}
	client, err := NewClient([]string{clientURL.String()})
	if err != nil {
		e.Close()
		return nil, err
	}
	if c.Logger != nil {
		c.Logger.Info("embedded etcd ready", "dir", c.Dir, "endpoint", clientURL.String())
	}
	return &Embedded{etcd: e, Client: client, Endpoint: clientURL.String()}, nil
}

// Close stops the client and etcd.
func (e *Embedded) Close() {
	e.Client.Close()
	e.etcd.Close()
}

// NewClient connects to the etcd endpoints.
func NewClient(endpoints []string) (*clientv3.Client, error) {
	c, err := clientv3.New(clientv3.Config{
		Endpoints:          endpoints,
		DialTimeout:        10 * time.Second,
		Logger:             zap.NewNop(),
		MaxCallSendMsgSize: 4 << 20,
		DialOptions:        []grpc.DialOption{},
	})
	if err != nil {
		return nil, fmt.Errorf("connecting to etcd %v: %w", endpoints, err)
	}
	return c, nil
}
