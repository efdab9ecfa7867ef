package main

import (
	"os"

	"github.com/spf13/cobra"

	"github.com/svcnet/svcnet/pkg/agent/runtime"
)

// newPauseCommand is each pod's PID 1: the node agent's runtime starts it in
// the pod's new namespaces, where it holds them and reaps orphans.
func newPauseCommand() *cobra.Command {
	return &cobra.Command{
		Use:                "pause [flags]",
		Short:              "Hold a pod's namespaces (started by the node agent)",
		Hidden:             true,
		DisableFlagParsing: true,
		Run: func(_ *cobra.Command, args []string) {
			os.Exit(runtime.PauseMain(args))
		},
	}
}
