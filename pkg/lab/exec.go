package lab

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"syscall"
	"time"

	"github.com/svcnet/svcnet/pkg/netnsutil"
)

// Exec runs argv inside the lab namespace named target ("node1", "outside",
// "router", ...) and waits for it. The child is forked from a thread that has
// joined the namespace, so it needs no nsenter; it shares the caller's mount
// namespace, environment and working directory. Exec returns the exit code
// (128+N for death by signal N, as a shell reports it); err is set only when
// the command could not be run or ctx ended it. stdin, stdout and stderr may
// be nil.
func (l *Lab) Exec(ctx context.Context, target string, argv []string, stdin io.Reader, stdout, stderr io.Writer) (int, error) {
	ns, err := l.Namespace(target)
	if err != nil {
		return -1, err
	}
	if len(argv) == 0 {
		return -1, errors.New("lab exec: empty command")
	}
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = stdin, stdout, stderr
	// Do not hang on output pipes held open by a background grandchild.
	cmd.WaitDelay = time.Second
	if err := netnsutil.StartCommand(ns.Path, cmd); err != nil {
		return -1, fmt.Errorf("lab exec in %s: %w", ns.Name, err)
	}
	err = cmd.Wait()
	if ctx.Err() != nil {
		return -1, fmt.Errorf("lab exec in %s: %w", ns.Name, ctx.Err())
	}
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			return 128 + int(ws.Signal()), nil
		}
		return ee.ExitCode(), nil
	}
	if err != nil {
		return -1, fmt.Errorf("lab exec in %s: %w", ns.Name, err)
	}
	return 0, nil
}

// Start starts argv inside the lab namespace named target as a long-running
// process, records its PID (with its start time) in the lab state so that
// Down stops it, and returns the PID. The process gets its own process group
// (Down signals the group), stdin from /dev/null, and stdout and stderr
// appended to logFile (created if needed; "" discards them). It keeps running
// after the caller exits. ctx bounds only the start, not the process.
func (l *Lab) Start(ctx context.Context, target string, argv []string, logFile string) (int, error) {
	ns, err := l.Namespace(target)
	if err != nil {
		return 0, err
	}
	if len(argv) == 0 {
		return 0, errors.New("lab start: empty command")
	}
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	unlock, err := lockRunDir(l.runDir, false)
	if err != nil {
		return 0, err
	}
	defer unlock()
	st, err := readState(l.runDir)
	if err != nil {
		return 0, err
	}
	out, err := openLog(logFile)
	if err != nil {
		return 0, err
	}
	defer out.Close()
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Stdout, cmd.Stderr = out, out // *os.File: inherited, no copying goroutine
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := netnsutil.StartCommand(ns.Path, cmd); err != nil {
		return 0, fmt.Errorf("lab start in %s: %w", ns.Name, err)
	}
	pid := cmd.Process.Pid
	// Reap it if it exits while this process lives, so it never lingers as
	// a zombie that looks alive.
	go func() { _ = cmd.Wait() }()
	if err := l.record(st, pid, ns.NetNS, argv, logFile); err != nil {
		_ = cmd.Process.Kill()
		return 0, err
	}
	l.logger.Info("process started", "pid", pid, "namespace", ns.Name, "command", argv, "log", logFile)
	return pid, nil
}

// Track records a process that the caller started itself (for example a
// kubeconfig forwarder running on the host), so that Down stops it too. If
// pid leads its own process group, Down signals the whole group.
func (l *Lab) Track(pid int, argv []string) error {
	unlock, err := lockRunDir(l.runDir, false)
	if err != nil {
		return err
	}
	defer unlock()
	st, err := readState(l.runDir)
	if err != nil {
		return err
	}
	return l.record(st, pid, "", argv, "")
}

// record adds a process to st and writes it; the caller holds the lock.
func (l *Lab) record(st *state, pid int, netns string, argv []string, logFile string) error {
	ps, err := readProcStat(pid)
	if err != nil {
		return fmt.Errorf("record process %d: %w", pid, err)
	}
	st.Processes = append(st.Processes, process{PID: pid, StartTime: ps.StartTime, Namespace: netns, Command: argv, Log: logFile})
	return writeState(l.runDir, st)
}

func openLog(path string) (*os.File, error) {
	if path == "" {
		path = os.DevNull
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		return nil, fmt.Errorf("open process log: %w", err)
	}
	return f, nil
}
