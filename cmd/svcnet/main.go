// Command svcnet is Kubernetes Service networking in one binary: the control
// plane (svcnet server), the node agent, the lab, and the real kubectl.
package main

import (
	"os"
)

func main() {
	// kubectl owns its whole command line, flags included, so it is
	// dispatched before cobra parses anything.
	if len(os.Args) > 1 && os.Args[1] == "kubectl" {
		os.Exit(runKubectl(os.Args[2:]))
	}
	if err := newRootCommand().Execute(); err != nil {
		os.Exit(1)
	}
}
