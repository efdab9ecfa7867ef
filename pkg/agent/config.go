package agent

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"k8s.io/client-go/kubernetes"
	"k8s.io/utils/clock"

	"github.com/svcnet/svcnet/pkg/agent/probe"
	"github.com/svcnet/svcnet/pkg/agent/runtime"
)

// Defaults for Config's zero values.
const (
	DefaultHeartbeatInterval   = 10 * time.Second
	DefaultNodeStatusInterval  = time.Minute
	DefaultLeaseDuration       = 40 * time.Second
	DefaultRelistInterval      = time.Second
	DefaultCrashBackoffInitial = 10 * time.Second
	DefaultCrashBackoffMax     = 5 * time.Minute
	DefaultMaxPods             = 110
	DefaultWorkers             = 4
	DefaultClusterDomain       = "cluster.local"
	DefaultResolvConf          = "/etc/resolv.conf"
)

// DefaultClusterDNS is the kube-dns Service address.
var DefaultClusterDNS = netip.MustParseAddr("10.96.0.10")

// Config configures a node agent. Zero values take the documented
// defaults (New fills them in); Client, NodeName, NodeIP and Runtime (or
// NewRuntime) are required.
type Config struct {
	// Client talks to the API server with the node's identity.
	Client kubernetes.Interface
	// NodeName names the Node object (and the heartbeat Lease).
	NodeName string
	// NodeIP is the node's InternalIP and every pod's hostIP.
	NodeIP netip.Addr
	// Runtime runs the pod sandboxes and containers. Set it or NewRuntime.
	Runtime runtime.Runtime
	// NewRuntime, used when Runtime is nil, builds the runtime once node
	// IPAM has given the node its podCIDR and before any pod runs (the
	// Linux runtime needs the podCIDR: runtime.NewLinux, then
	// EnsureNodeNetwork).
	NewRuntime func(ctx context.Context, podCIDR netip.Prefix) (runtime.Runtime, error)
	// Workloads resolves images to built-in workloads; nil means
	// BuiltinWorkloads (pkg/workload).
	Workloads WorkloadResolver
	// SvcnetBinary is the path of the svcnet binary that built-in
	// workloads run as (`svcnet workload <name>`); default "svcnet".
	SvcnetBinary string
	// ClusterDNS is the nameserver of ClusterFirst pods; default
	// 10.96.0.10.
	ClusterDNS netip.Addr
	// ClusterDomain is the cluster's DNS domain; default cluster.local.
	ClusterDomain string
	// ResolvConf is the node's resolv.conf, for dnsPolicy Default;
	// default /etc/resolv.conf.
	ResolvConf string
	// PodLogDir, when set, receives container logs as
	// <dir>/<ns>_<pod>_<uid>/<container>/<restart>.log, like the
	// kubelet's /var/log/pods; empty lets the runtime choose (LogPath).
	PodLogDir string
	// DaemonPort is the port where this node serves exec and logs, posted
	// as status.daemonEndpoints.kubeletEndpoint.port so the API server can
	// reach it; 0 leaves it unset.
	DaemonPort int32
	// Labels are extra labels for the Node object.
	Labels map[string]string
	// MaxPods is the node's pods capacity; default 110.
	MaxPods int
	// HeartbeatInterval is how often the node Lease is renewed; default
	// 10s.
	HeartbeatInterval time.Duration
	// LeaseDuration is the Lease's leaseDurationSeconds; default 40s.
	LeaseDuration time.Duration
	// NodeStatusInterval is how often the Node's Ready condition
	// (lastHeartbeatTime) is re-posted; default 1m.
	NodeStatusInterval time.Duration
	// RelistInterval is how often the runtime is listed to notice exited
	// containers; default 1s.
	RelistInterval time.Duration
	// CrashBackoffInitial and CrashBackoffMax bound the restart back-off
	// of crashing containers; default 10s and 5m.
	CrashBackoffInitial, CrashBackoffMax time.Duration
	// Workers is how many pods are synced at once; default 4.
	Workers int
	// Prober performs probes; nil means the real HTTP/TCP/exec prober.
	Prober probe.Prober
	// Registerer receives the agent's metrics; nil registers none.
	Registerer prometheus.Registerer
	// Logger receives the agent's logs; nil means slog.Default().
	Logger *slog.Logger
	// Clock tells the time; nil means the real clock.
	Clock clock.WithTicker
	// SystemInfo reports the node's OS facts; nil reads them from the
	// running system (/proc/meminfo, /etc/os-release, uname).
	SystemInfo func() (SystemInfo, error)
}

// Validate checks the configuration.
func (c *Config) Validate() error {
	var errs []error
	if c.Client == nil {
		errs = append(errs, errors.New("agent: Client is required"))
	}
	if c.NodeName == "" {
		errs = append(errs, errors.New("agent: NodeName is required"))
	}
	if !c.NodeIP.IsValid() {
		errs = append(errs, errors.New("agent: NodeIP is required"))
	}
	if (c.Runtime == nil) == (c.NewRuntime == nil) {
		errs = append(errs, errors.New("agent: exactly one of Runtime and NewRuntime is required"))
	}
	for name, d := range map[string]time.Duration{
		"HeartbeatInterval": c.HeartbeatInterval, "LeaseDuration": c.LeaseDuration,
		"NodeStatusInterval": c.NodeStatusInterval, "RelistInterval": c.RelistInterval,
		"CrashBackoffInitial": c.CrashBackoffInitial, "CrashBackoffMax": c.CrashBackoffMax,
	} {
		if d < 0 {
			errs = append(errs, fmt.Errorf("agent: %s %v is negative", name, d))
		}
	}
	if c.DaemonPort < 0 || c.DaemonPort > 65535 {
		errs = append(errs, fmt.Errorf("agent: DaemonPort %d is not a port", c.DaemonPort))
	}
	if c.MaxPods < 0 || c.Workers < 0 {
		errs = append(errs, errors.New("agent: MaxPods and Workers must not be negative"))
	}
	if c.CrashBackoffMax > 0 && c.CrashBackoffInitial > c.CrashBackoffMax {
		errs = append(errs, errors.New("agent: CrashBackoffInitial exceeds CrashBackoffMax"))
	}
	return errors.Join(errs...)
}

func (c *Config) setDefaults() {
	setDur := func(d *time.Duration, def time.Duration) {
		if *d == 0 {
			*d = def
		}
	}
	setDur(&c.HeartbeatInterval, DefaultHeartbeatInterval)
	setDur(&c.LeaseDuration, DefaultLeaseDuration)
	setDur(&c.NodeStatusInterval, DefaultNodeStatusInterval)
	setDur(&c.RelistInterval, DefaultRelistInterval)
	setDur(&c.CrashBackoffInitial, DefaultCrashBackoffInitial)
	setDur(&c.CrashBackoffMax, DefaultCrashBackoffMax)
	if c.SvcnetBinary == "" {
		c.SvcnetBinary = "svcnet"
	}
	if !c.ClusterDNS.IsValid() {
		c.ClusterDNS = DefaultClusterDNS
	}
	if c.ClusterDomain == "" {
		c.ClusterDomain = DefaultClusterDomain
	}
	if c.ResolvConf == "" {
		c.ResolvConf = DefaultResolvConf
	}
	if c.MaxPods == 0 {
		c.MaxPods = DefaultMaxPods
	}
	if c.Workers == 0 {
		c.Workers = DefaultWorkers
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	if c.Clock == nil {
		c.Clock = clock.RealClock{}
	}
	if c.Workloads == nil {
		c.Workloads = BuiltinWorkloads
	}
	if c.SystemInfo == nil {
		c.SystemInfo = ReadSystemInfo
	}
}
