package lab

import (
	"log/slog"
	"os"
	"strconv"
	"strings"

	"github.com/svcnet/svcnet/pkg/netnsutil"
)

// maxProcScan bounds the /proc walk of warnStrays.
const maxProcScan = 100000

// warnStrays logs processes that are still inside a lab namespace although
// Down has stopped the ones it started. Down does not stop them (it stops
// only what it started); their namespace lives on, detached from the lab's
// links' peers, until they exit.
func warnStrays(names []string, logger *slog.Logger) {
	inodes := make(map[string]string, len(names))
	for _, n := range names {
		if ino, err := netnsutil.Inode(netnsutil.NamedPath(n)); err == nil && netnsutil.IsNamespace(netnsutil.NamedPath(n)) {
			inodes["net:["+strconv.FormatUint(ino, 10)+"]"] = n
		}
	}
	if len(inodes) == 0 {
		return
	}
	dir, err := os.Open("/proc")
	if err != nil {
		return
	}
	defer dir.Close()
	entries, err := dir.Readdirnames(maxProcScan)
	if err != nil && len(entries) == 0 {
		return
	}
	for _, e := range entries {
		if _, err := strconv.Atoi(e); err != nil {
			continue
		}
		link, err := os.Readlink("/proc/" + e + "/ns/net")
		if err != nil {
			continue
		}
		if ns, ok := inodes[link]; ok {
			comm, _ := os.ReadFile("/proc/" + e + "/comm")
			logger.Warn("process not started by the lab is still in a lab namespace; not stopping it", "pid", e, "netns", ns, "comm", strings.TrimSpace(string(comm)))
		}
	}
}
