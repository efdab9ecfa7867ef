//go:build linux

package runtime

import (
	"slices"
	"strings"
	"testing"
)

func TestNSFSMountPoints(t *testing.T) {
	info := `22 1 0:21 / / rw,relatime shared:1 - ext4 /dev/vda rw
500 30 0:4 net:[4026532281] /run/netns/svcnet-node1 rw shared:300 - nsfs nsfs rw
501 30 0:4 net:[4026532282] /run/netns/with\040space rw - nsfs nsfs rw
35 22 0:5 / /proc rw,nosuid - proc proc rw
`
	got, err := nsfsMountPoints(strings.NewReader(info))
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"/run/netns/svcnet-node1", "/run/netns/with space"}
	if !slices.Equal(got, want) {
		t.Errorf("nsfsMountPoints = %q, want %q", got, want)
	}
}

// TestPauseMainRefusesOutsideASandbox: run directly (not PID 1 of a new
// PID namespace) the pause process must refuse before mounting anything,
// or it would change the node's own /etc.
func TestPauseMainRefusesOutsideASandbox(t *testing.T) {
	if code := PauseMain([]string{"--hostname", "evil", "--resolv", "/dev/null"}); code == 0 {
		t.Fatal("PauseMain ran outside a sandbox")
	}
	if code := PauseMain([]string{"--no-such-flag"}); code != 2 {
		t.Errorf("bad flag: exit %d, want 2", code)
	}
}
