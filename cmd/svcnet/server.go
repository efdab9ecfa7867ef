package main

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/svcnet/svcnet/pkg/controllermanager"
	"github.com/svcnet/svcnet/pkg/server"
)

func newServerCommand() *cobra.Command {
	var (
		c           server.Config
		cm          controllermanager.Config
		etcd        string
		bind        string
		advertise   string
		serviceCIDR string
		clusterCIDR string
		sans        []string
		logLevel    string
	)
	cmd := &cobra.Command{
		Use:   "server",
		Short: "Run the control plane: API server on etcd, controllers and scheduler",
		RunE: func(cmd *cobra.Command, _ []string) error {
			if etcd != "" {
				c.EtcdServers = strings.Split(etcd, ",")
			}
			var err error
			if c.BindAddress = net.ParseIP(bind); c.BindAddress == nil {
				return fmt.Errorf("--bind-address %q is not an IP address", bind)
			}
			if advertise != "" {
				if c.AdvertiseAddress = net.ParseIP(advertise); c.AdvertiseAddress == nil {
					return fmt.Errorf("--advertise-address %q is not an IP address", advertise)
				}
			}
			if c.ServiceCIDR, err = netip.ParsePrefix(serviceCIDR); err != nil {
				return fmt.Errorf("--service-cidr: %w", err)
			}
			if c.ClusterCIDR, err = netip.ParsePrefix(clusterCIDR); err != nil {
				return fmt.Errorf("--cluster-cidr: %w", err)
			}
			c.ExtraSANs = sans
			c.Logger = newLogger(logLevel)
			cm.ClusterCIDR = c.ClusterCIDR
			cm.Logger = c.Logger
			c.Controllers = controllermanager.New(cm)
			ctx, stop := signal.NotifyContext(cmd.Context(), syscall.SIGINT, syscall.SIGTERM)
			defer stop()
			return runServer(ctx, c)
		},
	}
	f := cmd.Flags()
	f.StringVar(&c.DataDir, "data-dir", defaultDataDir, "directory for the PKI, the admin kubeconfig and the embedded etcd")
	f.StringVar(&etcd, "etcd-servers", "", "comma-separated client URLs of an external etcd cluster (default: embedded etcd in --data-dir)")
	f.StringVar(&bind, "bind-address", "0.0.0.0", "address the API server listens on")
	f.IntVar(&c.SecurePort, "secure-port", server.DefaultSecurePort, "HTTPS port of the API server")
	f.StringVar(&advertise, "advertise-address", "", "address of this server for the kubernetes Service (default: first global IPv4 address)")
	f.StringSliceVar(&sans, "tls-san", nil, "extra DNS names or IPs for the serving certificate")
	f.StringVar(&serviceCIDR, "service-cidr", server.DefaultServiceCIDR, "ClusterIP range")
	f.StringVar(&c.NodePortRange, "service-node-port-range", server.DefaultNodePortRange, "NodePort range")
	f.StringVar(&clusterCIDR, "cluster-cidr", server.DefaultClusterCIDR, "pod network, one /24 per node")
	f.StringVar(&c.ClusterDomain, "cluster-domain", server.DefaultClusterDomain, "cluster DNS domain")
	f.IntVar(&cm.MaxEndpointsPerSlice, "max-endpoints-per-slice", 100, "maximum endpoints per EndpointSlice")
	f.DurationVar(&cm.NodeMonitorGracePeriod, "node-monitor-grace-period", 40*time.Second, "how long a node may miss heartbeats before it turns NotReady")
	f.StringVar(&logLevel, "log-level", "info", "log level: debug, info, warn or error")
	return cmd
}

func runServer(ctx context.Context, c server.Config) error {
	s, err := server.New(ctx, c)
	if err != nil {
		return err
	}
	return s.Run(ctx)
}
