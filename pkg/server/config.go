package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"k8s.io/client-go/rest"

	"github.com/svcnet/svcnet/pkg/registry/service/allocator"
)

// Defaults, as in Kubernetes.
const (
	DefaultSecurePort    = 6443
	DefaultServiceCIDR   = "10.96.0.0/12"
	DefaultNodePortRange = "30000-32767"
	DefaultClusterDomain = "cluster.local"
	DefaultClusterCIDR   = "10.244.0.0/16"
)

// Config configures a control plane.
type Config struct {
	// DataDir holds the PKI, the kubeconfig and the embedded etcd's data.
	DataDir string
	// EtcdServers, when set, are an external etcd cluster's client URLs;
	// otherwise etcd is embedded in DataDir/etcd.
	EtcdServers []string
	// BindAddress is the API server's listen address.
	BindAddress net.IP
	// SecurePort is the API server's port; 0 picks a free one (tests).
	SecurePort int
	// AdvertiseAddress is the address the kubernetes Service's endpoints
	// point at, and a SAN of the serving certificate.
	AdvertiseAddress net.IP
	// ExtraSANs are additional names or IPs for the serving certificate.
	ExtraSANs []string
	// ServiceCIDR is the ClusterIP range.
	ServiceCIDR netip.Prefix
	// NodePortRange is the node port range, like "30000-32767".
	NodePortRange string
	// ClusterCIDR is the pod network, split into one /24 per node.
	ClusterCIDR netip.Prefix
	// ClusterDomain is the DNS domain of the cluster.
	ClusterDomain string
	// Controllers, if set, run against this server's API (svcnet server
	// passes the controller manager; integration tests of one controller
	// leave it nil).
	Controllers ControllerManager
	// Logger receives the control plane's logs.
	Logger *slog.Logger
	// Now returns the current time; nil means time.Now.
	Now func() time.Time
}

// Validate checks the configuration and fills in defaults.
func (c *Config) Validate() error {
	var errs []error
	if c.DataDir == "" {
		errs = append(errs, errors.New("--data-dir is required"))
	}
	if c.SecurePort < 0 || c.SecurePort > 65535 {
		errs = append(errs, fmt.Errorf("--secure-port %d is not a valid port", c.SecurePort))
	}
	if !c.ServiceCIDR.IsValid() {
		c.ServiceCIDR = netip.MustParsePrefix(DefaultServiceCIDR)
	}
	if c.ServiceCIDR != c.ServiceCIDR.Masked() {
		errs = append(errs, fmt.Errorf("--service-cidr %s has host bits set", c.ServiceCIDR))
	}
	if _, err := allocator.NewCIDRRange(c.ServiceCIDR); err != nil {
		errs = append(errs, fmt.Errorf("--service-cidr: %w", err))
	}
	if c.NodePortRange == "" {
		c.NodePortRange = DefaultNodePortRange
	}
	if _, err := allocator.ParsePortRange(c.NodePortRange); err != nil {
		errs = append(errs, fmt.Errorf("--service-node-port-range: %w", err))
	}
	if !c.ClusterCIDR.IsValid() {
		c.ClusterCIDR = netip.MustParsePrefix(DefaultClusterCIDR)
	}
	if c.ClusterDomain == "" {
		c.ClusterDomain = DefaultClusterDomain
	}
	if c.BindAddress == nil {
		c.BindAddress = net.IPv4zero
	}
	if c.AdvertiseAddress == nil {
		c.AdvertiseAddress = defaultAdvertiseAddress()
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	return errors.Join(errs...)
}

// defaultAdvertiseAddress is the first global unicast IPv4 address of this
// host (or network namespace), or 127.0.0.1.
func defaultAdvertiseAddress() net.IP {
	addrs, err := net.InterfaceAddrs()
	if err == nil {
		for _, a := range addrs {
			if ipn, ok := a.(*net.IPNet); ok && ipn.IP.To4() != nil && ipn.IP.IsGlobalUnicast() {
				return ipn.IP.To4()
			}
		}
	}
	return net.IPv4(127, 0, 0, 1).To4()
}

// firstIP returns the first usable address of a prefix (the kubernetes
// Service's ClusterIP).
func firstIP(p netip.Prefix) netip.Addr { return p.Masked().Addr().Next() }

// ControllerManager runs controllers against the server's API.
type ControllerManager interface {
	// Run blocks until ctx ends; cfg is an admin client configuration and
	// metrics receives the controllers' metrics.
	Run(ctx context.Context, cfg *rest.Config, metrics prometheus.Registerer)
	// Leading reports whether the controllers are running here.
	Leading() bool
}
