package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"syscall"
	"time"

	"github.com/spf13/cobra"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/svcnet/svcnet/pkg/agent/runtime"
	"github.com/svcnet/svcnet/pkg/lab"
)

// labFlags are shared by the lab subcommands.
type labFlags struct {
	name     string
	logLevel string
}

func (f *labFlags) runDir() string { return lab.DefaultRunDir(f.name) }

func newLabCommand() *cobra.Command {
	f := &labFlags{}
	cmd := &cobra.Command{
		Use:   "lab",
		Short: "A multi-node cluster of network namespaces on this machine (needs root)",
	}
	cmd.PersistentFlags().StringVar(&f.name, "name", lab.DefaultName, "lab name")
	cmd.PersistentFlags().StringVar(&f.logLevel, "log-level", "info", "log level")
	cmd.AddCommand(newLabUpCommand(f), newLabDownCommand(f), newLabExecCommand(f),
		newLabKubeconfigCommand(f), newLabForwardCommand(f))
	return cmd
}

func newLabUpCommand(f *labFlags) *cobra.Command {
	nodes := 2
	cmd := &cobra.Command{
		Use:   "up",
		Short: "Create the lab's nodes, start the control plane in node1, and print how to reach it",
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx, stop := signal.NotifyContext(cmd.Context(), syscall.SIGINT, syscall.SIGTERM)
			defer stop()
			return labUp(ctx, f, nodes, cmd)
		},
	}
	cmd.Flags().IntVar(&nodes, "nodes", nodes, "number of nodes")
	return cmd
}

// labUp brings a lab up; on failure it takes down what it made.
func labUp(ctx context.Context, f *labFlags, nodes int, cmd *cobra.Command) (err error) {
	log := newLogger(f.logLevel)
	start := time.Now()
	self, err := os.Executable()
	if err != nil {
		return fmt.Errorf("finding the svcnet binary: %w", err)
	}
	l, err := lab.Up(ctx, &lab.Config{Name: f.name, Nodes: nodes, RunDir: f.runDir(), Logger: log})
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			_ = l.Down(context.Background())
		}
	}()
	api := l.APIServerAddr()
	serverDir := filepath.Join(l.RunDir(), "server")
	if _, err := l.Start(ctx, "node1", []string{self, "server", "--data-dir", serverDir,
		"--advertise-address", api.Addr().String(), "--tls-san", "127.0.0.1", "--log-level", f.logLevel},
		filepath.Join(l.RunDir(), "server.log")); err != nil {
		return fmt.Errorf("starting the control plane: %w", err)
	}
	port, err := freeLoopbackPort()
	if err != nil {
		return err
	}
	fwd := exec.Command(self, "lab", "forward", "--name", f.name, "--listen", "127.0.0.1:"+strconv.Itoa(port))
	fwd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	logf, err := os.Create(filepath.Join(l.RunDir(), "forward.log"))
	if err != nil {
		return err
	}
	defer logf.Close()
	fwd.Stdout, fwd.Stderr = logf, logf
	if err := fwd.Start(); err != nil {
		return fmt.Errorf("starting the kubeconfig forwarder: %w", err)
	}
	if err := l.Track(fwd.Process.Pid, fwd.Args); err != nil {
		return err
	}
	_ = fwd.Process.Release()
	kubeconfig := filepath.Join(l.RunDir(), "kubeconfig")
	if err := waitFile(ctx, filepath.Join(serverDir, "kubeconfig"), 60*time.Second); err != nil {
		return fmt.Errorf("the control plane did not start (see %s): %w", filepath.Join(l.RunDir(), "server.log"), err)
	}
	if err := writeLabKubeconfig(filepath.Join(serverDir, "kubeconfig"), kubeconfig, fmt.Sprintf("https://127.0.0.1:%d", port)); err != nil {
		return err
	}
	if err := startLabAgents(ctx, l, self, serverDir, f.logLevel); err != nil {
		return err
	}
	client, err := newClient(kubeconfig)
	if err != nil {
		return err
	}
	deadline := time.Now().Add(60 * time.Second)
	for {
		if _, err := client.CoreV1().Services("default").Get(ctx, "kubernetes", metav1GetOptions()); err == nil {
			break
		} else if time.Now().After(deadline) {
			return fmt.Errorf("the API server did not answer through the forwarder: %w", err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	out := cmd.OutOrStdout()
	fmt.Fprintf(out, "lab %q is up with %d nodes in %s.\n\n", f.name, nodes, time.Since(start).Round(10*time.Millisecond))
	for _, n := range l.Nodes() {
		fmt.Fprintf(out, "  %-8s %s\n", n.Name, n.IP)
	}
	fmt.Fprintf(out, "  outside  %s\n\n", l.OutsideNS().IP)
	fmt.Fprintf(out, "  export KUBECONFIG=%s\n  svcnet kubectl get svc\n  svcnet lab exec node1 -- ip addr\n  svcnet lab down\n", kubeconfig)
	return nil
}

func newLabDownCommand(f *labFlags) *cobra.Command {
	return &cobra.Command{
		Use:   "down",
		Short: "Remove everything the lab made (namespaces, processes, pods), even after a crash",
		RunE: func(cmd *cobra.Command, _ []string) error {
			log := newLogger(f.logLevel)
			if l, err := lab.Load(f.runDir(), log); err == nil {
				// Stop the agents first (Down stops every process it
				// started), then remove the pods they left.
				if err := l.Down(cmd.Context()); err != nil {
					return err
				}
			}
			removeLabPods(cmd.Context(), f.runDir(), log)
			if err := lab.Down(cmd.Context(), f.runDir(), log); err != nil {
				return err
			}
			// Nothing of the lab is left; its run directory (state, logs,
			// pods' files) goes too.
			return os.RemoveAll(f.runDir())
		},
	}
}

// startLabAgents starts `svcnet agent` in every node, with a kubeconfig
// that reaches the API server at node1's lab address.
func startLabAgents(ctx context.Context, l *lab.Lab, self, serverDir, logLevel string) error {
	api := l.APIServerAddr()
	nodeKubeconfig := filepath.Join(l.RunDir(), "node-kubeconfig")
	if err := writeLabKubeconfig(filepath.Join(serverDir, "kubeconfig"), nodeKubeconfig, "https://"+api.String()); err != nil {
		return err
	}
	// Lab nodes have no way out: cluster DNS forwards other names to the
	// lab router, where nothing answers, so they fail at once and nothing
	// leaves the lab.
	upstream := netip.AddrPortFrom(lab.RouterNodeAddr.Addr(), 53).String()
	for _, n := range l.Nodes() {
		argv := []string{self, "agent", "--kubeconfig", nodeKubeconfig, "--node-name", n.Name,
			"--node-ip", n.IP.String(), "--state-dir", filepath.Join(l.RunDir(), n.Name),
			"--dns-upstream", upstream, "--token-file", filepath.Join(serverDir, "pki", "token"), "--metrics-bind-address", "", "--log-level", logLevel}
		if _, err := l.Start(ctx, n.Name, argv, filepath.Join(l.RunDir(), n.Name+".log")); err != nil {
			return fmt.Errorf("starting the agent of %s: %w", n.Name, err)
		}
	}
	return nil
}

// removeLabPods removes the pod sandboxes the lab's agents left.
func removeLabPods(ctx context.Context, runDir string, log loggerT) {
	dirs, _ := filepath.Glob(filepath.Join(runDir, "node*", "runtime"))
	self, _ := os.Executable()
	for _, dir := range dirs {
		rt, err := runtime.NewLinux(runtime.Config{PodCIDR: netip.MustParsePrefix("10.244.255.0/24"),
			StateDir: dir, SvcnetBinary: self, Logger: log})
		if err != nil {
			log.Warn("cannot clean pods", "dir", dir, "err", err)
			continue
		}
		if err := rt.RemoveAll(ctx); err != nil {
			log.Warn("cleaning pods", "dir", dir, "err", err)
		}
	}
}

func newLabExecCommand(f *labFlags) *cobra.Command {
	return &cobra.Command{
		Use:   "exec NODE -- COMMAND [ARGS...]",
		Short: "Run a command in a lab node's (or outside's) network namespace",
		Args:  cobra.MinimumNArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			l, err := lab.Load(f.runDir(), newLogger(f.logLevel))
			if err != nil {
				return err
			}
			code, err := l.Exec(cmd.Context(), args[0], args[1:], os.Stdin, os.Stdout, os.Stderr)
			if err != nil {
				return err
			}
			os.Exit(code)
			return nil
		},
	}
}

func newLabKubeconfigCommand(f *labFlags) *cobra.Command {
	return &cobra.Command{
		Use:   "kubeconfig",
		Short: "Print the path of the lab's kubeconfig (it points at the host's loopback)",
		RunE: func(cmd *cobra.Command, _ []string) error {
			path := filepath.Join(f.runDir(), "kubeconfig")
			if _, err := os.Stat(path); err != nil {
				return fmt.Errorf("no lab %q is up: %w", f.name, err)
			}
			fmt.Fprintln(cmd.OutOrStdout(), path)
			return nil
		},
	}
}

// newLabForwardCommand is the background process `lab up` leaves running:
// it forwards the host's loopback port to the API server in node1.
func newLabForwardCommand(f *labFlags) *cobra.Command {
	listen := ""
	cmd := &cobra.Command{
		Use:    "forward",
		Short:  "Forward a host loopback port to the lab's API server",
		Hidden: true,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx, stop := signal.NotifyContext(cmd.Context(), syscall.SIGINT, syscall.SIGTERM)
			defer stop()
			l, err := lab.Load(f.runDir(), newLogger(f.logLevel))
			if err != nil {
				return err
			}
			api := l.APIServerAddr()
			fw, err := l.Forward(ctx, listen, "node1", api.Port())
			if err != nil {
				return err
			}
			<-ctx.Done()
			return fw.Close()
		},
	}
	cmd.Flags().StringVar(&listen, "listen", "127.0.0.1:0", "host loopback address to listen on")
	return cmd
}

// writeLabKubeconfig copies the server's admin kubeconfig with the server
// URL pointing at the forwarder.
func writeLabKubeconfig(from, to, server string) error {
	cfg, err := clientcmd.LoadFromFile(from)
	if err != nil {
		return fmt.Errorf("reading %s: %w", from, err)
	}
	for _, c := range cfg.Clusters {
		c.Server = server
	}
	return clientcmd.WriteToFile(*cfg, to)
}

func freeLoopbackPort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("finding a free loopback port: %w", err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// waitFile waits until path exists.
func waitFile(ctx context.Context, path string, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	for {
		if _, err := os.Stat(path); err == nil {
			return nil
		} else if !errors.Is(err, os.ErrNotExist) {
			return err
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("waiting for %s: %w", path, ctx.Err())
		case <-time.After(100 * time.Millisecond):
		}
	}
}
