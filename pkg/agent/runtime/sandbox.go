//go:build linux

package runtime

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"time"

	"golang.org/x/sys/unix"

	"github.com/svcnet/svcnet/pkg/netnsutil"
)

// RunPodSandbox creates the pod's sandbox, or returns it if it already runs.
// A sandbox whose pause process is gone (or whose namespace pin vanished,
// as after a reboot) is repaired: same IP, new namespaces, and every
// container of it is recorded as exited. On failure everything this pod
// held is released, so the caller can simply retry.
func (l *Linux) RunPodSandbox(ctx context.Context, c SandboxConfig) (PodNetwork, error) {
	if err := checkUID(c.UID); err != nil {
		return PodNetwork{}, err
	}
	ports, err := parseHostPorts(c.HostPorts)
	if err != nil {
		return PodNetwork{}, err
	}
	defer l.lockPod(c.UID)()
	rec, ok, err := l.load(c.UID)
	if err != nil {
		return PodNetwork{}, err
	}
	if ok && alive(l.procRoot, rec.Pause) && netnsutil.IsNamespace(netnsutil.NamedPath(podNetNSName(c.UID))) {
		// Adopted or already running: hold its hostPorts again if we can.
		if err := l.reserveHostPorts(c.UID, rec.HostPorts); err != nil {
			l.log.Debug("hostPorts of adopted sandbox are held elsewhere", "pod", c.UID, "err", err)
		}
		return PodNetwork{IP: rec.IP, NetNSPath: rec.NetNSPath}, nil
	}
	if err := ctx.Err(); err != nil {
		return PodNetwork{}, err
	}
	rec, err = l.createSandbox(c, ports, rec)
	if err != nil {
		cleanup := l.removeLocked(ctx, c.UID)
		return PodNetwork{}, errors.Join(fmt.Errorf("run sandbox of pod %s/%s: %w", c.Namespace, c.Name, err), cleanup)
	}
	l.log.Info("sandbox running", "pod", c.Namespace+"/"+c.Name, "uid", c.UID, "ip", rec.IP, "pausePID", rec.Pause.PID)
	return PodNetwork{IP: rec.IP, NetNSPath: rec.NetNSPath}, nil
}

// createSandbox builds (or rebuilds) every piece of a sandbox. old is the
// previous record, if any.
func (l *Linux) createSandbox(c SandboxConfig, ports []HostPort, old *sandboxRecord) (*sandboxRecord, error) {
	if old != nil {
		// Repair: nothing of the old sandbox may survive in the new one.
		for _, oc := range old.Containers {
			if oc.Running {
				_ = l.killContainer(context.Background(), oc.Proc)
			}
		}
		if err := l.killPause(context.Background(), old.Pause); err != nil {
			return nil, err
		}
		if len(old.HostPorts) > 0 {
			ports = old.HostPorts
		}
	}
	if err := l.reserveHostPorts(c.UID, ports); err != nil {
		return nil, err
	}
	ip, err := l.ipam.Allocate(c.UID)
	if err != nil {
		return nil, err
	}
	rec := &sandboxRecord{
		UID: c.UID, Namespace: c.Namespace, Name: c.Name, Hostname: c.Hostname,
		IP: ip, HostVeth: hostVethName(c.UID), HostPorts: ports, CreatedAt: time.Now().UTC(),
	}
	if rec.Hostname == "" {
		rec.Hostname = c.Name
	}
	if old != nil {
		rec.CreatedAt = old.CreatedAt
		rec.Containers = old.Containers
		markAllExited(rec, time.Now().UTC())
	}
	// Saved first, so a crash from here on leaves a record that
	// RemovePodSandbox and the next RunPodSandbox can finish.
	if err := l.save(rec); err != nil {
		return nil, err
	}
	nsPath, err := ensurePodNetNS(c.UID)
	if err != nil {
		return nil, err
	}
	rec.NetNSPath = nsPath
	if err := l.setupPodNetwork(nsPath, rec.HostVeth, ip); err != nil {
		return nil, err
	}
	files, err := l.writePodFiles(c, rec.Hostname, ip)
	if err != nil {
		return nil, err
	}
	pause, err := l.startPause(nsPath, rec.Hostname, files)
	if err != nil {
		return nil, err
	}
	rec.Pause = pause
	if err := l.save(rec); err != nil {
		return nil, err
	}
	return rec, nil
}

// markAllExited records every running container of a sandbox whose pause
// process ended as exited (the kernel killed them with the PID namespace).
func markAllExited(rec *sandboxRecord, now time.Time) {
	for i := range rec.Containers {
		if rec.Containers[i].Running {
			rec.Containers[i].Running = false
			rec.Containers[i].ExitCode = UnknownExitCode
			rec.Containers[i].FinishedAt = now
		}
	}
}

func (l *Linux) save(rec *sandboxRecord) error {
	l.stateMu.Lock()
	defer l.stateMu.Unlock()
	return l.store.Save(rec)
}

// podFiles are the files the pause process bind-mounts.
type podFiles struct{ resolv, hosts, hostname, log string }

// writePodFiles writes resolv.conf, hosts and hostname into the pod's
// directory.
func (l *Linux) writePodFiles(c SandboxConfig, hostname string, ip netip.Addr) (podFiles, error) {
	dir := l.store.podDir(c.UID)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return podFiles{}, fmt.Errorf("create pod directory: %w", err)
	}
	f := podFiles{
		resolv:   filepath.Join(dir, "resolv.conf"),
		hosts:    filepath.Join(dir, "hosts"),
		hostname: filepath.Join(dir, "hostname"),
		log:      filepath.Join(dir, "pause.log"),
	}
	hosts := c.Hosts
	if hosts == "" {
		hosts = "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n"
	}
	hosts = withPodEntry(hosts, ip, hostname)
	if c.ResolvConf == "" {
		f.resolv = "" // the pod sees the node's resolv.conf
	}
	for _, w := range []struct{ path, data string }{
		{f.resolv, c.ResolvConf},
		{f.hosts, hosts},
		{f.hostname, hostname + "\n"},
	} {
		if w.path == "" {
			continue
		}
		if err := os.WriteFile(w.path, []byte(w.data), 0o644); err != nil {
			return podFiles{}, fmt.Errorf("write %s: %w", w.path, err)
		}
	}
	return f, nil
}

// RemovePodSandbox kills the pod's containers and pause process, deletes
// its veth and network namespace, releases its IP and hostPorts and removes
// its state and logs. Removing a missing sandbox succeeds.
func (l *Linux) RemovePodSandbox(ctx context.Context, podUID string) error {
	if err := checkUID(podUID); err != nil {
		return err
	}
	defer l.lockPod(podUID)()
	if err := l.removeLocked(ctx, podUID); err != nil {
		return fmt.Errorf("remove sandbox %s: %w", podUID, err)
	}
	l.log.Info("sandbox removed", "uid", podUID)
	return nil
}

// removeLocked is RemovePodSandbox with the pod lock held. Every name it
// deletes is derived from the UID, never read from the state file.
func (l *Linux) removeLocked(ctx context.Context, uid string) error {
	rec, ok, err := l.load(uid)
	if err != nil {
		return err
	}
	var errs []error
	if ok {
		for _, c := range rec.Containers {
			if c.Running {
				errs = append(errs, l.killContainer(ctx, c.Proc))
			}
		}
		errs = append(errs, l.killPause(ctx, rec.Pause))
	}
	l.releaseHostPorts(uid)
	errs = append(errs,
		l.teardownPodNetwork(uid),
		l.ipam.Release(uid),
		os.RemoveAll(l.logDir(uid)),
	)
	if err := errors.Join(errs...); err != nil {
		return err // keep the state file so a retry finds the pause PID
	}
	l.stateMu.Lock()
	defer l.stateMu.Unlock()
	return l.store.Delete(uid)
}

// RemoveAll removes every sandbox recorded in StateDir, as
// RemovePodSandbox does for one. It is for tearing a node down (lab down,
// tests); the node bridge stays.
func (l *Linux) RemoveAll(ctx context.Context) error {
	l.stateMu.Lock()
	uids, err := l.store.UIDs()
	l.stateMu.Unlock()
	if err != nil {
		return err
	}
	var errs []error
	for _, uid := range uids {
		errs = append(errs, l.RemovePodSandbox(ctx, uid))
	}
	return errors.Join(errs...)
}

// killPause kills the pause process, which makes the kernel kill every
// process left in the pod's PID namespace, and waits for it to go.
func (l *Linux) killPause(ctx context.Context, p procRef) error {
	if !alive(l.procRoot, p) {
		return nil
	}
	if err := unix.Kill(p.PID, unix.SIGKILL); err != nil && !errors.Is(err, unix.ESRCH) {
		return fmt.Errorf("kill pause process %d: %w", p.PID, err)
	}
	if !l.waitExit(ctx, p, killWaitTimeout) {
		return fmt.Errorf("pause process %d did not exit", p.PID)
	}
	return nil
}

// ListSandboxes returns every sandbox with a state file, including those a
// previous runtime left. A container whose process ended while nobody
// watched is recorded as exited with UnknownExitCode.
func (l *Linux) ListSandboxes(ctx context.Context) ([]SandboxState, error) {
	l.stateMu.Lock()
	uids, err := l.store.UIDs()
	l.stateMu.Unlock()
	if err != nil {
		return nil, err
	}
	out := make([]SandboxState, 0, len(uids))
	for _, uid := range uids {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		st, err := l.refreshState(uid)
		if IsNotFound(err) {
			continue // removed meanwhile
		}
		if err != nil {
			return nil, err
		}
		out = append(out, st)
	}
	return out, nil
}

// refreshState is refresh returning the sandbox's state, computed under the
// same lock: a watcher records an exit under that lock before it stops
// counting as watching, so the state never shows a container as exited
// without its exit code.
func (l *Linux) refreshState(uid string) (SandboxState, error) {
	l.stateMu.Lock()
	defer l.stateMu.Unlock()
	rec, err := l.refreshLocked(uid)
	if err != nil {
		return SandboxState{}, err
	}
	return l.sandboxState(rec), nil
}

// refresh reloads uid's record and records the exits of containers that
// ended unwatched. The file is written only when something changed.
func (l *Linux) refresh(uid string) (*sandboxRecord, error) {
	l.stateMu.Lock()
	defer l.stateMu.Unlock()
	return l.refreshLocked(uid)
}

func (l *Linux) refreshLocked(uid string) (*sandboxRecord, error) {
	rec, ok, err := l.store.Load(uid)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, fmt.Errorf("sandbox %s: %w", uid, errNotFound)
	}
	changed := false
	now := time.Now().UTC()
	for i := range rec.Containers {
		c := &rec.Containers[i]
		if c.Running && !alive(l.procRoot, c.Proc) && !l.watching(c.Proc) {
			c.Running, c.ExitCode, c.FinishedAt = false, UnknownExitCode, now
			changed = true
		}
	}
	if changed {
		if err := l.store.Save(rec); err != nil {
			return nil, err
		}
	}
	return rec, nil
}

func (l *Linux) sandboxState(rec *sandboxRecord) SandboxState {
	s := SandboxState{
		UID: rec.UID, Namespace: rec.Namespace, Name: rec.Name,
		Network: PodNetwork{IP: rec.IP, NetNSPath: rec.NetNSPath},
		Ready:   alive(l.procRoot, rec.Pause),
	}
	for _, c := range rec.Containers {
		s.Containers = append(s.Containers, l.containerState(c))
	}
	return s
}

// containerState converts a record. A process that has ended but whose
// watcher has not yet recorded its status still shows as running, so a
// caller never sees "exited" without the exit code.
func (l *Linux) containerState(c containerRecord) ContainerState {
	running := c.Running && (alive(l.procRoot, c.Proc) || l.watching(c.Proc))
	return ContainerState{
		Name: c.Name, PID: c.Proc.PID, Running: running, StartedAt: c.StartedAt,
		ExitCode: c.ExitCode, FinishedAt: c.FinishedAt, Restarts: c.Restarts,
	}
}

// withPodEntry appends the kubelet's "<podIP>\t<hostname>" line to hosts
// when the caller could not (the IP is only known once allocated here).
func withPodEntry(hosts string, ip netip.Addr, hostname string) string {
	if !ip.IsValid() || hostname == "" {
		return hosts
	}
	for _, line := range strings.Split(hosts, "\n") {
		if f := strings.Fields(line); len(f) > 0 && f[0] == ip.String() {
			return hosts
		}
	}
	if hosts != "" && !strings.HasSuffix(hosts, "\n") {
		hosts += "\n"
	}
	return hosts + ip.String() + "\t" + hostname + "\n"
}
