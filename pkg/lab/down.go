package lab

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sys/unix"

	"github.com/svcnet/svcnet/pkg/netnsutil"
)

// Grace periods for stopping started processes: SIGTERM, then SIGKILL.
const (
	termGrace = 5 * time.Second
	killGrace = 2 * time.Second
	pollEvery = 20 * time.Millisecond
)

// Down removes the lab whose state is in runDir: it stops the processes Start
// recorded (SIGTERM to each one's process group, SIGKILL after a grace
// period; only PIDs whose start time still matches), deletes the namespaces
// Up recorded, and removes the state. It works on a lab whose Up crashed
// halfway, and a runDir without a lab is not an error, so Down can always be
// retried. logger may be nil.
func Down(ctx context.Context, runDir string, logger *slog.Logger) error {
	logger = loggerOrDiscard(logger)
	unlock, err := lockRunDir(runDir, false)
	if err != nil {
		if isNotExist(err) {
			logger.Info("no lab to remove", "runDir", runDir)
			return nil
		}
		return err
	}
	defer unlock()
	return downLocked(ctx, runDir, logger)
}

// downLocked is Down for a caller holding the run directory's lock.
func downLocked(ctx context.Context, runDir string, logger *slog.Logger) error {
	st, err := readState(runDir)
	if err != nil {
		if isNotExist(err) {
			logger.Info("no lab to remove", "runDir", runDir)
			return removeRunFiles(runDir)
		}
		return err
	}
	start := time.Now()
	logger = logger.With("lab", st.Name)
	var errs []error
	if err := stopProcesses(ctx, st.Processes, logger); err != nil {
		errs = append(errs, err)
	}
	warnStrays(st.Namespaces, logger)
	for _, name := range slices.Backward(st.Namespaces) {
		if !ownedName(st.Name, name) {
			errs = append(errs, fmt.Errorf("state lists namespace %q, which is not a %q lab namespace; left alone", name, st.Name))
			continue
		}
		if err := netnsutil.DeleteNamed(name); err != nil {
			errs = append(errs, err)
		}
	}
	if err := errors.Join(errs...); err != nil {
		// Keep the state so that Down can be retried.
		return fmt.Errorf("lab down %q: %w", st.Name, err)
	}
	if err := removeRunFiles(runDir); err != nil {
		return err
	}
	logger.Info("lab down", "namespaces", len(st.Namespaces), "processes", len(st.Processes), "duration", time.Since(start))
	return nil
}

// ownedName guards against a corrupted state file: a lab only ever deletes
// names with its own prefix.
func ownedName(lab, ns string) bool {
	return strings.HasPrefix(ns, lab+"-") && netnsutil.ValidName(ns)
}

// stopProcesses stops the recorded processes that are still the ones that
// were started. Each was started as a process group leader, so the whole
// group gets the signal.
func stopProcesses(ctx context.Context, procs []process, logger *slog.Logger) error {
	live := slices.DeleteFunc(slices.Clone(procs), func(p process) bool { return !alive(p) })
	if len(live) == 0 {
		return nil
	}
	signalAll(live, unix.SIGTERM, logger)
	live = waitGone(ctx, live, termGrace)
	if len(live) == 0 {
		return nil
	}
	signalAll(live, unix.SIGKILL, logger)
	// Wait for SIGKILL even when ctx is done: Down is cleanup.
	live = waitGone(context.Background(), live, killGrace)
	if len(live) > 0 {
		pids := make([]string, len(live))
		for i, p := range live {
			pids[i] = strconv.Itoa(p.PID)
		}
		return fmt.Errorf("processes %s did not exit after SIGKILL", strings.Join(pids, ", "))
	}
	return nil
}

func signalAll(procs []process, sig unix.Signal, logger *slog.Logger) {
	for _, p := range procs {
		if !alive(p) {
			continue
		}
		target := p.PID
		if pgid, err := unix.Getpgid(p.PID); err == nil && pgid == p.PID {
			target = -p.PID
		}
		logger.Info("stopping process", "pid", p.PID, "signal", sig.String(), "command", p.Command)
		if err := unix.Kill(target, sig); err != nil && !errors.Is(err, unix.ESRCH) {
			logger.Warn("signal failed", "pid", p.PID, "signal", sig.String(), "err", err)
		}
	}
}

// waitGone polls until every process in procs has exited, the grace period
// ends or ctx is done, and returns those still alive.
func waitGone(ctx context.Context, procs []process, grace time.Duration) []process {
	deadline := time.Now().Add(grace)
	for {
		procs = slices.DeleteFunc(procs, func(p process) bool { return !alive(p) })
		if len(procs) == 0 || time.Now().After(deadline) || ctx.Err() != nil {
			return procs
		}
		time.Sleep(pollEvery)
	}
}
