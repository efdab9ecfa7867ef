package dns

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"strings"
	"time"

	"github.com/miekg/dns"
	"github.com/prometheus/client_golang/prometheus"
	"k8s.io/client-go/kubernetes"
)

// Defaults for Config.
const (
	DefaultClusterDomain = "cluster.local"
	DefaultTTL           = 5 * time.Second
	DefaultResolvConf    = "/etc/resolv.conf"
	DefaultCacheSize     = 10000
	DefaultNSService     = "kube-system/kube-dns"
	DefaultQueryTimeout  = 5 * time.Second
)

// DefaultListen is the default Config.Listen: port 53 on every address.
var DefaultListen = []string{":53"}

// Config configures a Server. Validate fills in the defaults of zero
// fields; New validates a copy.
type Config struct {
	// Client feeds the index through informers on Services,
	// EndpointSlices and Pods. It may be nil when Index is given and
	// filled by the caller, as tests do.
	Client kubernetes.Interface
	// Index is the index to answer from; New makes one when nil.
	Index *Index
	// ClusterDomain is the zone the server is authoritative for
	// (DefaultClusterDomain).
	ClusterDomain string
	// TTL is the TTL of every record in the zone, and of negative answers
	// (DefaultTTL). Whole seconds.
	TTL time.Duration
	// Listen are the addresses to serve UDP and TCP on, as host:port
	// (DefaultListen). With port 0 the UDP and TCP sockets share one free
	// port; Server.Addrs tells which.
	Listen []string
	// Upstreams are the resolvers for names outside the zone, as IP or
	// IP:port. When empty they are read from ResolvConf.
	Upstreams []string
	// ResolvConf is the resolv.conf to read upstreams from when Upstreams
	// is empty (DefaultResolvConf). Nameservers that are this server's own
	// Listen addresses are skipped.
	ResolvConf string
	// CacheSize bounds the forwarding cache, in replies (DefaultCacheSize).
	CacheSize int
	// ForwardTimeout bounds one exchange with one upstream
	// (forward.DefaultTimeout).
	ForwardTimeout time.Duration
	// QueryTimeout bounds the forwarding of one query over all upstreams
	// (DefaultQueryTimeout).
	QueryTimeout time.Duration
	// NSService is the namespace/name of the Service fronting the cluster
	// DNS; its ClusterIPs are the addresses of ns.dns.<zone>, the zone's
	// name server (DefaultNSService).
	NSService string
	// Registerer receives the metrics; nil registers them nowhere.
	Registerer prometheus.Registerer
	// Logger is the logger; nil discards.
	Logger *slog.Logger
}

// Validate fills in defaults and checks c.
func (c *Config) Validate() error {
	if c.Client == nil && c.Index == nil {
		return errors.New("dns: need a Client or an Index")
	}
	if c.ClusterDomain == "" {
		c.ClusterDomain = DefaultClusterDomain
	}
	c.ClusterDomain = strings.ToLower(strings.TrimSuffix(c.ClusterDomain, "."))
	if _, ok := dns.IsDomainName(c.ClusterDomain); !ok || c.ClusterDomain == "" {
		return fmt.Errorf("dns: cluster domain %q is not a domain name", c.ClusterDomain)
	}
	if c.TTL == 0 {
		c.TTL = DefaultTTL
	}
	if c.TTL < time.Second || c.TTL%time.Second != 0 || c.TTL > 24*time.Hour {
		return fmt.Errorf("dns: TTL %s: want whole seconds from 1s to 24h", c.TTL)
	}
	if len(c.Listen) == 0 {
		c.Listen = append([]string(nil), DefaultListen...)
	}
	for _, l := range c.Listen {
		if err := checkListen(l); err != nil {
			return fmt.Errorf("dns: listen address %q: %w", l, err)
		}
	}
	ups, err := normalizeUpstreams(c.Upstreams)
	if err != nil {
		return err
	}
	c.Upstreams = ups
	if c.ResolvConf == "" {
		c.ResolvConf = DefaultResolvConf
	}
	if c.CacheSize == 0 {
		c.CacheSize = DefaultCacheSize
	}
	if c.CacheSize < 0 || c.ForwardTimeout < 0 || c.QueryTimeout < 0 {
		return errors.New("dns: negative cache size or timeout")
	}
	if c.QueryTimeout == 0 {
		c.QueryTimeout = DefaultQueryTimeout
	}
	if c.NSService == "" {
		c.NSService = DefaultNSService
	}
	if ns, name, ok := strings.Cut(c.NSService, "/"); !ok || ns == "" || name == "" {
		return fmt.Errorf("dns: NS service %q: want namespace/name", c.NSService)
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return nil
}

func checkListen(l string) error {
	host, port, err := net.SplitHostPort(l)
	if err != nil {
		return fmt.Errorf("want host:port: %w", err)
	}
	if host != "" {
		if _, err := netip.ParseAddr(host); err != nil {
			return fmt.Errorf("host must be an IP address: %w", err)
		}
	}
	if _, err := net.LookupPort("udp", port); err != nil {
		return fmt.Errorf("port: %w", err)
	}
	return nil
}

// normalizeUpstreams turns IP and IP:port into IP:port.
func normalizeUpstreams(ups []string) ([]string, error) {
	out := make([]string, 0, len(ups))
	for _, u := range ups {
		if a, err := netip.ParseAddr(u); err == nil {
			out = append(out, netip.AddrPortFrom(a, 53).String())
			continue
		}
		ap, err := netip.ParseAddrPort(u)
		if err != nil {
			return nil, fmt.Errorf("dns: upstream %q: want IP or IP:port: %w", u, err)
		}
		out = append(out, ap.String())
	}
	return out, nil
}
