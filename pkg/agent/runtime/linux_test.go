//go:build linux

package runtime

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vishvananda/netlink"

	"github.com/svcnet/svcnet/pkg/netnsutil"
)

func exe(t *testing.T) string {
	t.Helper()
	p, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// TestLinuxTwoPodsTalk: two pods get distinct IPs, one serves TCP as a
// container, the other reaches it over the node bridge; each pod sees its
// own hostname, resolv.conf and hosts.
func TestLinuxTwoPodsTalk(t *testing.T) {
	e := newTestEnv(t)
	ctx := context.Background()

	// The bridge exists in the node namespace only.
	if _, err := netlink.LinkByName(DefaultBridgeName); err == nil {
		t.Fatalf("%s exists in the host namespace", DefaultBridgeName)
	}
	uidA, netA := e.sandbox("pod-a")
	uidB, netB := e.sandbox("pod-b")
	if netA.IP == netB.IP || !testPodCIDR.Contains(netA.IP) || !testPodCIDR.Contains(netB.IP) {
		t.Fatalf("pod IPs %s and %s must be distinct addresses of %s", netA.IP, netB.IP, testPodCIDR)
	}
	if want := netip4("10.244.7.2"); netA.IP != want {
		t.Errorf("first pod IP = %s, want %s (lowest free)", netA.IP, want)
	}
	if again, err := e.rt.RunPodSandbox(ctx, SandboxConfig{UID: uidA, Namespace: "default", Name: "pod-a"}); err != nil || again != netA {
		t.Errorf("RunPodSandbox again = %+v, %v; want %+v", again, err, netA)
	}
	if !netnsutil.IsNamespace(netA.NetNSPath) {
		t.Errorf("NetNSPath %s is not a namespace", netA.NetNSPath)
	}

	st, err := e.rt.StartContainer(ctx, uidA, ContainerConfig{Name: "server", Argv: []string{exe(t), "helper-listen", "0.0.0.0:8080"}})
	if err != nil {
		t.Fatalf("StartContainer: %v", err)
	}
	if !st.Running || st.PID == 0 {
		t.Fatalf("container state = %+v, want running with a PID", st)
	}
	logPath := e.rt.LogPath(uidA, "server")
	waitFor(t, 10*time.Second, "the server to listen", func() bool {
		b, _ := os.ReadFile(logPath)
		return strings.Contains(string(b), "listening")
	})

	code, out := e.exec(uidB, "", exe(t), "helper-dial", netA.IP.String()+":8080")
	if code != 0 || strings.TrimSpace(out) != "hello from pod-a" {
		t.Fatalf("dial from pod-b: exit %d, output %q; want 0 and %q", code, out, "hello from pod-a")
	}

	if code, out := e.exec(uidB, "", "hostname"); code != 0 || strings.TrimSpace(out) != "pod-b" {
		t.Errorf("hostname in pod-b: exit %d, %q", code, out)
	}
	if _, out := e.exec(uidA, "", "cat", "/etc/resolv.conf"); !strings.Contains(out, "nameserver 10.96.0.10") || !strings.Contains(out, "ndots:5") {
		t.Errorf("/etc/resolv.conf in pod-a = %q", out)
	}
	if _, out := e.exec(uidA, "", "cat", "/etc/hostname"); strings.TrimSpace(out) != "pod-a" {
		t.Errorf("/etc/hostname in pod-a = %q", out)
	}
	// The pod has its own PID namespace: the pause process is PID 1.
	if _, out := e.exec(uidA, "", "cat", "/proc/1/cmdline"); !strings.Contains(out, "pause") {
		t.Errorf("PID 1 in pod-a is %q, want the pause process", out)
	}
	// The node's own files are untouched.
	if b, _ := os.ReadFile("/etc/hostname"); strings.TrimSpace(string(b)) == "pod-a" {
		t.Errorf("the node's /etc/hostname was changed")
	}
	if code, _ := e.exec(uidA, "", "sh", "-c", "exit 7"); code != 7 {
		t.Errorf("exec exit code = %d, want 7", code)
	}

	// Host veths are bridge ports in the node namespace.
	links := e.nodeLinks()
	for _, uid := range []string{uidA, uidB} {
		if !contains(links, hostVethName(uid)) {
			t.Errorf("node links %v lack %s", links, hostVethName(uid))
		}
	}
}

// TestLinuxContainerLifecycle: env and working directory, a fast exit, a
// graceful SIGTERM, SIGKILL after grace, idempotent stop, restarts.
func TestLinuxContainerLifecycle(t *testing.T) {
	e := newTestEnv(t)
	ctx := context.Background()
	uid, _ := e.sandbox("life")

	// Env and working directory; a container that exits at once.
	if _, err := e.rt.StartContainer(ctx, uid, ContainerConfig{
		Name: "env", Argv: []string{exe(t), "helper-env"}, Env: []string{"FOO=bar"}, WorkingDir: "/tmp",
	}); err != nil {
		t.Fatalf("StartContainer(env): %v", err)
	}
	c := waitContainer(t, e.rt, uid, "env", func(c ContainerState) bool { return !c.Running })
	if c.ExitCode != 0 || c.FinishedAt.IsZero() {
		t.Errorf("env container = %+v, want exit 0 with a finish time", c)
	}
	if b, _ := os.ReadFile(e.rt.LogPath(uid, "env")); strings.TrimSpace(string(b)) != "cwd=/tmp FOO=bar HOSTNAME=life" {
		t.Errorf("env container log = %q", b)
	}
	if _, err := e.rt.StartContainer(ctx, uid, ContainerConfig{Name: "exit3", Argv: []string{exe(t), "helper-exit", "3"}}); err != nil {
		t.Fatal(err)
	}
	if c := waitContainer(t, e.rt, uid, "exit3", func(c ContainerState) bool { return !c.Running }); c.ExitCode != 3 {
		b, _ := os.ReadFile(e.rt.LogPath(uid, "exit3"))
		t.Errorf("exit3 = %+v, want exit code 3; log %q", c, b)
	}

	// Graceful stop: the server catches SIGTERM and exits 42.
	logPath := t.TempDir() + "/sub/server.log"
	if _, err := e.rt.StartContainer(ctx, uid, ContainerConfig{Name: "server", Argv: []string{exe(t), "helper-listen", "0.0.0.0:80"}, LogPath: logPath}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 10*time.Second, "the server to listen", func() bool { b, _ := os.ReadFile(logPath); return strings.Contains(string(b), "listening") })
	// Starting a running container again returns it.
	again, err := e.rt.StartContainer(ctx, uid, ContainerConfig{Name: "server", Argv: []string{"false"}})
	if err != nil || !again.Running || again.Restarts != 0 {
		t.Fatalf("StartContainer on a running container = %+v, %v", again, err)
	}
	if err := e.rt.StopContainer(ctx, uid, "server", 10*time.Second); err != nil {
		t.Fatalf("StopContainer: %v", err)
	}
	c = findContainer(t, e.rt, uid, "server")
	if c.Running || c.ExitCode != 42 {
		t.Errorf("after StopContainer: %+v, want stopped with exit code 42", c)
	}
	if b, _ := os.ReadFile(logPath); !strings.Contains(string(b), "got SIGTERM") {
		t.Errorf("server log = %q, want it to have seen SIGTERM", b)
	}
	if err := e.rt.StopContainer(ctx, uid, "server", time.Second); err != nil {
		t.Errorf("second StopContainer: %v", err)
	}
	if err := e.rt.StopContainer(ctx, uid, "nonexistent", time.Second); err != nil {
		t.Errorf("StopContainer of an unknown container: %v", err)
	}

	// A container that ignores SIGTERM is killed after the grace period.
	if _, err := e.rt.StartContainer(ctx, uid, ContainerConfig{Name: "stubborn", Argv: []string{exe(t), "helper-ignore-term"}}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 10*time.Second, "the stubborn container to start", func() bool {
		b, _ := os.ReadFile(e.rt.LogPath(uid, "stubborn"))
		return strings.Contains(string(b), "ignoring")
	})
	start := time.Now()
	if err := e.rt.StopContainer(ctx, uid, "stubborn", 300*time.Millisecond); err != nil {
		t.Fatalf("StopContainer(stubborn): %v", err)
	}
	if d := time.Since(start); d < 300*time.Millisecond || d > 8*time.Second {
		t.Errorf("stopping took %v, want the grace period then a kill", d)
	}
	if c := findContainer(t, e.rt, uid, "stubborn"); c.Running || c.ExitCode != 137 {
		t.Errorf("stubborn = %+v, want exit 137 (SIGKILL)", c)
	}

	// Starting an exited container again counts a restart.
	st, err := e.rt.StartContainer(ctx, uid, ContainerConfig{Name: "exit3", Argv: []string{exe(t), "helper-exit", "4"}})
	if err != nil || st.Restarts != 1 {
		t.Fatalf("restart = %+v, %v; want Restarts 1", st, err)
	}
	if c := waitContainer(t, e.rt, uid, "exit3", func(c ContainerState) bool { return !c.Running }); c.ExitCode != 4 || c.Restarts != 1 {
		t.Errorf("restarted exit3 = %+v", c)
	}
}

// TestLinuxRemoveReleases: removal deletes the namespace, the veth and the
// state, releases the IP for the next pod, and is idempotent.
func TestLinuxRemoveReleases(t *testing.T) {
	e := newTestEnv(t)
	ctx := context.Background()
	otherUID, _ := e.sandbox("other") // started before, still running after
	uid, n := e.sandbox("first")
	if _, err := e.rt.StartContainer(ctx, uid, ContainerConfig{Name: "sleep", Argv: []string{"sleep", "600"}}); err != nil {
		t.Fatal(err)
	}
	rec, _, _ := e.rt.load(uid)
	other, _, _ := e.rt.load(otherUID)
	if err := e.rt.RemovePodSandbox(ctx, uid); err != nil {
		t.Fatalf("RemovePodSandbox: %v", err)
	}
	if alive("/proc", rec.Pause) || alive("/proc", rec.Containers[0].Proc) {
		t.Errorf("processes survived the removal")
	}
	if _, err := os.Lstat(n.NetNSPath); err == nil {
		t.Errorf("namespace %s still exists", n.NetNSPath)
	}
	if contains(e.nodeLinks(), hostVethName(uid)) {
		t.Errorf("veth %s still exists", hostVethName(uid))
	}
	if _, err := os.Stat(e.rt.store.path(uid)); err == nil {
		t.Errorf("state file still exists")
	}
	if err := e.rt.RemovePodSandbox(ctx, uid); err != nil {
		t.Errorf("second RemovePodSandbox: %v", err)
	}
	// The other pod's mount namespace holds no pin of the removed pod's
	// namespace (which would keep it alive) nor of the node's.
	info, err := os.ReadFile(fmt.Sprintf("/proc/%d/mountinfo", other.Pause.PID))
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{podNetNSName(uid), filepath.Base(e.nodeNS)} {
		if strings.Contains(string(info), name) {
			t.Errorf("another pod's mount namespace still pins %s", name)
		}
	}
	list, err := e.rt.ListSandboxes(ctx)
	if err != nil || len(list) != 1 || list[0].UID != otherUID {
		t.Errorf("ListSandboxes = %v, %v; want only the other pod", list, err)
	}
	// The released address is free again: the IPAM holds no lease for it.
	if leases, err := e.rt.ipam.Leases(); err != nil || leases[n.IP] != "" {
		t.Errorf("lease of the removed pod's %s still held: %v %v", n.IP, leases, err)
	}
	_, n2 := e.sandbox("second")
	if n2.IP == n.IP {
		t.Errorf("next pod got the just-released %s; want round-robin to the next address", n2.IP)
	}
}

// TestLinuxAdopt: a second runtime on the same StateDir (a restarted agent)
// sees the running sandbox and its container, and can stop and remove it.
func TestLinuxAdopt(t *testing.T) {
	e := newTestEnv(t)
	ctx := context.Background()
	uid, n := e.sandbox("adopted")
	if _, err := e.rt.StartContainer(ctx, uid, ContainerConfig{Name: "sleep", Argv: []string{"sleep", "600"}}); err != nil {
		t.Fatal(err)
	}
	rt2 := e.newRuntime()
	list, err := rt2.ListSandboxes(ctx)
	if err != nil {
		t.Fatalf("ListSandboxes: %v", err)
	}
	if len(list) != 1 || list[0].UID != uid || !list[0].Ready || list[0].Network.IP != n.IP ||
		len(list[0].Containers) != 1 || !list[0].Containers[0].Running {
		t.Fatalf("adopted ListSandboxes = %+v", list)
	}
	n2, err := rt2.RunPodSandbox(ctx, SandboxConfig{UID: uid, Namespace: "default", Name: "adopted"})
	if err != nil || n2 != n {
		t.Fatalf("RunPodSandbox on the adopted sandbox = %+v, %v; want %+v", n2, err, n)
	}
	if err := rt2.StopContainer(ctx, uid, "sleep", 5*time.Second); err != nil {
		t.Fatalf("StopContainer via the new runtime: %v", err)
	}
	if c := findContainer(t, rt2, uid, "sleep"); c.Running {
		t.Errorf("container still running after stop: %+v", c)
	}
	// A restarted agent can also tear the whole node down.
	if err := rt2.RemoveAll(ctx); err != nil {
		t.Fatalf("RemoveAll: %v", err)
	}
	if list, _ := e.rt.ListSandboxes(ctx); len(list) != 0 {
		t.Errorf("sandboxes after RemoveAll: %+v", list)
	}
	e.rt = rt2
}

// TestLinuxRepair: a sandbox whose pause process died is not ready, its
// containers are exited, and RunPodSandbox rebuilds it with the same IP.
func TestLinuxRepair(t *testing.T) {
	e := newTestEnv(t)
	ctx := context.Background()
	uid, n := e.sandbox("fragile")
	if _, err := e.rt.StartContainer(ctx, uid, ContainerConfig{Name: "sleep", Argv: []string{exe(t), "helper-listen", "0.0.0.0:80"}}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 10*time.Second, "the container to run", func() bool {
		b, _ := os.ReadFile(e.rt.LogPath(uid, "sleep"))
		return strings.Contains(string(b), "listening")
	})
	rec, _, _ := e.rt.load(uid)
	if err := e.rt.killPause(ctx, rec.Pause); err != nil {
		t.Fatal(err)
	}
	c := waitContainer(t, e.rt, uid, "sleep", func(c ContainerState) bool { return !c.Running })
	if c.ExitCode != 137 {
		t.Errorf("container killed with its PID namespace: exit %d, want 137", c.ExitCode)
	}
	list, _ := e.rt.ListSandboxes(ctx)
	if len(list) != 1 || list[0].Ready {
		t.Fatalf("ListSandboxes after the pause died = %+v, want one not ready", list)
	}
	if _, err := e.rt.StartContainer(ctx, uid, ContainerConfig{Name: "x", Argv: []string{"true"}}); !IsSandboxNotRunning(err) {
		t.Errorf("StartContainer in a dead sandbox: %v, want IsSandboxNotRunning", err)
	}
	n2, err := e.rt.RunPodSandbox(ctx, SandboxConfig{UID: uid, Namespace: "default", Name: "fragile", Hostname: "fragile"})
	if err != nil || n2.IP != n.IP {
		t.Fatalf("repair = %+v, %v; want IP %s", n2, err, n.IP)
	}
	if code, out := e.exec(uid, "", "hostname"); code != 0 || strings.TrimSpace(out) != "fragile" {
		t.Errorf("hostname after repair: %d %q", code, out)
	}
}

// TestLinuxHostPorts: a hostPort held by another pod or by another process
// of the node is refused with a clear error, and the refused pod leaves
// nothing behind.
func TestLinuxHostPorts(t *testing.T) {
	e := newTestEnv(t)
	ctx := context.Background()
	uidA, _ := e.sandbox("web", func(c *SandboxConfig) { c.HostPorts = []string{"TCP/8080"} })

	uidB := e.newUID()
	_, err := e.rt.RunPodSandbox(ctx, SandboxConfig{UID: uidB, Namespace: "default", Name: "web2", HostPorts: []string{"TCP/8080"}})
	if err == nil || !strings.Contains(err.Error(), "hostPort 8080/TCP is already in use on this node") {
		t.Fatalf("second pod on hostPort 8080: %v", err)
	}
	if _, ok, _ := e.rt.load(uidB); ok {
		t.Errorf("refused pod left a state file")
	}
	if _, ok, _ := e.rt.ipam.Lookup(uidB); ok {
		t.Errorf("refused pod kept an IP")
	}
	// UDP 8080 is another port.
	e.sandbox("dns", func(c *SandboxConfig) { c.HostPorts = []string{"UDP/8080"} })

	// A port some other process holds in the node's namespace.
	ln, err := netnsutil.Listen(e.nodeNS, "tcp", "0.0.0.0:9090")
	if err != nil {
		t.Fatal(err)
	}
	uidC := e.newUID()
	_, err = e.rt.RunPodSandbox(ctx, SandboxConfig{UID: uidC, Namespace: "default", Name: "c", HostPorts: []string{"9090/TCP"}})
	ln.Close()
	if err == nil || !strings.Contains(err.Error(), "hostPort 9090/TCP is already in use on this node") {
		t.Fatalf("pod on a port held by another process: %v", err)
	}

	// Once the first pod is gone, its port is free again.
	if err := e.rt.RemovePodSandbox(ctx, uidA); err != nil {
		t.Fatal(err)
	}
	if _, err := e.rt.RunPodSandbox(ctx, SandboxConfig{UID: uidB, Namespace: "default", Name: "web2", HostPorts: []string{"TCP/8080"}}); err != nil {
		t.Fatalf("hostPort after its pod was removed: %v", err)
	}
}

// TestLinuxExecTTY: an exec with a terminal runs and its output arrives.
func TestLinuxExecTTY(t *testing.T) {
	e := newTestEnv(t)
	uid, _ := e.sandbox("tty")
	var out strings.Builder
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	code, err := e.rt.Exec(ctx, uid, "", []string{"sh", "-c", "test -t 0 && hostname"}, ExecOptions{Stdin: strings.NewReader(""), Stdout: &out, TTY: true})
	if err != nil || code != 0 || !strings.Contains(out.String(), "tty") {
		t.Fatalf("TTY exec = %d, %v, output %q", code, err, out.String())
	}
	// A cancelled exec is killed.
	ctx2, cancel2 := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel2()
	start := time.Now()
	_, err = e.rt.Exec(ctx2, uid, "", []string{"sleep", "600"}, ExecOptions{})
	if !errors.Is(err, context.DeadlineExceeded) || time.Since(start) > 5*time.Second {
		t.Errorf("cancelled exec: %v after %v", err, time.Since(start))
	}
}

func findContainer(t *testing.T, rt Runtime, uid, name string) ContainerState {
	t.Helper()
	list, err := rt.ListSandboxes(context.Background())
	if err != nil {
		t.Fatalf("ListSandboxes: %v", err)
	}
	for _, s := range list {
		for _, c := range s.Containers {
			if s.UID == uid && c.Name == name {
				return c
			}
		}
	}
	t.Fatalf("container %s of %s not listed", name, uid)
	return ContainerState{}
}

func waitContainer(t *testing.T, rt Runtime, uid, name string, cond func(ContainerState) bool) ContainerState {
	t.Helper()
	var c ContainerState
	waitFor(t, 10*time.Second, "container "+name, func() bool {
		c = findContainer(t, rt, uid, name)
		return cond(c)
	})
	return c
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
