package main

import (
	"fmt"
	"os/signal"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/svcnet/svcnet/pkg/dns"
)

func newDNSCommand() *cobra.Command {
	var (
		c          dns.Config
		kubeconfig string
		listen     []string
		upstreams  []string
		metrics    string
		logLevel   string
	)
	cmd := &cobra.Command{
		Use:   "dns",
		Short: "Serve cluster DNS (the Kubernetes DNS spec, schema 1.1.0) against any kubeconfig",
		RunE: func(cmd *cobra.Command, _ []string) error {
			client, err := newClient(kubeconfig)
			if err != nil {
				return err
			}
			c.Client, c.Listen, c.Upstreams = client, listen, upstreams
			c.Logger = newLogger(logLevel).With("component", "dns")
			reg := newMetricsRegistry()
			c.Registerer = reg
			s, err := dns.New(c)
			if err != nil {
				return fmt.Errorf("dns: %w", err)
			}
			ctx, stop := signal.NotifyContext(cmd.Context(), syscall.SIGINT, syscall.SIGTERM)
			defer stop()
			if err := serveHTTP(ctx, c.Logger, metrics, metricsMux(reg, s.Handler())); err != nil {
				return err
			}
			return s.Run(ctx)
		},
	}
	f := cmd.Flags()
	f.StringVar(&kubeconfig, "kubeconfig", "", "kubeconfig of the cluster to serve (default: KUBECONFIG, ~/.kube/config, then "+defaultDataDir+"/kubeconfig)")
	f.StringSliceVar(&listen, "listen", []string{"0.0.0.0:53"}, "UDP and TCP addresses to serve on")
	f.StringVar(&c.ClusterDomain, "cluster-domain", "cluster.local", "cluster DNS domain")
	f.DurationVar(&c.TTL, "ttl", 5*time.Second, "TTL of cluster answers")
	f.StringSliceVar(&upstreams, "upstream", nil, "upstream resolvers for other names (default: the nameservers of --resolv-conf)")
	f.StringVar(&c.ResolvConf, "resolv-conf", "/etc/resolv.conf", "resolv.conf whose nameservers are the upstreams")
	f.IntVar(&c.CacheSize, "cache-size", 10000, "entries in the cache of forwarded answers")
	f.StringVar(&metrics, "metrics-bind-address", "127.0.0.1:9153", "where /metrics, /healthz and /readyz are served (empty: nowhere)")
	f.StringVar(&logLevel, "log-level", "info", "log level")
	return cmd
}
