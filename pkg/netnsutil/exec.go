package netnsutil

import (
	"fmt"
	"os/exec"
)

// StartCommand starts cmd inside the namespace at nsPath: the child is forked
// from a thread that has joined the namespace, and a new process inherits the
// network namespace of the thread that forks it. Wait for it as usual with
// cmd.Wait. Only the network namespace changes: the child shares the caller's
// mount namespace, so /sys still shows the caller's view (tools that use
// netlink, such as ip, are unaffected).
func StartCommand(nsPath string, cmd *exec.Cmd) error {
	if err := Do(nsPath, cmd.Start); err != nil {
		return fmt.Errorf("start %s in %s: %w", cmd.Path, nsPath, err)
	}
	return nil
}
