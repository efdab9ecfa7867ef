package lab

import (
	"bytes"
	"context"
	"errors"
	"io"
	"io/fs"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/svcnet/svcnet/pkg/netnsutil"
)

// TestLab builds a 2-node lab, checks its topology and reachability, removes
// it and checks that the host's network configuration is as before.
func TestLab(t *testing.T) {
	requireLab(t)
	before := hostSnapshot(t)
	l := upLab(t, 2)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	node1, node2 := l.Nodes()[0], l.Nodes()[1]
	outside, router := l.OutsideNS(), l.RouterNS()

	t.Run("namespaces", func(t *testing.T) {
		want := []string{l.Name() + "-node1", l.Name() + "-node2", l.Name() + "-outside", l.Name() + "-router"}
		if got := labNamespaces(t, l.Name()); !slices.Equal(got, want) {
			t.Fatalf("namespaces %v, want %v", got, want)
		}
		for _, ns := range l.Namespaces() {
			if !netnsutil.IsNamespace(ns.Path) {
				t.Errorf("%s is not a pinned namespace", ns.Path)
			}
		}
		loaded, err := Load(l.RunDir(), nil)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(loaded.Namespaces(), l.Namespaces()) {
			t.Fatalf("Load gives %+v, want %+v", loaded.Namespaces(), l.Namespaces())
		}
		if got := l.APIServerAddr().String(); got != "192.0.2.11:6443" {
			t.Errorf("APIServerAddr = %s", got)
		}
	})

	t.Run("links and routes", func(t *testing.T) {
		for _, tc := range []struct {
			ns     Namespace
			links  []string
			routes []string
		}{
			{router,
				[]string{"lo", "svcnet-br", "veth-n1 master svcnet-br", "veth-n2 master svcnet-br", "veth-out"},
				[]string{"192.0.2.0/24 dev svcnet-br", "198.51.100.0/24 dev veth-out", "203.0.113.0/24 dev svcnet-br"}},
			{node1, []string{"eth0", "lo"}, []string{"192.0.2.0/24 dev eth0", "default via 192.0.2.1 dev eth0"}},
			{node2, []string{"eth0", "lo"}, []string{"192.0.2.0/24 dev eth0", "default via 192.0.2.1 dev eth0"}},
			{outside, []string{"eth0", "lo"}, []string{"198.51.100.0/24 dev eth0", "default via 198.51.100.1 dev eth0"}},
		} {
			if got := nsLinks(t, tc.ns); !slices.Equal(got, tc.links) {
				t.Errorf("%s links %q, want %q", tc.ns.Name, got, tc.links)
			}
			if got := nsRoutes(t, tc.ns); !slices.Equal(got, tc.routes) {
				t.Errorf("%s routes %q, want %q", tc.ns.Name, got, tc.routes)
			}
		}
	})

	t.Run("sysctls", func(t *testing.T) {
		for _, tc := range []struct {
			ns        Namespace
			key, want string
		}{
			{router, "net.ipv4.ip_forward", "1"},
			{node1, "net.ipv4.ip_forward", "1"},
			{node2, "net.ipv4.ip_forward", "1"},
			{outside, "net.ipv4.ip_forward", "0"},
			{node1, "net.ipv4.conf.all.rp_filter", "0"},
		} {
			if got, err := netnsutil.GetSysctl(tc.ns.Path, tc.key); err != nil || got != tc.want {
				t.Errorf("%s %s = %q, %v; want %q", tc.ns.Name, tc.key, got, err, tc.want)
			}
		}
	})

	t.Run("reachability", func(t *testing.T) {
		for _, tc := range []struct {
			name       string
			from, to   Namespace
			wantSource string
		}{
			{"node1 to node2", node1, node2, "192.0.2.11"},
			{"node2 to node1", node2, node1, "192.0.2.12"},
			{"outside to node2 (routed, not masqueraded)", outside, node2, "198.51.100.2"},
			{"node1 to outside", node1, outside, "192.0.2.11"},
			{"node2 to router", node2, router, "192.0.2.12"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				if got := tcpCheck(ctx, t, tc.from, tc.to); got != tc.wantSource {
					t.Fatalf("listener saw source %s, want %s", got, tc.wantSource)
				}
			})
		}
	})

	t.Run("ping", func(t *testing.T) {
		if _, err := exec.LookPath("ping"); err != nil {
			t.Skip("ping not installed (apt-get install -y iputils-ping); TCP reachability is tested above")
		}
		for _, tc := range []struct {
			from Namespace
			to   string
		}{{node1, "192.0.2.12"}, {outside, "192.0.2.12"}, {node2, "198.51.100.2"}} {
			var out bytes.Buffer
			code, err := l.Exec(ctx, tc.from.Name, []string{"ping", "-c1", "-W1", tc.to}, nil, &out, &out)
			if err != nil || code != 0 {
				t.Errorf("ping %s from %s: exit %d, %v\n%s", tc.to, tc.from.Name, code, err, out.String())
			}
		}
	})

	t.Run("no way out", func(t *testing.T) { testNoWayOut(ctx, t, l) })

	t.Run("exec", func(t *testing.T) {
		for _, tc := range []struct {
			name   string
			target string
			argv   []string
			stdin  string
			code   int
			outHas string
		}{
			{"true", "node1", []string{"true"}, "", 0, ""},
			{"exit code", "node2", []string{"sh", "-c", "exit 3"}, "", 3, ""},
			{"signal", "node1", []string{"sh", "-c", "kill -TERM $$"}, "", 128 + 15, ""},
			{"node address", "node2", []string{"ip", "-o", "-4", "addr", "show", "dev", "eth0"}, "", 0, "192.0.2.12/24"},
			{"outside address", "outside", []string{"ip", "-o", "-4", "addr", "show", "dev", "eth0"}, "", 0, "198.51.100.2/24"},
			{"full netns name", l.Name() + "-router", []string{"ip", "-o", "link", "show", "svcnet-br"}, "", 0, "svcnet-br"},
			{"stdin", "node1", []string{"cat"}, "hello", 0, "hello"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				var out bytes.Buffer
				code, err := l.Exec(ctx, tc.target, tc.argv, strings.NewReader(tc.stdin), &out, &out)
				if err != nil || code != tc.code || !strings.Contains(out.String(), tc.outHas) {
					t.Fatalf("exit %d, %v, output %q; want exit %d with %q", code, err, out.String(), tc.code, tc.outHas)
				}
			})
		}
		if _, err := l.Exec(ctx, "node9", []string{"true"}, nil, nil, nil); err == nil {
			t.Error("Exec in an unknown namespace succeeded")
		}
		if _, err := l.Exec(ctx, "node1", []string{"/nonexistent/binary"}, nil, nil, nil); err == nil {
			t.Error("Exec of a missing binary succeeded")
		}
		short, stop := context.WithTimeout(ctx, 200*time.Millisecond)
		defer stop()
		if _, err := l.Exec(short, "node1", []string{"sleep", "30"}, nil, nil, nil); !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("Exec past its deadline: %v, want DeadlineExceeded", err)
		}
	})

	if err := l.Down(ctx); err != nil {
		t.Fatalf("Down: %v", err)
	}
	if left := labNamespaces(t, l.Name()); len(left) > 0 {
		t.Fatalf("namespaces left after Down: %v", left)
	}
	if _, err := os.Stat(l.RunDir()); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("run dir left after Down: %v", err)
	}
	if _, err := Load(l.RunDir(), nil); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Load after Down: %v, want ErrNotExist", err)
	}
	if err := Down(ctx, l.RunDir(), nil); err != nil {
		t.Errorf("second Down: %v", err)
	}
	compareSnapshots(t, before, hostSnapshot(t))
}

// tcpCheck listens on to's lab address, connects from from, and returns the
// source address the listener saw.
func tcpCheck(ctx context.Context, t *testing.T, from, to Namespace) string {
	t.Helper()
	ln, err := netnsutil.Listen(to.Path, "tcp", netip.AddrPortFrom(to.IP, 0).String())
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		_, _ = io.WriteString(c, c.RemoteAddr().(*net.TCPAddr).IP.String())
	}()
	dctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	c, err := netnsutil.Dial(dctx, from.Path, "tcp", ln.Addr().String())
	if err != nil {
		t.Fatalf("%s cannot reach %s: %v", from.Name, to.Name, err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(5 * time.Second))
	b, err := io.ReadAll(c)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// testNoWayOut checks that nothing in the lab reaches the host: the host's
// own addresses are unreachable from a node even with a listener bound to
// them, and the router knows no route beyond the lab networks.
func testNoWayOut(ctx context.Context, t *testing.T, l *Lab) {
	node1, router := l.Nodes()[0], l.RouterNS()
	var hostIPs []netip.Addr
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range addrs {
		if p, err := netip.ParsePrefix(a.String()); err == nil && p.Addr().Is4() {
			hostIPs = append(hostIPs, p.Addr())
		}
	}
	for _, ip := range hostIPs {
		// A listener on the host, on exactly this address, for the test's
		// duration only.
		ln, err := net.Listen("tcp", netip.AddrPortFrom(ip, 0).String())
		if err != nil {
			t.Fatal(err)
		}
		go func() {
			for {
				c, err := ln.Accept()
				if err != nil {
					return
				}
				_, _ = io.WriteString(c, "host")
				c.Close()
			}
		}()
		dctx, cancel := context.WithTimeout(ctx, 1500*time.Millisecond)
		c, err := netnsutil.Dial(dctx, node1.Path, "tcp", ln.Addr().String())
		cancel()
		if err == nil {
			b, _ := io.ReadAll(c)
			c.Close()
			if string(b) == "host" {
				t.Errorf("node1 reached the host's listener on %s", ln.Addr())
			}
		} else {
			t.Logf("node1 -> host %s: %v (as it should)", ln.Addr(), err)
		}
		ln.Close()
	}
	// A route lookup sends nothing: it only asks the router's table.
	h, err := netnsutil.Handle(router.Path)
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	for _, dst := range append([]netip.Addr{netip.MustParseAddr("198.18.0.1")}, hostIPs...) {
		if NodeNet.Contains(dst) || OutsideNet.Contains(dst) || LBPool.Contains(dst) || dst.IsLoopback() {
			continue // lab-internal (or the router's own loopback), by design
		}
		if routes, err := h.RouteGet(net.IP(dst.AsSlice())); err == nil {
			t.Errorf("the router has a route to %s: %+v", dst, routes)
		}
	}
}
