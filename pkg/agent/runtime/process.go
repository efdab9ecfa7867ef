//go:build linux

package runtime

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"github.com/svcnet/svcnet/pkg/netnsutil"
)

// Timeouts of the runtime's own waits (a container's grace period is the
// caller's).
const (
	pauseReadyTimeout = 15 * time.Second
	killWaitTimeout   = 10 * time.Second
	pollInterval      = 20 * time.Millisecond
	execWaitDelay     = 2 * time.Second
)

// defaultPath is the PATH a container gets when its Env has none.
const defaultPath = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

// startPause starts the pod's pause process in the pod's network namespace
// with new mount, UTS and PID namespaces, waits for its "ready" line and
// returns its identity. Its stderr goes to pause.log in the pod directory.
func (l *Linux) startPause(nsPath, hostname string, f podFiles) (procRef, error) {
	logf, err := os.OpenFile(f.log, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		return procRef{}, fmt.Errorf("open pause log: %w", err)
	}
	defer logf.Close()
	pr, pw, err := os.Pipe()
	if err != nil {
		return procRef{}, fmt.Errorf("pipe: %w", err)
	}
	defer pr.Close()
	args := []string{"pause", "--hostname", hostname, "--hosts", f.hosts, "--hostname-file", f.hostname}
	if f.resolv != "" {
		args = append(args, "--resolv", f.resolv)
	}
	cmd := exec.Command(l.cfg.SvcnetBinary, args...)
	cmd.Env = []string{defaultPath}
	cmd.Dir = "/"
	cmd.Stdout, cmd.Stderr = pw, logf
	cmd.SysProcAttr = &syscall.SysProcAttr{
		Cloneflags: unix.CLONE_NEWNS | unix.CLONE_NEWUTS | unix.CLONE_NEWPID,
		Setsid:     true, // no signals from the agent's terminal
	}
	err = netnsutil.StartCommand(nsPath, cmd)
	pw.Close()
	if err != nil {
		return procRef{}, fmt.Errorf("start pause process: %w", err)
	}
	ref, err := refOf(l.procRoot, cmd.Process.Pid)
	if err == nil {
		err = waitReady(pr)
	}
	if err != nil {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		return procRef{}, fmt.Errorf("pause process: %w (see %s)", err, f.log)
	}
	done := make(chan struct{})
	l.mu.Lock()
	l.waiters[ref] = done
	l.mu.Unlock()
	go func() { // reap it whenever it ends
		_ = cmd.Wait()
		l.mu.Lock()
		delete(l.waiters, ref)
		l.mu.Unlock()
		close(done)
	}()
	return ref, nil
}

// waitReady reads the pause process's "ready" line, bounded in time.
func waitReady(r *os.File) error {
	if err := r.SetReadDeadline(time.Now().Add(pauseReadyTimeout)); err != nil {
		return fmt.Errorf("wait for ready: %w", err)
	}
	line, err := bufio.NewReader(r).ReadString('\n')
	if strings.TrimSpace(line) == pauseReady {
		return nil
	}
	if err == nil || errors.Is(err, io.EOF) {
		return fmt.Errorf("exited before it was ready")
	}
	return fmt.Errorf("wait for ready: %w", err)
}

// nsenterArgs returns the command line that runs argv inside the pause
// process's network, mount, UTS and PID namespaces, in dir. Entering the
// mount namespace puts the process at its root; nsenter's own --wd would
// open the directory in the node's mount namespace (unreachable from the
// pod's), so `env --chdir` changes directory once inside.
func (l *Linux) nsenterArgs(pausePID int, dir string, argv []string) []string {
	args := []string{
		l.cfg.NSEnter, "--target", strconv.Itoa(pausePID),
		"--net", "--mount", "--uts", "--pid", "--",
	}
	if dir != "" && dir != "/" {
		args = append(args, l.envBinary, "--chdir="+dir)
	}
	return append(args, argv...)
}

// containerEnv adds PATH and HOSTNAME when env lacks them.
func containerEnv(env []string, hostname string) []string {
	out := append([]string(nil), env...)
	has := func(k string) bool {
		for _, e := range env {
			if strings.HasPrefix(e, k+"=") {
				return true
			}
		}
		return false
	}
	if !has("PATH") {
		out = append(out, defaultPath)
	}
	if !has("HOSTNAME") {
		out = append(out, "HOSTNAME="+hostname)
	}
	return out
}

// StartContainer starts c in the pod's sandbox, or returns it if it already
// runs. A container that has exited is started again and its Restarts
// count goes up. Its stdout and stderr are appended to c.LogPath (default
// LogPath(podUID, c.Name)); it leads its own process group.
func (l *Linux) StartContainer(ctx context.Context, podUID string, c ContainerConfig) (ContainerState, error) {
	if err := checkUID(podUID); err != nil {
		return ContainerState{}, err
	}
	if c.Name == "" || strings.ContainsAny(c.Name, "/\x00") || len(c.Argv) == 0 {
		return ContainerState{}, fmt.Errorf("container %q: a name without '/' and a command are required", c.Name)
	}
	defer l.lockPod(podUID)()
	rec, err := l.refresh(podUID)
	if err != nil {
		return ContainerState{}, err
	}
	if !alive(l.procRoot, rec.Pause) {
		return ContainerState{}, fmt.Errorf("start container %s of pod %s: %w", c.Name, podUID, errNotRunning)
	}
	restarts := 0
	if old := rec.container(c.Name); old != nil {
		if old.Running && alive(l.procRoot, old.Proc) {
			return l.containerState(*old), nil
		}
		restarts = old.Restarts + 1
	}
	if err := ctx.Err(); err != nil {
		return ContainerState{}, err
	}
	saved := make(chan struct{})
	cr, err := l.spawn(rec, c, saved)
	if err != nil {
		return ContainerState{}, fmt.Errorf("start container %s of pod %s: %w", c.Name, podUID, err)
	}
	defer close(saved) // only then may the watcher record the exit
	cr.Restarts = restarts
	err = l.update(podUID, func(r *sandboxRecord) error {
		if old := r.container(c.Name); old != nil {
			*old = cr
		} else {
			r.Containers = append(r.Containers, cr)
		}
		return nil
	})
	if err != nil {
		return ContainerState{}, err
	}
	l.log.Info("container started", "uid", podUID, "container", c.Name, "pid", cr.Proc.PID)
	return l.containerState(cr), nil
}

// spawn starts the nsenter wrapper for c and a goroutine that records its
// exit. The wrapper forks the container into the pod's PID namespace and
// exits with its status.
// The watcher records nothing before saved is closed, so the exit of a
// process that ends at once is not lost before its record exists.
func (l *Linux) spawn(rec *sandboxRecord, c ContainerConfig, saved <-chan struct{}) (containerRecord, error) {
	logPath := c.LogPath
	if logPath == "" {
		logPath = l.LogPath(rec.UID, c.Name)
	}
	if err := os.MkdirAll(filepath.Dir(logPath), 0o755); err != nil {
		return containerRecord{}, fmt.Errorf("create log directory: %w", err)
	}
	logf, err := os.OpenFile(logPath, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		return containerRecord{}, fmt.Errorf("open log: %w", err)
	}
	env := containerEnv(c.Env, rec.Hostname)
	args := l.nsenterArgs(rec.Pause.PID, c.WorkingDir, c.Argv)
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Env = env
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		logf.Close()
		return containerRecord{}, fmt.Errorf("run %s: %w", l.cfg.NSEnter, err)
	}
	logf.Close() // the child has its own copy
	ref, err := refOf(l.procRoot, cmd.Process.Pid)
	if err != nil {
		// Exited already and not yet reaped cannot fail this; a vanished
		// /proc entry can: identify it by PID alone.
		ref = procRef{PID: cmd.Process.Pid}
	}
	done := make(chan struct{})
	l.mu.Lock()
	l.waiters[ref] = done
	l.mu.Unlock()
	go l.watch(rec.UID, c.Name, ref, cmd, saved, done)
	return containerRecord{
		Name: c.Name, Argv: c.Argv, Env: c.Env, WorkingDir: c.WorkingDir, LogPath: logPath,
		Proc: ref, Running: true, StartedAt: time.Now().UTC(),
	}, nil
}

// watch waits for a container's wrapper and records its exit status.
func (l *Linux) watch(uid, name string, ref procRef, cmd *exec.Cmd, saved <-chan struct{}, done chan struct{}) {
	_ = cmd.Wait()
	<-saved
	code := exitCode(cmd.ProcessState)
	now := time.Now().UTC()
	// The pod lock is not needed: StartContainer records the container
	// before it can be replaced, and Proc identifies this run.
	err := l.update(uid, func(r *sandboxRecord) error {
		c := r.container(name)
		if c == nil || c.Proc != ref {
			return nil
		}
		c.Running, c.ExitCode, c.FinishedAt = false, code, now
		return nil
	})
	if err != nil && !IsNotFound(err) {
		l.log.Warn("cannot record container exit", "uid", uid, "container", name, "exitCode", code, "err", err)
	}
	l.log.Info("container exited", "uid", uid, "container", name, "exitCode", code)
	l.mu.Lock()
	delete(l.waiters, ref)
	l.mu.Unlock()
	close(done)
}

// exitCode is the shell's view of a status: the code, or 128+signal.
func exitCode(ps *os.ProcessState) int {
	if ps == nil {
		return UnknownExitCode
	}
	if ws, ok := ps.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		return 128 + int(ws.Signal())
	}
	return ps.ExitCode()
}

// watching reports whether this runtime waits for the process r (so its
// exit code is about to be recorded).
func (l *Linux) watching(r procRef) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	_, ok := l.waiters[r]
	return ok
}

func (l *Linux) waiter(r procRef) (chan struct{}, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	ch, ok := l.waiters[r]
	return ch, ok
}
