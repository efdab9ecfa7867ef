//go:build linux

package runtime

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"net/netip"
	"os"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"

	"github.com/svcnet/svcnet/pkg/netnsutil"
)

// testPodCIDR is the node's pod range in these tests.
var testPodCIDR = netip.MustParsePrefix("10.244.7.0/24")

// testEnv is one fake node: a network namespace the test created, a state
// directory and a runtime working in them.
type testEnv struct {
	t        *testing.T
	nodeNS   string
	stateDir string
	rt       *Linux
	uids     []string
	log      *testLog
}

// requireLinuxRoot skips unless the test can create namespaces and run
// nsenter.
func requireLinuxRoot(t *testing.T) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("skipping: the Linux runtime needs root (namespaces, veths, mounts); run the tests as root")
	}
	if _, err := exec.LookPath("nsenter"); err != nil {
		t.Skip("skipping: nsenter (util-linux) is not installed")
	}
}

// newTestEnv builds a node namespace with the bridge in it. Cleanup removes
// every sandbox, then checks that nothing is left behind (pod namespaces,
// veths, pause processes, host links) and deletes the node namespace.
func newTestEnv(t *testing.T) *testEnv {
	t.Helper()
	requireLinuxRoot(t)
	logw := &testLog{t: t}
	t.Cleanup(logw.close)
	hostBefore := hostLinks(t)
	name := "svcrt-" + randHex(4)
	if err := netnsutil.CreateNamed(name); err != nil {
		t.Skipf("skipping: cannot create a network namespace here: %v", err)
	}
	e := &testEnv{t: t, nodeNS: netnsutil.NamedPath(name), stateDir: t.TempDir(), log: logw}
	t.Cleanup(func() {
		if err := netnsutil.DeleteNamed(name); err != nil {
			t.Errorf("delete node namespace: %v", err)
		}
		if after := hostLinks(t); !slices.Equal(hostBefore, after) {
			t.Errorf("host links changed:\nbefore %v\nafter  %v", hostBefore, after)
		}
	})
	e.rt = e.newRuntime()
	if err := e.rt.EnsureNodeNetwork(context.Background()); err != nil {
		t.Fatalf("EnsureNodeNetwork: %v", err)
	}
	t.Cleanup(e.cleanup)
	return e
}

// newRuntime returns a runtime on the env's node and state directory (a
// second one models a restarted agent).
func (e *testEnv) newRuntime() *Linux {
	e.t.Helper()
	exe, err := os.Executable()
	if err != nil {
		e.t.Fatal(err)
	}
	rt, err := NewLinux(Config{
		NodeNetNS:    e.nodeNS,
		PodCIDR:      testPodCIDR,
		StateDir:     e.stateDir,
		SvcnetBinary: exe,
		Logger:       slog.New(slog.NewTextHandler(e.log, &slog.HandlerOptions{Level: slog.LevelDebug})),
	})
	if err != nil {
		e.t.Fatalf("NewLinux: %v", err)
	}
	return rt
}

// cleanup removes every sandbox and checks for leftovers.
func (e *testEnv) cleanup() {
	t := e.t
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var pauses []procRef
	for _, uid := range e.uids {
		if rec, ok, _ := e.rt.load(uid); ok {
			pauses = append(pauses, rec.Pause)
		}
		if err := e.rt.RemovePodSandbox(ctx, uid); err != nil {
			t.Errorf("cleanup: RemovePodSandbox(%s): %v", uid, err)
		}
	}
	for _, p := range pauses {
		if alive("/proc", p) {
			t.Errorf("pause process %d survived", p.PID)
			_ = unix.Kill(p.PID, unix.SIGKILL)
		}
	}
	for _, uid := range e.uids {
		if _, err := os.Lstat(netnsutil.NamedPath(podNetNSName(uid))); err == nil {
			t.Errorf("pod namespace of %s left behind", uid)
			_ = netnsutil.DeleteNamed(podNetNSName(uid))
		}
	}
	if links := e.nodeLinks(); !slices.Equal(links, []string{"lo", DefaultBridgeName}) {
		t.Errorf("node namespace links after cleanup = %v, want only lo and the bridge", links)
	}
}

// sandbox runs a sandbox for a fresh UID and registers it for cleanup.
func (e *testEnv) sandbox(name string, mutate ...func(*SandboxConfig)) (string, PodNetwork) {
	e.t.Helper()
	uid := e.newUID()
	c := SandboxConfig{
		UID: uid, Namespace: "default", Name: name, Hostname: name,
		ResolvConf: "nameserver 10.96.0.10\nsearch default.svc.cluster.local svc.cluster.local cluster.local\noptions ndots:5\n",
		Hosts:      "127.0.0.1\tlocalhost\n",
	}
	for _, m := range mutate {
		m(&c)
	}
	n, err := e.rt.RunPodSandbox(context.Background(), c)
	if err != nil {
		e.t.Fatalf("RunPodSandbox(%s): %v", name, err)
	}
	return uid, n
}

func (e *testEnv) newUID() string {
	uid := "test-" + randHex(8)
	e.uids = append(e.uids, uid)
	return uid
}

// exec runs argv in a pod and returns its exit code and output.
func (e *testEnv) exec(uid, container string, argv ...string) (int, string) {
	e.t.Helper()
	var out bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	code, err := e.rt.Exec(ctx, uid, container, argv, ExecOptions{Stdout: &out, Stderr: &out})
	if err != nil {
		e.t.Fatalf("Exec(%v): %v", argv, err)
	}
	return code, out.String()
}

// nodeLinks lists the link names in the node namespace, sorted.
func (e *testEnv) nodeLinks() []string {
	e.t.Helper()
	h, err := netnsutil.Handle(e.nodeNS)
	if err != nil {
		e.t.Fatalf("node netlink handle: %v", err)
	}
	defer h.Close()
	return linkNames(e.t, h)
}

// hostLinks lists the links of the test process's own namespace, sorted.
func hostLinks(t *testing.T) []string {
	t.Helper()
	h, err := netlink.NewHandle()
	if err != nil {
		t.Fatalf("netlink handle: %v", err)
	}
	defer h.Close()
	return linkNames(t, h)
}

func linkNames(t *testing.T, h *netlink.Handle) []string {
	t.Helper()
	links, err := h.LinkList()
	if err != nil {
		t.Fatalf("list links: %v", err)
	}
	var names []string
	for _, l := range links {
		names = append(names, l.Attrs().Name)
	}
	slices.Sort(names)
	return names
}

// waitFor polls cond every 50ms until it holds or d passes.
func waitFor(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", d, what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func randHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// testLog sends log lines to t.Log until the test ends (watcher
// goroutines may log later, when t.Log would panic).
type testLog struct {
	mu   sync.Mutex
	t    *testing.T
	done bool
}

func (w *testLog) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if !w.done {
		w.t.Log(strings.TrimRight(string(p), "\n"))
	}
	return len(p), nil
}

func (w *testLog) close() {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.done = true
}

func netip4(s string) netip.Addr { return netip.MustParseAddr(s) }
