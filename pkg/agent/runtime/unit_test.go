package runtime

import (
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestParseHostPort(t *testing.T) {
	tests := []struct {
		in      string
		want    HostPort
		wantErr bool
	}{
		{"TCP/8080", HostPort{"TCP", 8080}, false},
		{"udp/53", HostPort{"UDP", 53}, false},
		{"8080/TCP", HostPort{"TCP", 8080}, false},
		{"SCTP/9", HostPort{"SCTP", 9}, false},
		{"80", HostPort{"TCP", 80}, false},
		{"TCP/0", HostPort{}, true},
		{"TCP/65536", HostPort{}, true},
		{"ICMP/1", HostPort{}, true},
		{"TCP/http", HostPort{}, true},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			got, err := ParseHostPort(tc.in)
			if (err != nil) != tc.wantErr || got != tc.want {
				t.Errorf("ParseHostPort(%q) = %v, %v; want %v (error %t)", tc.in, got, err, tc.want, tc.wantErr)
			}
		})
	}
	if s := (HostPort{"TCP", 8080}).String(); s != "8080/TCP" {
		t.Errorf("String = %q", s)
	}
}

func TestHostLocalIPAM(t *testing.T) {
	dir := t.TempDir()
	cidr := netip.MustParsePrefix("10.244.9.0/29") // .2 .. .6
	m, err := newHostLocalIPAM(dir, cidr)
	if err != nil {
		t.Fatal(err)
	}
	a, _ := m.Allocate("a")
	b, _ := m.Allocate("b")
	if a.String() != "10.244.9.2" || b.String() != "10.244.9.3" {
		t.Fatalf("got %s %s", a, b)
	}
	if again, _ := m.Allocate("a"); again != a {
		t.Errorf("re-allocation for the same UID = %s, want %s", again, a)
	}
	// Leases survive a restart and are files holding the UID.
	m2, _ := newHostLocalIPAM(dir, cidr)
	if ip, ok, _ := m2.Lookup("b"); !ok || ip != b {
		t.Errorf("after restart Lookup(b) = %s %t", ip, ok)
	}
	if data, _ := os.ReadFile(filepath.Join(dir, "10.244.9.2")); string(data) != "a" {
		t.Errorf("lease file holds %q", data)
	}
	if err := m2.Release("a"); err != nil {
		t.Fatal(err)
	}
	if err := m2.Release("a"); err != nil {
		t.Errorf("second release: %v", err)
	}
	// Round-robin, as CNI host-local: the next pod gets the address after
	// the last reserved one, not the one just released...
	if c, _ := m2.Allocate("c"); c.String() != "10.244.9.4" {
		t.Errorf("c = %s, want 10.244.9.4 (after the last reserved)", c)
	}
	for _, u := range []string{"d", "e"} {
		if _, err := m2.Allocate(u); err != nil {
			t.Fatal(err)
		}
	}
	// ...and wraps around to the released address once the end is reached.
	if f, _ := m2.Allocate("f"); f != a {
		t.Errorf("f = %s, want the released %s after wrapping", f, a)
	}
	if _, err := m2.Allocate("g"); !IsPoolExhausted(err) {
		t.Errorf("allocation in a full pool: %v", err)
	}
}

// TestHostLocalIPAMConcurrent: two IPAMs on one directory (two processes)
// never hand out the same address.
func TestHostLocalIPAMConcurrent(t *testing.T) {
	dir := t.TempDir()
	cidr := netip.MustParsePrefix("10.244.9.0/24")
	m1, _ := newHostLocalIPAM(dir, cidr)
	m2, _ := newHostLocalIPAM(dir, cidr)
	var wg sync.WaitGroup
	got := make([]netip.Addr, 100)
	for i := range got {
		wg.Add(1)
		go func() {
			defer wg.Done()
			m := m1
			if i%2 == 1 {
				m = m2
			}
			ip, err := m.Allocate(fmt.Sprintf("pod-%d", i))
			if err != nil {
				t.Error(err)
			}
			got[i] = ip
		}()
	}
	wg.Wait()
	seen := map[netip.Addr]bool{}
	for _, ip := range got {
		if seen[ip] {
			t.Fatalf("%s handed out twice", ip)
		}
		seen[ip] = true
	}
}

func TestParseProcStat(t *testing.T) {
	line := "1234 (my (odd) name) S 1 1234 1234 0 -1 4194560 100 0 0 0 1 2 0 0 20 0 1 0 987654 1000 100 0 0"
	st, err := parseProcStat(line)
	if err != nil {
		t.Fatal(err)
	}
	if st.State != 'S' || st.PGID != 1234 || st.StartTicks != 987654 {
		t.Errorf("parsed %+v", st)
	}
	if _, err := parseProcStat("garbage"); err == nil {
		t.Error("garbage parsed")
	}
	// The running test process is alive; a made-up start time is not.
	me, err := refOf("/proc", os.Getpid())
	if err != nil {
		t.Skipf("no /proc here: %v", err)
	}
	if !alive("/proc", me) {
		t.Error("own process not alive")
	}
	if alive("/proc", procRef{PID: me.PID, StartTicks: me.StartTicks + 1}) {
		t.Error("PID with another start time counted as alive")
	}
}

func TestStateStore(t *testing.T) {
	s, err := newStateStore(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	rec := &sandboxRecord{
		UID: "u1", Namespace: "ns", Name: "n", IP: netip.MustParseAddr("10.244.0.2"),
		HostPorts: []HostPort{{"TCP", 80}}, Pause: procRef{PID: 5, StartTicks: 6},
		Containers: []containerRecord{{Name: "c", Argv: []string{"x"}, Running: true, StartedAt: time.Unix(1, 0).UTC()}},
	}
	if err := s.Save(rec); err != nil {
		t.Fatal(err)
	}
	got, ok, err := s.Load("u1")
	if err != nil || !ok || got.IP != rec.IP || got.Pause != rec.Pause || got.container("c") == nil || got.HostPorts[0] != rec.HostPorts[0] {
		t.Fatalf("Load = %+v %t %v", got, ok, err)
	}
	if uids, _ := s.UIDs(); len(uids) != 1 || uids[0] != "u1" {
		t.Errorf("UIDs = %v", uids)
	}
	if err := s.Delete("u1"); err != nil {
		t.Fatal(err)
	}
	if _, ok, _ := s.Load("u1"); ok {
		t.Error("record survived Delete")
	}
}

func TestCheckUID(t *testing.T) {
	for _, ok := range []string{"0b3e5a7c-1d2f-4e5a-9b8c-7d6e5f4a3b2c", "a.b_c"} {
		if err := checkUID(ok); err != nil {
			t.Errorf("checkUID(%q) = %v", ok, err)
		}
	}
	for _, bad := range []string{"", ".", "..", "a/b", "a b", strings.Repeat("x", 129)} {
		if checkUID(bad) == nil {
			t.Errorf("checkUID(%q) accepted", bad)
		}
	}
}

func TestConfigValidate(t *testing.T) {
	good := Config{PodCIDR: netip.MustParsePrefix("10.244.1.0/24"), StateDir: "/var/lib/svcnet/runtime", SvcnetBinary: "/usr/bin/svcnet"}
	if err := good.Validate(); err != nil || good.BridgeName != DefaultBridgeName || good.NSEnter != "nsenter" || good.Logger == nil {
		t.Errorf("Validate = %v, config %+v", err, good)
	}
	for name, c := range map[string]Config{
		"no CIDR":        {StateDir: "/x", SvcnetBinary: "s"},
		"IPv6":           {PodCIDR: netip.MustParsePrefix("fd00::/64"), StateDir: "/x", SvcnetBinary: "s"},
		"/31":            {PodCIDR: netip.MustParsePrefix("10.0.0.0/31"), StateDir: "/x", SvcnetBinary: "s"},
		"relative state": {PodCIDR: good.PodCIDR, StateDir: "x", SvcnetBinary: "s"},
		"no binary":      {PodCIDR: good.PodCIDR, StateDir: "/x"},
		"long bridge":    {PodCIDR: good.PodCIDR, StateDir: "/x", SvcnetBinary: "s", BridgeName: "a-very-long-bridge"},
		"relative netns": {PodCIDR: good.PodCIDR, StateDir: "/x", SvcnetBinary: "s", NodeNetNS: "node1"},
	} {
		if err := c.Validate(); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func TestGateway(t *testing.T) {
	if g := Gateway(netip.MustParsePrefix("10.244.1.77/24")); g.String() != "10.244.1.1" {
		t.Errorf("Gateway = %s", g)
	}
}
