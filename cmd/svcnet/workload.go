package main

import (
	"os"

	"github.com/spf13/cobra"

	"github.com/svcnet/svcnet/pkg/workload"
)

// newWorkloadCommand runs a built-in workload (nginx, httpd, whoami, ...).
// The node agent starts pod containers whose image names one this way.
func newWorkloadCommand() *cobra.Command {
	return &cobra.Command{
		Use:                "workload NAME [args...]",
		Short:              "Run a built-in workload (what pods whose image names one run)",
		Hidden:             true,
		DisableFlagParsing: true,
		Run: func(cmd *cobra.Command, args []string) {
			os.Exit(workload.Main(cmd.Context(), args, os.Stdout, os.Stderr))
		},
	}
}
