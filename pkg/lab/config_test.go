package lab

import (
	"net/netip"
	"strings"
	"testing"
)

func TestValidate(t *testing.T) {
	ok := Config{Name: "svcnet", Nodes: 3, RunDir: "/run/svcnet-lab/svcnet"}
	for _, tc := range []struct {
		name   string
		mutate func(*Config)
		errHas string // "" means valid
	}{
		{"default", func(*Config) {}, ""},
		{"one node", func(c *Config) { c.Nodes = 1 }, ""},
		{"max nodes", func(c *Config) { c.Nodes = MaxNodes }, ""},
		{"dashes inside", func(c *Config) { c.Name = "my-lab-2" }, ""},
		{"empty name", func(c *Config) { c.Name = "" }, "lab name"},
		{"upper case", func(c *Config) { c.Name = "Lab" }, "lab name"},
		{"leading dash", func(c *Config) { c.Name = "-lab" }, "lab name"},
		{"trailing dash", func(c *Config) { c.Name = "lab-" }, "lab name"},
		{"slash", func(c *Config) { c.Name = "a/b" }, "lab name"},
		{"too long", func(c *Config) { c.Name = strings.Repeat("a", 33) }, "lab name"},
		{"zero nodes", func(c *Config) { c.Nodes = 0 }, "nodes"},
		{"too many nodes", func(c *Config) { c.Nodes = MaxNodes + 1 }, "nodes"},
		{"relative run dir", func(c *Config) { c.RunDir = "run/lab" }, "run directory"},
		{"root run dir", func(c *Config) { c.RunDir = "/" }, "run directory"},
		{"empty run dir", func(c *Config) { c.RunDir = "" }, "run directory"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := ok
			tc.mutate(&c)
			err := c.Validate()
			if tc.errHas == "" {
				if err != nil {
					t.Fatalf("Validate() = %v, want nil", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.errHas) {
				t.Fatalf("Validate() = %v, want an error about %q", err, tc.errHas)
			}
		})
	}
	var nilConfig *Config
	if nilConfig.Validate() == nil {
		t.Fatal("nil config validated")
	}
}

func TestTopology(t *testing.T) {
	got := topology("lab", 3)
	want := []struct {
		name, netns, path, ip string
		role                  Role
		index                 int
	}{
		{"router", "lab-router", "/run/netns/lab-router", "192.0.2.1", RoleRouter, 0},
		{"outside", "lab-outside", "/run/netns/lab-outside", "198.51.100.2", RoleOutside, 0},
		{"node1", "lab-node1", "/run/netns/lab-node1", "192.0.2.11", RoleNode, 1},
		{"node2", "lab-node2", "/run/netns/lab-node2", "192.0.2.12", RoleNode, 2},
		{"node3", "lab-node3", "/run/netns/lab-node3", "192.0.2.13", RoleNode, 3},
	}
	if len(got) != len(want) {
		t.Fatalf("topology has %d namespaces, want %d", len(got), len(want))
	}
	for i, w := range want {
		g := got[i]
		if g.Name != w.name || g.NetNS != w.netns || g.Path != w.path || g.IP.String() != w.ip || g.Role != w.role || g.Index != w.index {
			t.Errorf("namespace %d = %+v, want %+v", i, g, w)
		}
	}
}

func TestAddresses(t *testing.T) {
	if got := NodeAddr(MaxNodes); got != netip.MustParsePrefix("192.0.2.254/24") {
		t.Errorf("NodeAddr(MaxNodes) = %s", got)
	}
	for _, p := range []netip.Prefix{NodeAddr(1), NodeAddr(MaxNodes), RouterNodeAddr} {
		if !NodeNet.Contains(p.Addr()) {
			t.Errorf("%s is not in the node network %s", p, NodeNet)
		}
	}
	for _, p := range []netip.Prefix{OutsideAddr, RouterOutsideAddr} {
		if !OutsideNet.Contains(p.Addr()) {
			t.Errorf("%s is not in the outside network %s", p, OutsideNet)
		}
	}
	names := []string{BridgeName, NodeIface, routerOutsideIface, routerNodeIface(MaxNodes)}
	for _, n := range names {
		if len(n) > 15 {
			t.Errorf("interface name %q is longer than 15 bytes", n)
		}
	}
}

func TestOwnedName(t *testing.T) {
	for _, tc := range []struct {
		lab, ns string
		want    bool
	}{
		{"lab", "lab-node1", true},
		{"lab", "lab-router", true},
		{"lab", "lab2-node1", false},
		{"lab", "other", false},
		{"lab", "lab-../../etc", false},
		{"lab", "", false},
	} {
		if got := ownedName(tc.lab, tc.ns); got != tc.want {
			t.Errorf("ownedName(%q, %q) = %v, want %v", tc.lab, tc.ns, got, tc.want)
		}
	}
}

func TestCheckLoopback(t *testing.T) {
	for _, tc := range []struct {
		addr string
		ok   bool
	}{
		{"127.0.0.1:0", true},
		{"127.0.0.1:6443", true},
		{"127.1.2.3:8080", true},
		{"[::1]:0", true},
		{"0.0.0.0:6443", false},
		{":6443", false},
		{"192.0.2.2:6443", false},
		{"localhost:6443", false},
		{"127.0.0.1", false},
		{"127.0.0.1:70000", false},
	} {
		if err := checkLoopback(tc.addr); (err == nil) != tc.ok {
			t.Errorf("checkLoopback(%q) = %v, want ok=%v", tc.addr, err, tc.ok)
		}
	}
}
