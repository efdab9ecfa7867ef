package main

import (
	"context"
	"fmt"
	"net/netip"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/client-go/informers"
	"sigs.k8s.io/knftables"

	"github.com/svcnet/svcnet/pkg/proxy"
	"github.com/svcnet/svcnet/pkg/proxy/conntrack"
)

// proxyFlags are shared by `svcnet proxy` and `svcnet proxy trace`.
type proxyFlags struct {
	kubeconfig, nodeIPs, clusterCIDR, serviceCIDR, nodePortAddrs, metrics, logLevel string
	c                                                                               proxy.Config
}

func (pf *proxyFlags) register(cmd *cobra.Command) {
	f := cmd.Flags()
	host, _ := os.Hostname()
	f.StringVar(&pf.kubeconfig, "kubeconfig", "", "kubeconfig of the cluster (default: KUBECONFIG, ~/.kube/config, then "+defaultDataDir+"/kubeconfig)")
	f.StringVar(&pf.c.NodeName, "hostname-override", host, "this node's name (for externalTrafficPolicy/internalTrafficPolicy Local)")
	f.StringVar(&pf.nodeIPs, "node-ip", "", "this node's IPs, comma-separated (NodePorts answer on them)")
	f.StringVar(&pf.clusterCIDR, "cluster-cidr", "10.244.0.0/16", "pod network; traffic from outside it to a ClusterIP is masqueraded")
	f.StringVar(&pf.serviceCIDR, "service-cidr", "10.96.0.0/12", "service CIDRs; unallocated IPs in them are dropped")
	f.StringVar(&pf.nodePortAddrs, "nodeport-addresses", "", "CIDRs of the local addresses NodePorts answer on (default: every local address)")
	f.StringVar(&pf.c.TableName, "table", "svcnet", "nftables table the proxy owns")
	f.StringVar(&pf.c.ProxyName, "proxy-name", "", "only proxy services labelled service.kubernetes.io/service-proxy-name=NAME (default: only unlabelled ones)")
	f.StringVar(&pf.metrics, "metrics-bind-address", "127.0.0.1:10249", "where /metrics is served (empty: nowhere)")
	f.StringVar(&pf.c.HealthzAddress, "healthz-bind-address", proxy.DefaultHealthzAddress, "where /healthz is served")
	f.StringVar(&pf.logLevel, "log-level", "info", "log level")
}

// build fills in the proxy configuration for nft.
func (pf *proxyFlags) build(nft knftables.Interface) (*proxy.Config, informers.SharedInformerFactory, error) {
	client, err := newClient(pf.kubeconfig)
	if err != nil {
		return nil, nil, err
	}
	c := pf.c
	if c.NodeIPs, err = parseAddrs(pf.nodeIPs); err != nil {
		return nil, nil, fmt.Errorf("--node-ip: %w", err)
	}
	if c.ClusterCIDR, err = parsePrefixes(pf.clusterCIDR); err != nil {
		return nil, nil, fmt.Errorf("--cluster-cidr: %w", err)
	}
	if c.ServiceCIDRs, err = parsePrefixes(pf.serviceCIDR); err != nil {
		return nil, nil, fmt.Errorf("--service-cidr: %w", err)
	}
	if c.NodePortAddresses, err = parsePrefixes(pf.nodePortAddrs); err != nil {
		return nil, nil, fmt.Errorf("--nodeport-addresses: %w", err)
	}
	factory := informers.NewSharedInformerFactory(client, 0)
	c.Client, c.Informers, c.NFT = client, factory, nft
	c.Logger = newLogger(pf.logLevel).With("component", "proxy", "node", c.NodeName)
	return &c, factory, nil
}

func newProxyCommand() *cobra.Command {
	pf := &proxyFlags{}
	cmd := &cobra.Command{
		Use:   "proxy",
		Short: "Program Services into this node's nftables (kube-proxy's job) against any kubeconfig",
		RunE: func(cmd *cobra.Command, _ []string) error {
			nft, err := knftables.New(knftables.IPv4Family, pf.c.TableName)
			if err != nil {
				return fmt.Errorf("opening nftables: %w", err)
			}
			c, factory, err := pf.build(nft)
			if err != nil {
				return err
			}
			reg := newMetricsRegistry()
			c.Registerer = reg
			c.Conntrack = conntrack.Netlink{}
			p, err := proxy.New(*c)
			if err != nil {
				return fmt.Errorf("proxy: %w", err)
			}
			ctx, stop := signal.NotifyContext(cmd.Context(), syscall.SIGINT, syscall.SIGTERM)
			defer stop()
			if err := serveHTTP(ctx, c.Logger, c.HealthzAddress, p.Healthz()); err != nil {
				return err
			}
			if err := serveHTTP(ctx, c.Logger, pf.metrics, metricsMux(reg, nil)); err != nil {
				return err
			}
			factory.Start(ctx.Done())
			return p.Run(ctx)
		},
	}
	pf.register(cmd)
	cmd.AddCommand(newProxyTraceCommand())
	return cmd
}

// newProxyTraceCommand prints which rules and endpoints a packet would take.
func newProxyTraceCommand() *cobra.Command {
	pf := &proxyFlags{}
	cmd := &cobra.Command{
		Use:   "trace SRC DST:PORT/PROTO",
		Short: "Print which rules and endpoints a packet would take through the proxy's rules",
		Example: "  svcnet proxy trace 10.244.1.5 10.96.0.10:53/UDP\n" +
			"  svcnet proxy trace --node-ip 192.0.2.11 198.51.100.2 192.0.2.11:30010/TCP",
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			src, err := netip.ParseAddr(args[0])
			if err != nil {
				return fmt.Errorf("SRC: %w", err)
			}
			dst, port, proto, err := parseDestination(args[1])
			if err != nil {
				return err
			}
			// The trace reads the proxy's model, built from the API into a
			// private fake table: nothing touches the kernel.
			c, factory, err := pf.build(knftables.NewFake(knftables.IPv4Family, pf.c.TableName))
			if err != nil {
				return err
			}
			c.HealthzAddress = ""
			c.DisableCounters = true
			p, err := proxy.New(*c)
			if err != nil {
				return fmt.Errorf("proxy: %w", err)
			}
			ctx, cancel := context.WithTimeout(cmd.Context(), 30*time.Second)
			defer cancel()
			factory.Start(ctx.Done())
			go func() { _ = p.Run(ctx) }()
			for typ, ok := range factory.WaitForCacheSync(ctx.Done()) {
				if !ok {
					return fmt.Errorf("the API's %v did not sync", typ)
				}
			}
			time.Sleep(200 * time.Millisecond)
			res, err := p.Trace(src, dst, port, proto)
			if err != nil {
				return err
			}
			fmt.Fprintln(cmd.OutOrStdout(), res.String())
			return nil
		},
	}
	pf.register(cmd)
	return cmd
}

// parseDestination parses "IP:PORT/PROTO".
func parseDestination(s string) (netip.Addr, uint16, corev1.Protocol, error) {
	hostport, proto, ok := strings.Cut(s, "/")
	if !ok {
		proto = "TCP"
	}
	ap, err := netip.ParseAddrPort(hostport)
	if err != nil {
		return netip.Addr{}, 0, "", fmt.Errorf("DST must be IP:PORT/PROTO: %w", err)
	}
	p := corev1.Protocol(strings.ToUpper(proto))
	switch p {
	case corev1.ProtocolTCP, corev1.ProtocolUDP, corev1.ProtocolSCTP:
	default:
		return netip.Addr{}, 0, "", fmt.Errorf("protocol %q: want TCP, UDP or SCTP", proto)
	}
	return ap.Addr(), ap.Port(), p, nil
}
