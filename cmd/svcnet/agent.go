package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"

	"github.com/spf13/cobra"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"sigs.k8s.io/knftables"

	"github.com/svcnet/svcnet/pkg/agent"
	"github.com/svcnet/svcnet/pkg/agent/daemon"
	"github.com/svcnet/svcnet/pkg/agent/runtime"
	"github.com/svcnet/svcnet/pkg/dns"
	"github.com/svcnet/svcnet/pkg/nodenet"
	"github.com/svcnet/svcnet/pkg/proxy"
	"github.com/svcnet/svcnet/pkg/proxy/conntrack"
)

// agentFlags configure `svcnet agent`.
type agentFlags struct {
	kubeconfig, nodeName, nodeIP, stateDir, clusterCIDR, serviceCIDR, clusterDNS, clusterDomain string
	logLevel, metrics, dnsResolvConf                                                            string
	disableProxy, disableDNS                                                                    bool
	dnsUpstreams                                                                                []string
	tokenFile                                                                                   string
	daemonPort                                                                                  int
}

func newAgentCommand() *cobra.Command {
	f := &agentFlags{}
	cmd := &cobra.Command{
		Use:   "agent",
		Short: "Run a node: register it, run its pods, program its proxy, serve its DNS",
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx, stop := signal.NotifyContext(cmd.Context(), syscall.SIGINT, syscall.SIGTERM)
			defer stop()
			return runAgent(ctx, f)
		},
	}
	host, _ := os.Hostname()
	fl := cmd.Flags()
	fl.StringVar(&f.kubeconfig, "kubeconfig", "", "kubeconfig with the node's credentials (default: KUBECONFIG, ~/.kube/config, then "+defaultDataDir+"/kubeconfig)")
	fl.StringVar(&f.nodeName, "node-name", host, "this node's name")
	fl.StringVar(&f.nodeIP, "node-ip", "", "this node's InternalIP (default: first global IPv4 address)")
	fl.StringVar(&f.stateDir, "state-dir", "/var/lib/svcnet/agent", "where pod sandboxes, IP leases and logs are kept")
	fl.StringVar(&f.clusterCIDR, "cluster-cidr", "10.244.0.0/16", "pod network")
	fl.StringVar(&f.serviceCIDR, "service-cidr", "10.96.0.0/12", "ClusterIP range")
	fl.StringVar(&f.clusterDNS, "cluster-dns", "10.96.0.10", "nameserver of ClusterFirst pods")
	fl.StringVar(&f.clusterDomain, "cluster-domain", "cluster.local", "cluster DNS domain")
	fl.BoolVar(&f.disableProxy, "disable-proxy", false, "do not program Services into this node's nftables")
	fl.StringVar(&f.dnsResolvConf, "dns-resolv-conf", "/etc/resolv.conf", "resolv.conf whose nameservers cluster DNS forwards other names to")
	fl.StringSliceVar(&f.dnsUpstreams, "dns-upstream", nil, "upstream resolvers (IP:port) for names outside the cluster (default: those of --dns-resolv-conf)")
	fl.StringVar(&f.tokenFile, "token-file", "", "file holding the cluster's node token; the API server presents it to this node's exec and log endpoint (empty: no exec or logs)")
	fl.IntVar(&f.daemonPort, "daemon-port", 10250, "port of this node's exec and log endpoint (on --node-ip)")
	fl.BoolVar(&f.disableDNS, "disable-dns", false, "do not serve cluster DNS on this node")
	fl.StringVar(&f.metrics, "metrics-bind-address", "127.0.0.1:10249", "where /metrics is served (empty: nowhere)")
	fl.StringVar(&f.logLevel, "log-level", "info", "log level")
	return cmd
}

// firstGlobalIPv4 returns this network namespace's first global IPv4.
func firstGlobalIPv4() (netip.Addr, error) {
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		return netip.Addr{}, err
	}
	for _, a := range addrs {
		if ipn, ok := a.(*net.IPNet); ok && ipn.IP.To4() != nil && ipn.IP.IsGlobalUnicast() {
			ip, _ := netip.AddrFromSlice(ipn.IP.To4())
			return ip, nil
		}
	}
	return netip.Addr{}, errors.New("no global IPv4 address: set --node-ip")
}

func runAgent(ctx context.Context, f *agentFlags) error {
	log := newLogger(f.logLevel).With("node", f.nodeName)
	self, err := os.Executable()
	if err != nil {
		return err
	}
	var nodeIP netip.Addr
	if f.nodeIP == "" {
		nodeIP, err = firstGlobalIPv4()
	} else {
		nodeIP, err = netip.ParseAddr(f.nodeIP)
	}
	if err != nil {
		return fmt.Errorf("--node-ip: %w", err)
	}
	clusterCIDR, err := netip.ParsePrefix(f.clusterCIDR)
	if err != nil {
		return fmt.Errorf("--cluster-cidr: %w", err)
	}
	serviceCIDRs, err := parsePrefixes(f.serviceCIDR)
	if err != nil {
		return fmt.Errorf("--service-cidr: %w", err)
	}
	dnsIP, err := netip.ParseAddr(f.clusterDNS)
	if err != nil {
		return fmt.Errorf("--cluster-dns: %w", err)
	}
	client, err := newClient(f.kubeconfig)
	if err != nil {
		return err
	}
	reg := newMetricsRegistry()
	a, err := agent.New(agent.Config{
		Client: client, NodeName: f.nodeName, NodeIP: nodeIP, SvcnetBinary: self,
		ClusterDNS: dnsIP, ClusterDomain: f.clusterDomain,
		PodLogDir:  filepath.Join(f.stateDir, "logs"),
		Registerer: reg, Logger: log.With("component", "agent"),
		NewRuntime: func(ctx context.Context, podCIDR netip.Prefix) (runtime.Runtime, error) {
			rt, err := runtime.NewLinux(runtime.Config{PodCIDR: podCIDR, StateDir: filepath.Join(f.stateDir, "runtime"),
				SvcnetBinary: self, Logger: log.With("component", "runtime")})
			if err != nil {
				return nil, err
			}
			return rt, rt.EnsureNodeNetwork(ctx)
		},
	})
	if err != nil {
		return err
	}
	if err := serveHTTP(ctx, log, f.metrics, metricsMux(reg, nil)); err != nil {
		return err
	}
	factory := informers.NewSharedInformerFactory(client, 0)
	var wg sync.WaitGroup
	errc := make(chan error, 4)
	run := func(name string, fn func() error) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := fn(); err != nil && ctx.Err() == nil {
				errc <- fmt.Errorf("%s: %w", name, err)
			}
		}()
	}
	run("agent", func() error { return a.Run(ctx) })
	if f.tokenFile != "" {
		token, err := os.ReadFile(f.tokenFile)
		if err != nil {
			return fmt.Errorf("--token-file: %w", err)
		}
		d, err := daemon.New(daemon.Config{Node: a, Token: strings.TrimSpace(string(token)), Logger: log.With("component", "daemon")})
		if err != nil {
			return err
		}
		if err := serveHTTP(ctx, log, net.JoinHostPort(nodeIP.String(), strconv.Itoa(f.daemonPort)), d); err != nil {
			return err
		}
	}
	if err := startNodeNet(ctx, f, factory, clusterCIDR, log, run); err != nil {
		return err
	}
	if !f.disableProxy {
		if err := startProxy(ctx, f, client, factory, nodeIP, clusterCIDR, serviceCIDRs, reg, log, run); err != nil {
			return err
		}
	}
	if !f.disableDNS {
		if err := startDNS(ctx, f, client, nodeIP, reg, log, run); err != nil {
			return err
		}
	}
	factory.Start(ctx.Done())
	select {
	case <-ctx.Done():
	case err = <-errc:
	}
	wg.Wait()
	return err
}

func startNodeNet(ctx context.Context, f *agentFlags, factory informers.SharedInformerFactory, clusterCIDR netip.Prefix, log loggerT, run func(string, func() error)) error {
	nft, err := knftables.New(knftables.IPv4Family, nodenet.TableName)
	if err != nil {
		return fmt.Errorf("nodenet: opening nftables: %w", err)
	}
	nn, err := nodenet.New(nodenet.Config{Informers: factory, NodeName: f.nodeName, ClusterCIDR: clusterCIDR,
		Routes: nodenet.Netlink{}, NFT: nft, Logger: log.With("component", "nodenet")})
	if err != nil {
		return err
	}
	run("nodenet", func() error { nn.Run(ctx); return nil })
	return nil
}

func startProxy(ctx context.Context, f *agentFlags, client kubernetes.Interface, factory informers.SharedInformerFactory,
	nodeIP netip.Addr, clusterCIDR netip.Prefix, serviceCIDRs []netip.Prefix, reg registerer, log loggerT, run func(string, func() error)) error {
	nft, err := knftables.New(knftables.IPv4Family, "svcnet")
	if err != nil {
		return fmt.Errorf("proxy: opening nftables: %w", err)
	}
	p, err := proxy.New(proxy.Config{Client: client, Informers: factory, NFT: nft, Conntrack: conntrack.Netlink{},
		NodeName: f.nodeName, NodeIPs: []netip.Addr{nodeIP}, ClusterCIDR: []netip.Prefix{clusterCIDR},
		ServiceCIDRs: serviceCIDRs, Registerer: reg, Logger: log.With("component", "proxy")})
	if err != nil {
		return err
	}
	if err := serveHTTP(ctx, log, net.JoinHostPort(nodeIP.String(), "10256"), p.Healthz()); err != nil {
		return err
	}
	run("proxy", func() error { return p.Run(ctx) })
	return nil
}

func startDNS(ctx context.Context, f *agentFlags, client kubernetes.Interface, nodeIP netip.Addr, reg registerer, log loggerT, run func(string, func() error)) error {
	s, err := dns.New(dns.Config{Client: client, ClusterDomain: f.clusterDomain, ResolvConf: f.dnsResolvConf, Upstreams: f.dnsUpstreams,
		Listen:     []string{net.JoinHostPort(nodeIP.String(), "53")},
		Registerer: reg, Logger: log.With("component", "dns")})
	if err != nil {
		return err
	}
	run("dns", func() error { return s.Run(ctx) })
	run("dns-endpoint", func() error { return dns.PublishNodeEndpoint(ctx, client, f.nodeName, nodeIP) })
	return nil
}
