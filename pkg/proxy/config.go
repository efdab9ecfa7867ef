package proxy

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"sigs.k8s.io/knftables"

	"github.com/svcnet/svcnet/pkg/proxy/conntrack"
	"github.com/svcnet/svcnet/pkg/proxy/model"
)

// Conntrack deletes connection-tracking entries; conntrack.Netlink is the
// kernel's, conntrack.Fake a recording fake.
type Conntrack interface {
	// ClearFlows deletes the entries any filter matches and returns how
	// many it deleted.
	ClearFlows(filters []conntrack.Filter) (int, error)
}

// Defaults of Config fields left zero.
const (
	DefaultTableName        = "svcnet"
	DefaultMasqueradeBit    = 14
	DefaultMinSyncInterval  = time.Second
	DefaultMaxSyncInterval  = 30 * time.Second
	DefaultSyncBurst        = 2
	DefaultRetryInterval    = 5 * time.Second
	DefaultFullSyncInterval = time.Hour
	DefaultHealthzAddress   = ":10256"
)

// Config configures a Proxier. Validate fills in the defaults.
type Config struct {
	// Client reaches the API server. It is used to build Informers when
	// those are not given.
	Client kubernetes.Interface
	// Informers is the informer factory for Services and EndpointSlices.
	// When nil, New makes one from Client and Run starts it; when given,
	// the caller may share it, and Run starts it too (starting twice is
	// harmless).
	Informers informers.SharedInformerFactory
	// NFT programs nftables. It must be bound to the table TableName of
	// the Family. When nil, New uses the nft binary through
	// knftables.New. Tests pass knftables.NewFake.
	NFT knftables.Interface
	// Conntrack deletes stale UDP flows; conntrack.Netlink{} when nil.
	Conntrack Conntrack
	// Logger receives the proxy's logs; slog.Default() when nil.
	Logger *slog.Logger
	// Registerer receives the proxy's metrics; none are registered when
	// nil.
	Registerer prometheus.Registerer

	// NodeName is this node's name: endpoints with this nodeName are
	// local. Required.
	NodeName string
	// NodeIPs are this node's addresses: NodePorts are accepted on those
	// inside NodePortAddresses, and Trace treats them as local.
	NodeIPs []netip.Addr
	// Family is the IP family to program (IPv4 by default).
	Family model.Family
	// TableName is the nftables table, "svcnet" by default.
	TableName string
	// ClusterCIDR are the pod networks. ClusterIP traffic from outside
	// them is masqueraded, and with externalTrafficPolicy Local pods may
	// still reach every endpoint. When empty, ClusterIP traffic is never
	// masqueraded (unless MasqueradeAll), as in kube-proxy.
	ClusterCIDR []netip.Prefix
	// ServiceCIDRs are the Service IP ranges; packets to an unallocated
	// IP in them are dropped. None: no such check.
	ServiceCIDRs []netip.Prefix
	// NodePortAddresses limits NodePorts to the node addresses inside
	// these prefixes. Empty: every local address ("fib daddr type local").
	NodePortAddresses []netip.Prefix
	// MasqueradeAll masquerades all traffic to ClusterIPs.
	MasqueradeAll bool
	// MasqueradeBit is the packet mark bit that asks for masquerading,
	// 14 (0x4000) by default.
	MasqueradeBit int
	// ProxyName is this proxy's name for the label
	// service.kubernetes.io/service-proxy-name: it handles the Services
	// without the label and those labelled with this name.
	ProxyName string

	// MinSyncInterval is the shortest time between syncs once the burst
	// is used (1s).
	MinSyncInterval time.Duration
	// MaxSyncInterval is the longest time without a sync (30s).
	MaxSyncInterval time.Duration
	// SyncBurst is how many syncs may run back to back (2).
	SyncBurst int
	// RetryInterval is the wait before retrying a failed sync (5s).
	RetryInterval time.Duration
	// FullSyncInterval forces a full sync this often (1h).
	FullSyncInterval time.Duration

	// HealthzAddress is where the caller serves Healthz (":10256"). The
	// Proxier does not listen on it itself.
	HealthzAddress string
	// HealthzTimeout is how long a change may wait for a successful sync
	// before /healthz fails (2×MaxSyncInterval).
	HealthzTimeout time.Duration
	// HealthCheckListen opens the health check node ports of Services
	// with externalTrafficPolicy Local; net.Listen when nil.
	HealthCheckListen func(network, address string) (net.Listener, error)
	// DisableCounters leaves out the per-Service and per-endpoint nft
	// counters and their metrics.
	DisableCounters bool
}

// Validate fills in defaults for zero fields and checks the rest.
func (c *Config) Validate() error {
	c.setDefaults()
	var errs []error
	if c.NodeName == "" {
		errs = append(errs, errors.New("NodeName is required"))
	}
	if c.Client == nil && c.Informers == nil {
		errs = append(errs, errors.New("Client or Informers is required"))
	}
	if c.Family != model.IPv4 && c.Family != model.IPv6 {
		errs = append(errs, fmt.Errorf("unknown Family %d", c.Family))
	}
	if c.MasqueradeBit < 0 || c.MasqueradeBit > 31 {
		errs = append(errs, fmt.Errorf("MasqueradeBit %d is not in [0, 31]", c.MasqueradeBit))
	}
	if c.MinSyncInterval > c.MaxSyncInterval {
		errs = append(errs, fmt.Errorf("MinSyncInterval %v exceeds MaxSyncInterval %v", c.MinSyncInterval, c.MaxSyncInterval))
	}
	for _, d := range []time.Duration{c.MinSyncInterval, c.MaxSyncInterval, c.RetryInterval, c.FullSyncInterval, c.HealthzTimeout} {
		if d < 0 {
			errs = append(errs, fmt.Errorf("negative interval %v", d))
		}
	}
	if c.SyncBurst < 1 {
		errs = append(errs, fmt.Errorf("SyncBurst %d must be at least 1", c.SyncBurst))
	}
	for _, ip := range c.NodeIPs {
		if !ip.IsValid() {
			errs = append(errs, errors.New("invalid address in NodeIPs"))
		}
	}
	for _, list := range [][]netip.Prefix{c.ClusterCIDR, c.ServiceCIDRs, c.NodePortAddresses} {
		for _, p := range list {
			if !p.IsValid() {
				errs = append(errs, errors.New("invalid prefix in ClusterCIDR, ServiceCIDRs or NodePortAddresses"))
			}
		}
	}
	return errors.Join(errs...)
}

func (c *Config) setDefaults() {
	if c.TableName == "" {
		c.TableName = DefaultTableName
	}
	if c.MasqueradeBit == 0 {
		c.MasqueradeBit = DefaultMasqueradeBit
	}
	if c.MinSyncInterval == 0 {
		c.MinSyncInterval = DefaultMinSyncInterval
	}
	if c.MaxSyncInterval == 0 {
		c.MaxSyncInterval = DefaultMaxSyncInterval
	}
	if c.SyncBurst == 0 {
		c.SyncBurst = DefaultSyncBurst
	}
	if c.RetryInterval == 0 {
		c.RetryInterval = DefaultRetryInterval
	}
	if c.FullSyncInterval == 0 {
		c.FullSyncInterval = DefaultFullSyncInterval
	}
	if c.HealthzAddress == "" {
		c.HealthzAddress = DefaultHealthzAddress
	}
	if c.HealthzTimeout == 0 {
		c.HealthzTimeout = 2 * c.MaxSyncInterval
	}
}
