package nodeipam

import (
	"net/netip"
	"testing"
)

func TestNewCIDRSet(t *testing.T) {
	for _, tc := range []struct {
		name    string
		cidr    string
		mask    int
		size    int
		wantErr bool
	}{
		{name: "default", cidr: "10.244.0.0/16", mask: 24, size: 256},
		{name: "unmasked cluster CIDR", cidr: "10.244.3.7/16", mask: 24, size: 256},
		{name: "one subnet", cidr: "10.0.0.0/24", mask: 24, size: 1},
		{name: "ipv6", cidr: "fd00:10:244::/56", mask: 64, size: 256},
		{name: "mask shorter than cluster", cidr: "10.244.0.0/16", mask: 8, wantErr: true},
		{name: "mask longer than address", cidr: "10.244.0.0/16", mask: 33, wantErr: true},
		{name: "too many subnets", cidr: "10.0.0.0/8", mask: 28, wantErr: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := NewCIDRSet(netip.MustParsePrefix(tc.cidr), tc.mask)
			if tc.wantErr {
				if err == nil {
					t.Fatalf("NewCIDRSet(%s, %d) succeeded, want error", tc.cidr, tc.mask)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if s.Size() != tc.size {
				t.Errorf("Size() = %d, want %d", s.Size(), tc.size)
			}
		})
	}
}

// op is one step of a CIDRSet script.
type op struct {
	do   string // "next", "occupy", "release"
	cidr string // argument of occupy/release, or wanted result of next
	err  string // "", "full" or "outside"
}

func TestCIDRSetScript(t *testing.T) {
	for _, tc := range []struct {
		name     string
		cluster  string
		mask     int
		ops      []op
		wantUsed int
	}{
		{
			name: "lowest free first", cluster: "10.244.0.0/16", mask: 24,
			ops: []op{
				{do: "next", cidr: "10.244.0.0/24"},
				{do: "next", cidr: "10.244.1.0/24"},
				{do: "next", cidr: "10.244.2.0/24"},
				{do: "release", cidr: "10.244.1.0/24"},
				{do: "next", cidr: "10.244.1.0/24"},
				{do: "next", cidr: "10.244.3.0/24"},
			},
			wantUsed: 4,
		},
		{
			name: "occupied subnets are skipped", cluster: "10.244.0.0/16", mask: 24,
			ops: []op{
				{do: "occupy", cidr: "10.244.0.0/24"},
				{do: "occupy", cidr: "10.244.0.0/24"},
				{do: "occupy", cidr: "10.244.2.0/23"},
				{do: "next", cidr: "10.244.1.0/24"},
				{do: "next", cidr: "10.244.4.0/24"},
			},
			wantUsed: 5,
		},
		{
			name: "smaller prefix occupies its whole subnet", cluster: "10.244.0.0/16", mask: 24,
			ops: []op{
				{do: "occupy", cidr: "10.244.0.128/25"},
				{do: "next", cidr: "10.244.1.0/24"},
			},
			wantUsed: 2,
		},
		{
			name: "full", cluster: "10.0.0.0/23", mask: 24,
			ops: []op{
				{do: "next", cidr: "10.0.0.0/24"},
				{do: "next", cidr: "10.0.1.0/24"},
				{do: "next", err: "full"},
				{do: "release", cidr: "10.0.0.0/24"},
				{do: "next", cidr: "10.0.0.0/24"},
			},
			wantUsed: 2,
		},
		{
			name: "outside", cluster: "10.244.0.0/16", mask: 24,
			ops: []op{
				{do: "occupy", cidr: "10.245.0.0/24", err: "outside"},
				{do: "occupy", cidr: "10.0.0.0/8", err: "outside"},
				{do: "occupy", cidr: "fd00::/64", err: "outside"},
				{do: "release", cidr: "192.168.0.0/24", err: "outside"},
			},
		},
		{
			name: "releasing a free subnet is harmless", cluster: "10.244.0.0/16", mask: 24,
			ops: []op{
				{do: "release", cidr: "10.244.9.0/24"},
				{do: "next", cidr: "10.244.0.0/24"},
			},
			wantUsed: 1,
		},
		{
			name: "ipv6", cluster: "fd00:10:244::/48", mask: 64,
			ops: []op{
				{do: "next", cidr: "fd00:10:244::/64"},
				{do: "occupy", cidr: "fd00:10:244:1::/64"},
				{do: "next", cidr: "fd00:10:244:2::/64"},
			},
			wantUsed: 3,
		},
		{
			name: "last subnet of a large set", cluster: "10.0.0.0/8", mask: 24,
			ops: []op{
				{do: "occupy", cidr: "10.0.0.0/9"},
				{do: "occupy", cidr: "10.128.0.0/10"},
				{do: "occupy", cidr: "10.192.0.0/11"},
				{do: "next", cidr: "10.224.0.0/24"},
			},
			wantUsed: 1<<15 + 1<<14 + 1<<13 + 1,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := NewCIDRSet(netip.MustParsePrefix(tc.cluster), tc.mask)
			if err != nil {
				t.Fatal(err)
			}
			for i, o := range tc.ops {
				var got netip.Prefix
				var err error
				switch o.do {
				case "next":
					got, err = s.AllocateNext()
				case "occupy":
					err = s.Occupy(netip.MustParsePrefix(o.cidr))
				case "release":
					err = s.Release(netip.MustParsePrefix(o.cidr))
				}
				switch o.err {
				case "full":
					if !IsFull(err) {
						t.Fatalf("op %d %s: err = %v, want full", i, o.do, err)
					}
					continue
				case "outside":
					if !IsOutside(err) {
						t.Fatalf("op %d %s %s: err = %v, want outside", i, o.do, o.cidr, err)
					}
					continue
				}
				if err != nil {
					t.Fatalf("op %d %s %s: %v", i, o.do, o.cidr, err)
				}
				if o.do == "next" && got.String() != o.cidr {
					t.Fatalf("op %d: AllocateNext() = %v, want %s", i, got, o.cidr)
				}
			}
			if s.Used() != tc.wantUsed {
				t.Errorf("Used() = %d, want %d", s.Used(), tc.wantUsed)
			}
		})
	}
}
