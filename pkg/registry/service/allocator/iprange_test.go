package allocator

import (
	"errors"
	"math/rand/v2"
	"net/netip"
	"sync"
	"testing"
)

func TestNewCIDRRange(t *testing.T) {
	tests := []struct {
		name        string
		cidr        string
		wantErr     bool
		size        int
		static      int
		first, last string
	}{
		{name: "default service CIDR", cidr: "10.96.0.0/12", size: 1<<20 - 2, static: 256, first: "10.96.0.1", last: "10.111.255.254"},
		{name: "host bits are masked", cidr: "10.96.7.9/12", size: 1<<20 - 2, static: 256, first: "10.96.0.1", last: "10.111.255.254"},
		{name: "ipv4 /24", cidr: "192.168.1.0/24", size: 254, static: 16, first: "192.168.1.1", last: "192.168.1.254"},
		{name: "ipv4 /20 scales the band", cidr: "172.16.0.0/20", size: 4094, static: 256, first: "172.16.0.1", last: "172.16.15.254"},
		{name: "ipv4 /21", cidr: "172.16.0.0/21", size: 2046, static: 128, first: "172.16.0.1", last: "172.16.7.254"},
		{name: "ipv4 /27 minimum band", cidr: "192.168.1.32/27", size: 30, static: 16, first: "192.168.1.33", last: "192.168.1.62"},
		{name: "ipv4 /28 has no band", cidr: "192.168.1.16/28", size: 14, static: 0, first: "192.168.1.17", last: "192.168.1.30"},
		{name: "ipv4 /29", cidr: "192.168.1.8/29", size: 6, static: 0, first: "192.168.1.9", last: "192.168.1.14"},
		{name: "ipv4 /30", cidr: "192.168.1.4/30", size: 2, static: 0, first: "192.168.1.5", last: "192.168.1.6"},
		{name: "ipv4 /31 has no usable address", cidr: "192.168.1.4/31", wantErr: true},
		{name: "ipv4 /32", cidr: "192.168.1.4/32", wantErr: true},
		{name: "ipv4 larger than /12", cidr: "10.0.0.0/8", wantErr: true},
		{name: "ipv6 /120", cidr: "fd00::/120", size: 255, static: 16, first: "fd00::1", last: "fd00::ff"},
		{name: "ipv6 /112 capped", cidr: "fd00::/112", size: 65535, static: 256, first: "fd00::1", last: "fd00::ffff"},
		{name: "ipv6 /64 capped", cidr: "fd00:1:2:3::/64", size: 65535, static: 256, first: "fd00:1:2:3::1", last: "fd00:1:2:3::ffff"},
		{name: "ipv6 /0 capped", cidr: "::/0", size: 65535, static: 256, first: "::1", last: "::ffff"},
		{name: "ipv6 /127", cidr: "fd00::/127", size: 1, static: 0, first: "fd00::1", last: "fd00::1"},
		{name: "ipv6 /128", cidr: "fd00::/128", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := NewCIDRRange(netip.MustParsePrefix(tt.cidr))
			if tt.wantErr {
				if err == nil {
					t.Fatalf("NewCIDRRange(%s) = %v, want error", tt.cidr, r)
				}
				return
			}
			if err != nil {
				t.Fatalf("NewCIDRRange(%s): %v", tt.cidr, err)
			}
			if r.Size() != tt.size || r.Free() != tt.size || r.Used() != 0 {
				t.Errorf("Size/Free/Used = %d/%d/%d, want %d/%d/0", r.Size(), r.Free(), r.Used(), tt.size, tt.size)
			}
			if r.StaticSize() != tt.static {
				t.Errorf("StaticSize() = %d, want %d", r.StaticSize(), tt.static)
			}
			first, last := netip.MustParseAddr(tt.first), netip.MustParseAddr(tt.last)
			if !r.Contains(first) || !r.Contains(last) {
				t.Errorf("range does not contain its first %s or last %s address", first, last)
			}
			if r.Contains(first.Prev()) || r.Contains(last.Next()) {
				t.Errorf("range contains %s or %s, just outside", first.Prev(), last.Next())
			}
			if got := r.codec.item(0); got != first {
				t.Errorf("offset 0 = %s, want %s", got, first)
			}
			if got := r.codec.item(tt.size - 1); got != last {
				t.Errorf("last offset = %s, want %s", got, last)
			}
			if r.String() != r.Prefix().String() || !r.Prefix().Contains(first) {
				t.Errorf("String() = %q, Prefix() = %s", r.String(), r.Prefix())
			}
		})
	}
	if _, err := NewCIDRRange(netip.Prefix{}); err == nil {
		t.Error("NewCIDRRange(zero prefix) succeeded, want error")
	}
}

func TestIPRangeAllocate(t *testing.T) {
	type step struct {
		op      string // allocate, release, has, nothas
		ip      string
		wantErr error
	}
	tests := []struct {
		name  string
		cidr  string
		steps []step
		used  int
	}{
		{
			name: "allocate, double allocate, release, reuse",
			cidr: "10.96.0.0/12",
			steps: []step{
				{op: "allocate", ip: "10.96.0.10"},
				{op: "has", ip: "10.96.0.10"},
				{op: "allocate", ip: "10.96.0.10", wantErr: ErrAllocated},
				{op: "release", ip: "10.96.0.10"},
				{op: "nothas", ip: "10.96.0.10"},
				{op: "allocate", ip: "10.96.0.10"},
				{op: "allocate", ip: "10.111.255.254"},
			},
			used: 2,
		},
		{
			name: "out of range",
			cidr: "10.96.0.0/12",
			steps: []step{
				{op: "allocate", ip: "10.96.0.0", wantErr: ErrNotInRange},
				{op: "allocate", ip: "10.111.255.255", wantErr: ErrNotInRange},
				{op: "allocate", ip: "10.112.0.1", wantErr: ErrNotInRange},
				{op: "allocate", ip: "10.95.255.255", wantErr: ErrNotInRange},
				{op: "allocate", ip: "fd00::1", wantErr: ErrNotInRange},
				{op: "allocate", ip: "0.0.0.0", wantErr: ErrNotInRange},
				{op: "nothas", ip: "10.96.0.0"},
			},
		},
		{
			name: "ipv4-mapped form is the same address",
			cidr: "10.96.0.0/12",
			steps: []step{
				{op: "allocate", ip: "::ffff:10.96.0.1"},
				{op: "has", ip: "10.96.0.1"},
				{op: "allocate", ip: "10.96.0.1", wantErr: ErrAllocated},
				{op: "release", ip: "::ffff:10.96.0.1"},
				{op: "nothas", ip: "10.96.0.1"},
			},
		},
		{
			name: "releasing free or foreign addresses is a no-op",
			cidr: "192.168.1.8/29",
			steps: []step{
				{op: "allocate", ip: "192.168.1.9"},
				{op: "release", ip: "192.168.1.10"},
				{op: "release", ip: "192.168.1.8"},
				{op: "release", ip: "8.8.8.8"},
				{op: "release", ip: "fd00::1"},
				{op: "has", ip: "192.168.1.9"},
			},
			used: 1,
		},
		{
			name: "ipv6",
			cidr: "fd00::/120",
			steps: []step{
				{op: "allocate", ip: "fd00::a"},
				{op: "allocate", ip: "fd00::a", wantErr: ErrAllocated},
				{op: "allocate", ip: "fd00::", wantErr: ErrNotInRange},
				{op: "allocate", ip: "fd00::100", wantErr: ErrNotInRange},
				{op: "allocate", ip: "fc00::a", wantErr: ErrNotInRange},
				{op: "allocate", ip: "10.0.0.1", wantErr: ErrNotInRange},
				{op: "allocate", ip: "fd00::ff"},
				{op: "has", ip: "fd00::ff"},
			},
			used: 2,
		},
		{
			name: "ipv6 capped range ends after 65535 addresses",
			cidr: "fd00::/64",
			steps: []step{
				{op: "allocate", ip: "fd00::ffff"},
				{op: "allocate", ip: "fd00::1:0", wantErr: ErrNotInRange},
				{op: "allocate", ip: "fd00::ffff:ffff:ffff:ffff", wantErr: ErrNotInRange},
			},
			used: 1,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := NewCIDRRange(netip.MustParsePrefix(tt.cidr))
			if err != nil {
				t.Fatal(err)
			}
			for i, s := range tt.steps {
				ip := netip.MustParseAddr(s.ip)
				switch s.op {
				case "allocate":
					err := r.Allocate(ip)
					if !errors.Is(err, s.wantErr) || (s.wantErr == nil) != (err == nil) {
						t.Errorf("step %d: Allocate(%s) = %v, want %v", i, ip, err, s.wantErr)
					}
				case "release":
					r.Release(ip)
				case "has", "nothas":
					if got := r.Has(ip); got != (s.op == "has") {
						t.Errorf("step %d: Has(%s) = %t", i, ip, got)
					}
				}
			}
			if r.Used() != tt.used || r.Free() != r.Size()-tt.used {
				t.Errorf("Used/Free = %d/%d, want %d/%d", r.Used(), r.Free(), tt.used, r.Size()-tt.used)
			}
		})
	}
}

func TestIPRangeExhaustion(t *testing.T) {
	tests := []struct {
		cidr string
		want int
	}{
		{cidr: "192.168.1.8/29", want: 6},
		{cidr: "192.168.1.0/24", want: 254},
		{cidr: "fd00::/120", want: 255},
		{cidr: "fd00::ff00/127", want: 1},
	}
	for _, tt := range tests {
		t.Run(tt.cidr, func(t *testing.T) {
			prefix := netip.MustParsePrefix(tt.cidr)
			r, err := NewCIDRRange(prefix)
			if err != nil {
				t.Fatal(err)
			}
			rng := rand.New(rand.NewPCG(1, 2))
			seen := map[netip.Addr]bool{}
			for range tt.want {
				ip, err := r.AllocateNext(rng)
				if err != nil {
					t.Fatalf("AllocateNext after %d: %v", len(seen), err)
				}
				if seen[ip] || !prefix.Contains(ip) || ip == prefix.Addr() {
					t.Fatalf("AllocateNext returned %s: duplicate, outside or network address", ip)
				}
				if prefix.Addr().Is4() && ip == r.codec.item(r.Size()-1).Next() {
					t.Fatalf("AllocateNext returned the broadcast address %s", ip)
				}
				seen[ip] = true
			}
			if _, err := r.AllocateNext(rng); !errors.Is(err, ErrFull) {
				t.Fatalf("AllocateNext on a full range = %v, want ErrFull", err)
			}
			if r.Free() != 0 || r.Used() != tt.want {
				t.Errorf("Free/Used = %d/%d, want 0/%d", r.Free(), r.Used(), tt.want)
			}
			// A released address is the only one left, so it comes back.
			var victim netip.Addr
			for ip := range seen {
				victim = ip
				break
			}
			r.Release(victim)
			if got, err := r.AllocateNext(rng); err != nil || got != victim {
				t.Errorf("AllocateNext after releasing %s = %s, %v", victim, got, err)
			}
		})
	}
}

func TestIPRangeBandPreference(t *testing.T) {
	r, err := NewCIDRRange(netip.MustParsePrefix("192.168.1.0/24"))
	if err != nil {
		t.Fatal(err)
	}
	// 10 in the static band is taken by hand, as kube-dns would be.
	dns := netip.MustParseAddr("192.168.1.10")
	if err := r.Allocate(dns); err != nil {
		t.Fatal(err)
	}
	staticEnd := netip.MustParseAddr("192.168.1.16") // last static address
	rng := rand.New(rand.NewPCG(3, 4))
	for i := range r.Size() - r.StaticSize() {
		ip, err := r.AllocateNext(rng)
		if err != nil {
			t.Fatalf("dynamic allocation %d: %v", i, err)
		}
		if ip.Compare(staticEnd) <= 0 {
			t.Fatalf("dynamic allocation %d returned %s from the static band while the dynamic band had room", i, ip)
		}
	}
	for i := range r.StaticSize() - 1 {
		ip, err := r.AllocateNext(rng)
		if err != nil {
			t.Fatalf("static allocation %d: %v", i, err)
		}
		if ip.Compare(staticEnd) > 0 || ip == dns {
			t.Fatalf("static allocation %d returned %s", i, ip)
		}
	}
	if _, err := r.AllocateNext(rng); !errors.Is(err, ErrFull) {
		t.Fatalf("AllocateNext = %v, want ErrFull", err)
	}
	// With one free address in each band, the dynamic one goes first.
	r.Release(netip.MustParseAddr("192.168.1.5"))
	r.Release(netip.MustParseAddr("192.168.1.200"))
	if got, _ := r.AllocateNext(rng); got != netip.MustParseAddr("192.168.1.200") {
		t.Errorf("AllocateNext = %s, want the free dynamic address 192.168.1.200", got)
	}
	if got, _ := r.AllocateNext(rng); got != netip.MustParseAddr("192.168.1.5") {
		t.Errorf("AllocateNext = %s, want the free static address 192.168.1.5", got)
	}
}

func TestAllocateNextIsRandomAndSeeded(t *testing.T) {
	draw := func(seed uint64) []netip.Addr {
		r, err := NewCIDRRange(netip.MustParsePrefix("10.96.0.0/12"))
		if err != nil {
			t.Fatal(err)
		}
		rng := rand.New(rand.NewPCG(seed, seed))
		var out []netip.Addr
		for range 20 {
			ip, err := r.AllocateNext(rng)
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, ip)
		}
		return out
	}
	a, b, c := draw(7), draw(7), draw(8)
	for i := range a {
		if a[i] != b[i] {
			t.Fatalf("same seed gave %s and %s at draw %d", a[i], b[i], i)
		}
	}
	same, ascending := 0, 0
	for i := range a {
		if a[i] == c[i] {
			same++
		}
		if i > 0 && a[i] == a[i-1].Next() {
			ascending++
		}
	}
	if same == len(a) {
		t.Error("different seeds gave the same sequence")
	}
	if ascending > 2 {
		t.Errorf("%d of 20 draws followed the previous one: allocation is not random: %v", ascending, a)
	}
}

func TestForEach(t *testing.T) {
	r, err := NewCIDRRange(netip.MustParsePrefix("fd00::/112"))
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"fd00::1", "fd00::3f", "fd00::40", "fd00::41", "fd00::100", "fd00::ffff"}
	for i := len(want) - 1; i >= 0; i-- {
		if err := r.Allocate(netip.MustParseAddr(want[i])); err != nil {
			t.Fatal(err)
		}
	}
	var got []string
	r.ForEach(func(ip netip.Addr) {
		// Calling back into the range must not deadlock.
		if !r.Has(ip) {
			t.Errorf("ForEach yielded %s, which is not allocated", ip)
		}
		got = append(got, ip.String())
	})
	if len(got) != len(want) {
		t.Fatalf("ForEach yielded %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("ForEach item %d = %s, want %s", i, got[i], want[i])
		}
	}
}

func TestConcurrentAllocateNext(t *testing.T) {
	r, err := NewCIDRRange(netip.MustParsePrefix("192.168.0.0/22"))
	if err != nil {
		t.Fatal(err)
	}
	const workers = 8
	results := make([][]netip.Addr, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for {
				ip, err := r.AllocateNext(nil)
				if errors.Is(err, ErrFull) {
					return
				}
				if err != nil {
					t.Error(err)
					return
				}
				results[w] = append(results[w], ip)
			}
		})
	}
	wg.Wait()
	seen := map[netip.Addr]bool{}
	for _, rs := range results {
		for _, ip := range rs {
			if seen[ip] {
				t.Fatalf("%s allocated twice", ip)
			}
			seen[ip] = true
		}
	}
	if len(seen) != r.Size() || r.Free() != 0 {
		t.Errorf("allocated %d distinct addresses, Free() = %d; want %d and 0", len(seen), r.Free(), r.Size())
	}
}

func BenchmarkAllocateNext(b *testing.B) {
	for _, fill := range []int{0, 50, 99} {
		b.Run("slash12/"+map[int]string{0: "empty", 50: "half", 99: "99pct"}[fill], func(b *testing.B) {
			r, err := NewCIDRRange(netip.MustParsePrefix("10.96.0.0/12"))
			if err != nil {
				b.Fatal(err)
			}
			rng := rand.New(rand.NewPCG(1, 1))
			for range r.Size() * fill / 100 {
				if _, err := r.AllocateNext(rng); err != nil {
					b.Fatal(err)
				}
			}
			b.ResetTimer()
			for b.Loop() {
				ip, err := r.AllocateNext(rng)
				if err != nil {
					b.Fatal(err)
				}
				r.Release(ip)
			}
		})
	}
}
