package lab

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vishvananda/netlink"

	"github.com/svcnet/svcnet/pkg/netnsutil"
)

// requireLab skips the test unless it can build labs: Linux, root, and
// iproute2 (used to snapshot the host and to check namespaces).
func requireLab(t testing.TB) {
	t.Helper()
	if runtime.GOOS != "linux" {
		t.Skipf("lab needs Linux network namespaces, not %s", runtime.GOOS)
	}
	if os.Geteuid() != 0 {
		t.Skip("lab needs root to create network namespaces; run the tests as root to exercise it")
	}
	if _, err := exec.LookPath("ip"); err != nil {
		t.Skip("lab tests need iproute2 (`ip`): apt-get install -y iproute2")
	}
	if out, err := exec.Command("ip", "netns", "list").CombinedOutput(); err != nil {
		t.Skipf("`ip netns` is unavailable: %v: %s", err, out)
	}
}

// testConfig returns a config for a lab with a unique name, a run directory
// under the test's temp dir, and a logger writing to the test log.
func testConfig(t testing.TB, nodes int) *Config {
	t.Helper()
	b := make([]byte, 3)
	_, _ = rand.Read(b)
	name := "t" + hex.EncodeToString(b)
	return &Config{
		Name:   name,
		Nodes:  nodes,
		RunDir: filepath.Join(t.TempDir(), name),
		Logger: slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelDebug})),
	}
}

// upLab builds a lab and removes it when the test ends, even when it fails.
func upLab(t testing.TB, nodes int) *Lab {
	t.Helper()
	c := testConfig(t, nodes)
	cleanupLab(t, c)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	l, err := Up(ctx, c)
	if err != nil {
		t.Fatalf("Up: %v", err)
	}
	return l
}

// cleanupLab registers a Down of c's run directory, and a check that no
// namespace with c's prefix is left.
func cleanupLab(t testing.TB, c *Config) {
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if err := Down(ctx, c.RunDir, c.Logger); err != nil {
			t.Errorf("cleanup Down: %v", err)
		}
		if left := labNamespaces(t, c.Name); len(left) > 0 {
			t.Errorf("namespaces left after Down: %v", left)
		}
	})
}

// labNamespaces lists the pinned namespaces whose name starts with lab's
// prefix.
func labNamespaces(t testing.TB, lab string) []string {
	t.Helper()
	entries, err := os.ReadDir(netnsutil.RunDir)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		t.Fatal(err)
	}
	var out []string
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), lab+"-") {
			out = append(out, e.Name())
		}
	}
	return out
}

// hostSnapshot records the host namespace's network configuration: links,
// addresses, routes (all tables), nftables and the forwarding and
// reverse-path sysctls. It only reads.
func hostSnapshot(t testing.TB) map[string]string {
	t.Helper()
	cmds := map[string][]string{
		"links":   {"ip", "-o", "link", "show"},
		"addrs":   {"ip", "-o", "addr", "show"},
		"routes4": {"ip", "-4", "route", "show", "table", "all"},
		"routes6": {"ip", "-6", "route", "show", "table", "all"},
		"rules":   {"ip", "rule", "show"},
	}
	if _, err := exec.LookPath("nft"); err == nil {
		cmds["nftables"] = []string{"nft", "list", "ruleset"}
	} else {
		t.Log("nft not installed: the host nftables snapshot is skipped")
	}
	snap := make(map[string]string)
	for k, argv := range cmds {
		out, err := exec.Command(argv[0], argv[1:]...).CombinedOutput()
		if err != nil {
			t.Fatalf("%v: %v: %s", argv, err, out)
		}
		snap[k] = string(out)
	}
	for _, f := range []string{"ipv4/ip_forward", "ipv4/conf/all/rp_filter", "ipv4/conf/default/rp_filter", "ipv4/conf/all/route_localnet"} {
		b, err := os.ReadFile("/proc/sys/net/" + f)
		if err != nil {
			t.Fatal(err)
		}
		snap[f] = string(b)
	}
	return snap
}

func compareSnapshots(t testing.TB, before, after map[string]string) {
	t.Helper()
	for k, b := range before {
		if a := after[k]; a != b {
			t.Errorf("host %s changed:\nbefore:\n%s\nafter:\n%s", k, b, a)
		}
	}
}

// fallbackLinks appear in every new namespace when their tunnel modules are
// loaded; they are down and carry no routes.
var fallbackLinks = []string{"tunl0", "sit0", "gre0", "gretap0", "erspan0", "ip_vti0", "ip6_vti0", "ip6tnl0", "ip6gre0"}

// nsLinks lists the links of a namespace as "name" or "name master bridge",
// sorted, without fallback tunnels.
func nsLinks(t testing.TB, ns Namespace) []string {
	t.Helper()
	h, err := netnsutil.Handle(ns.Path)
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	links, err := h.LinkList()
	if err != nil {
		t.Fatalf("%s: list links: %v", ns.Name, err)
	}
	names := make(map[int]string)
	for _, l := range links {
		names[l.Attrs().Index] = l.Attrs().Name
	}
	var out []string
	for _, l := range links {
		a := l.Attrs()
		if slices.Contains(fallbackLinks, a.Name) {
			continue
		}
		s := a.Name
		if a.MasterIndex != 0 {
			s += " master " + names[a.MasterIndex]
		}
		if a.Flags&net.FlagUp == 0 {
			s += " DOWN"
		}
		out = append(out, s)
	}
	slices.Sort(out)
	return out
}

// nsRoutes lists the IPv4 main-table routes of a namespace as
// "dst [via gw] dev name", sorted.
func nsRoutes(t testing.TB, ns Namespace) []string {
	t.Helper()
	h, err := netnsutil.Handle(ns.Path)
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	routes, err := h.RouteList(nil, netlink.FAMILY_V4)
	if err != nil {
		t.Fatalf("%s: list routes: %v", ns.Name, err)
	}
	var out []string
	for _, r := range routes {
		dst := "default"
		if r.Dst != nil && !(r.Dst.IP.IsUnspecified() && isZeroMask(r.Dst.Mask)) {
			dst = r.Dst.String()
		}
		s := dst
		if r.Gw != nil {
			s += " via " + r.Gw.String()
		}
		l, err := h.LinkByIndex(r.LinkIndex)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, s+" dev "+l.Attrs().Name)
	}
	slices.Sort(out)
	return out
}

func isZeroMask(m []byte) bool {
	for _, b := range m {
		if b != 0 {
			return false
		}
	}
	return true
}
