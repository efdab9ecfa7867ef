//go:build linux

package runtime

import (
	"context"
	"errors"
	"fmt"
	"time"

	"golang.org/x/sys/unix"
)

// StopContainer sends SIGTERM to the container's processes, waits up to
// grace for them to end, then sends SIGKILL to its process group. It
// returns once the exit is recorded. Stopping a stopped or unknown container
// (or one of a removed sandbox) succeeds.
func (l *Linux) StopContainer(ctx context.Context, podUID, name string, grace time.Duration) error {
	if err := checkUID(podUID); err != nil {
		return err
	}
	rec, ok, err := l.load(podUID)
	if err != nil || !ok {
		return err
	}
	c := rec.container(name)
	if c == nil || !c.Running {
		return nil
	}
	if alive(l.procRoot, c.Proc) {
		l.signalGroup(c.Proc, unix.SIGTERM, true)
		if !l.waitExit(ctx, c.Proc, grace) {
			l.log.Info("container ignored SIGTERM, killing it", "uid", podUID, "container", name, "grace", grace)
			if err := l.killContainer(ctx, c.Proc); err != nil {
				return fmt.Errorf("stop container %s of pod %s: %w", name, podUID, err)
			}
		}
	}
	// Wait for our watcher to record the status; with no watcher (the
	// process was adopted) record an unknown one.
	if done, ok := l.waiter(c.Proc); ok {
		select {
		case <-done:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	_, err = l.refresh(podUID)
	if IsNotFound(err) {
		return nil
	}
	return err
}

// signalGroup signals the container's process group. With spareWrapper the
// nsenter wrapper (the group leader) is skipped when other members exist,
// so it stays alive to report the container's real exit status.
func (l *Linux) signalGroup(wrapper procRef, sig unix.Signal, spareWrapper bool) {
	members := groupMembers(l.procRoot, wrapper.PID, wrapper.PID)
	wrapperAlive := alive(l.procRoot, wrapper)
	switch {
	case spareWrapper && len(members) > 0:
		for _, pid := range members {
			_ = unix.Kill(pid, sig)
		}
	case wrapperAlive || len(members) > 0:
		// While the leader or a member lives, the PGID cannot be reused.
		_ = unix.Kill(-wrapper.PID, sig)
	}
}

// killContainer sends SIGKILL to the container's process group and waits
// (bounded) for the wrapper to end.
func (l *Linux) killContainer(ctx context.Context, wrapper procRef) error {
	l.signalGroup(wrapper, unix.SIGKILL, false)
	if !l.waitExit(ctx, wrapper, killWaitTimeout) {
		if err := ctx.Err(); err != nil {
			return err
		}
		return errors.New("the container survived SIGKILL")
	}
	return nil
}

// waitExit waits up to d for the process to end (or its watcher to see it
// end) and reports whether it did.
func (l *Linux) waitExit(ctx context.Context, r procRef, d time.Duration) bool {
	if done, ok := l.waiter(r); ok {
		t := time.NewTimer(d)
		defer t.Stop()
		select {
		case <-done:
			return true
		case <-t.C:
			return false
		case <-ctx.Done():
			return false
		}
	}
	return l.waitGone(ctx, r, d)
}

// waitGone polls until the process is gone, up to d.
func (l *Linux) waitGone(ctx context.Context, r procRef, d time.Duration) bool {
	deadline := time.Now().Add(d)
	for alive(l.procRoot, r) {
		if time.Now().After(deadline) || ctx.Err() != nil {
			return false
		}
		time.Sleep(pollInterval)
	}
	return true
}
