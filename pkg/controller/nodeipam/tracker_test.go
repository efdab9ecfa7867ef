package nodeipam

import (
	"net/netip"
	"testing"
)

func TestTracker(t *testing.T) {
	type step struct {
		node     string
		podCIDRs []string // the node's spec; nil = none
		deleted  bool
		want     string // the CIDR to write, "" for none
		wantErr  bool
	}
	for _, tc := range []struct {
		name  string
		mask  int
		steps []step
	}{
		{
			name: "nodes get successive subnets and keep them",
			steps: []step{
				{node: "a", want: "10.244.0.0/24"},
				{node: "b", want: "10.244.1.0/24"},
				// The cache has not seen the write yet: same answer, no new allocation.
				{node: "a", want: "10.244.0.0/24"},
				{node: "a", podCIDRs: []string{"10.244.0.0/24"}},
				{node: "c", want: "10.244.2.0/24"},
			},
		},
		{
			name: "delete releases, lowest free is reused",
			steps: []step{
				{node: "a", want: "10.244.0.0/24"},
				{node: "b", want: "10.244.1.0/24"},
				{node: "a", deleted: true},
				{node: "c", want: "10.244.0.0/24"},
				{node: "d", want: "10.244.2.0/24"},
			},
		},
		{
			name: "existing podCIDRs are honoured",
			steps: []step{
				{node: "old", podCIDRs: []string{"10.244.0.0/24"}},
				{node: "old2", podCIDRs: []string{"10.244.2.0/24"}},
				{node: "new", want: "10.244.1.0/24"},
				{node: "new2", want: "10.244.3.0/24"},
			},
		},
		{
			name: "podCIDR outside the cluster CIDR is left alone",
			steps: []step{
				{node: "manual", podCIDRs: []string{"192.168.7.0/24"}},
				{node: "new", want: "10.244.0.0/24"},
				{node: "manual", deleted: true},
				{node: "new2", want: "10.244.1.0/24"},
			},
		},
		{
			name: "changed podCIDR frees the old subnet",
			steps: []step{
				{node: "a", want: "10.244.0.0/24"},
				{node: "a", podCIDRs: []string{"10.244.5.0/24"}},
				{node: "b", want: "10.244.0.0/24"},
			},
		},
		{
			name: "invalid podCIDR",
			steps: []step{
				{node: "bad", podCIDRs: []string{"not-a-cidr"}, wantErr: true},
				{node: "a", want: "10.244.0.0/24"},
			},
		},
		{
			name: "full range, then a release",
			mask: 17,
			steps: []step{
				{node: "a", want: "10.244.0.0/17"},
				{node: "b", want: "10.244.128.0/17"},
				{node: "c", wantErr: true},
				{node: "b", deleted: true},
				{node: "c", want: "10.244.128.0/17"},
			},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			mask := tc.mask
			if mask == 0 {
				mask = 24
			}
			set, err := NewCIDRSet(netip.MustParsePrefix("10.244.0.0/16"), mask)
			if err != nil {
				t.Fatal(err)
			}
			tr := newTracker(set)
			for i, s := range tc.steps {
				if s.deleted {
					tr.release(s.node)
					continue
				}
				d, err := tr.assign(s.node, s.podCIDRs)
				if (err != nil) != s.wantErr {
					t.Fatalf("step %d (%s): err = %v, wantErr %v", i, s.node, err, s.wantErr)
				}
				got := ""
				if d.Write {
					got = d.CIDR.String()
				}
				if got != s.want {
					t.Fatalf("step %d (%s): write %q, want %q", i, s.node, got, s.want)
				}
			}
		})
	}
}
