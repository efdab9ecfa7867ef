package main

import (
	"log/slog"
	"os"

	"github.com/spf13/cobra"
)

// defaultDataDir is where `svcnet server` keeps its state by default.
const defaultDataDir = "/var/lib/svcnet"

func newRootCommand() *cobra.Command {
	root := &cobra.Command{
		Use:           "svcnet",
		Short:         "Kubernetes Service networking: API server, proxy, DNS and load balancers in one binary",
		SilenceUsage:  true,
		SilenceErrors: false,
	}
	root.AddCommand(newServerCommand(), newProxyCommand(), newDNSCommand(), newKubectlCommand(), newWorkloadCommand(), newPauseCommand(), newLabCommand(), newAgentCommand(), newVersionCommand())
	return root
}

// newLogger returns the process logger at the given level.
func newLogger(level string) *slog.Logger {
	var l slog.Level
	if err := l.UnmarshalText([]byte(level)); err != nil {
		l = slog.LevelInfo
	}
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: l}))
}

// newKubectlCommand only documents `svcnet kubectl`; main dispatches it
// before cobra runs, so that kubectl parses its own flags.
func newKubectlCommand() *cobra.Command {
	return &cobra.Command{
		Use:                "kubectl [args...]",
		Short:              "Run the embedded kubectl (uses " + defaultDataDir + "/kubeconfig unless KUBECONFIG or --kubeconfig is set)",
		DisableFlagParsing: true,
		RunE: func(cmd *cobra.Command, args []string) error {
			os.Exit(runKubectl(args))
			return nil
		},
	}
}
