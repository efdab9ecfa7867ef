//go:build linux

package runtime

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"syscall"
	"time"

	"github.com/creack/pty"
	"golang.org/x/sys/unix"
)

// Exec runs argv in the pod's namespaces (network, mount, UTS, PID) with the
// container's environment and working directory, and returns its exit code
// (128+signal when a signal ended it). container "" runs with no container
// environment. With o.TTY the command gets a pseudo-terminal that carries
// stdin and stdout (stderr is merged, as with a real terminal). Cancelling
// ctx kills the command's process group.
func (l *Linux) Exec(ctx context.Context, podUID, container string, argv []string, o ExecOptions) (int, error) {
	if err := checkUID(podUID); err != nil {
		return -1, err
	}
	if len(argv) == 0 {
		return -1, errors.New("exec: a command is required")
	}
	rec, ok, err := l.load(podUID)
	if err != nil {
		return -1, err
	}
	if !ok {
		return -1, fmt.Errorf("exec in pod %s: sandbox %w", podUID, errNotFound)
	}
	if !alive(l.procRoot, rec.Pause) {
		return -1, fmt.Errorf("exec in pod %s: %w", podUID, errNotRunning)
	}
	var env []string
	dir := ""
	if container != "" {
		c := rec.container(container)
		if c == nil {
			return -1, fmt.Errorf("exec in pod %s: container %s %w", podUID, container, errNotFound)
		}
		env, dir = c.Env, c.WorkingDir
	}
	args := l.nsenterArgs(rec.Pause.PID, dir, argv)
	cmd := exec.CommandContext(ctx, args[0], args[1:]...)
	cmd.Env = containerEnv(env, rec.Hostname)
	cmd.Cancel = func() error { return unix.Kill(-cmd.Process.Pid, unix.SIGKILL) }
	cmd.WaitDelay = execWaitDelay
	if o.TTY {
		err = runTTY(cmd, o)
	} else {
		cmd.Stdin, cmd.Stdout, cmd.Stderr = o.Stdin, o.Stdout, o.Stderr
		cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
		err = cmd.Run()
	}
	if cmd.ProcessState != nil && (err == nil || errors.As(err, new(*exec.ExitError)) || errors.Is(err, exec.ErrWaitDelay)) {
		if ctxErr := ctx.Err(); ctxErr != nil {
			return exitCode(cmd.ProcessState), fmt.Errorf("exec in pod %s: %w", podUID, ctxErr)
		}
		return exitCode(cmd.ProcessState), nil
	}
	return -1, fmt.Errorf("exec in pod %s: %w", podUID, err)
}

// runTTY runs cmd on a new pseudo-terminal (pty.Start makes it a session
// leader with the terminal as its controlling one).
func runTTY(cmd *exec.Cmd, o ExecOptions) error {
	tty, err := pty.Start(cmd)
	if err != nil {
		return fmt.Errorf("start on a pseudo-terminal: %w", err)
	}
	defer tty.Close()
	if o.Stdin != nil {
		go func() { _, _ = io.Copy(tty, o.Stdin) }()
	}
	out := o.Stdout
	if out == nil {
		out = io.Discard
	}
	copied := make(chan struct{})
	go func() {
		_, _ = io.Copy(out, tty) // ends with EIO once the terminal's last user exits
		close(copied)
	}()
	err = cmd.Wait()
	select {
	case <-copied:
	case <-time.After(execWaitDelay):
		// A background process still holds the terminal: stop reading.
		_ = tty.Close()
		<-copied
	}
	return err
}
