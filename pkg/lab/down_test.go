package lab

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/svcnet/svcnet/pkg/netnsutil"
)

// TestDownAfterCrash stops Up at several points as if its process had died,
// then removes the lab from its run directory alone.
func TestDownAfterCrash(t *testing.T) {
	requireLab(t)
	for _, tc := range []struct {
		name        string
		crashAt     string
		wantNSBuilt int
	}{
		{"after the first namespace", "namespace router", 1},
		{"after all namespaces", "namespace node2", 4},
		{"halfway through the links", "link node1", 4},
		{"after wiring, before ready", "wired", 4},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := testConfig(t, 2)
			cleanupLab(t, c)
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			_, err := up(ctx, c, func(step string) error {
				if step == tc.crashAt {
					return errCrash
				}
				return nil
			})
			if !errors.Is(err, errCrash) {
				t.Fatalf("up = %v, want the simulated crash", err)
			}
			if got := labNamespaces(t, c.Name); len(got) != tc.wantNSBuilt {
				t.Fatalf("after the crash %d namespaces exist (%v), want %d", len(got), got, tc.wantNSBuilt)
			}
			if _, err := Load(c.RunDir, nil); err == nil || !strings.Contains(err.Error(), "incomplete") {
				t.Fatalf("Load of a crashed lab: %v, want an incomplete-lab error", err)
			}
			if _, err := Up(ctx, c); !errors.Is(err, fs.ErrExist) {
				t.Fatalf("Up over a crashed lab: %v, want ErrExist", err)
			}
			if err := Down(ctx, c.RunDir, c.Logger); err != nil {
				t.Fatal(err)
			}
			if got := labNamespaces(t, c.Name); len(got) != 0 {
				t.Fatalf("after Down: %v", got)
			}
		})
	}
}

// TestUpFailureCleansUp makes Up fail (not crash) halfway and checks that it
// removed what it had made.
func TestUpFailureCleansUp(t *testing.T) {
	requireLab(t)
	c := testConfig(t, 2)
	cleanupLab(t, c)
	boom := errors.New("boom")
	_, err := up(context.Background(), c, func(step string) error {
		if step == "link outside" {
			return boom
		}
		return nil
	})
	if !errors.Is(err, boom) {
		t.Fatalf("up = %v, want boom", err)
	}
	if got := labNamespaces(t, c.Name); len(got) != 0 {
		t.Fatalf("a failed Up left %v", got)
	}
	if _, err := os.Stat(statePath(c.RunDir)); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("a failed Up left its state: %v", err)
	}
}

// TestUpRefuses checks that Up never takes over an existing lab or a
// namespace it did not create, and that Down then leaves those alone.
func TestUpRefuses(t *testing.T) {
	requireLab(t)
	ctx := context.Background()
	l := upLab(t, 1)
	c := &Config{Name: l.Name(), Nodes: 1, RunDir: l.RunDir()}
	if _, err := Up(ctx, c); !errors.Is(err, fs.ErrExist) {
		t.Fatalf("second Up of the same lab: %v, want ErrExist", err)
	}
	if got := labNamespaces(t, l.Name()); len(got) != 3 {
		t.Fatalf("the first lab lost namespaces: %v", got)
	}

	// A namespace with one of the lab's names, made by someone else.
	c2 := testConfig(t, 2)
	foreign := c2.Name + "-node2"
	if err := netnsutil.CreateNamed(foreign); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = netnsutil.DeleteNamed(foreign) })
	_, err := Up(ctx, c2)
	if !errors.Is(err, fs.ErrExist) || !strings.Contains(err.Error(), foreign) {
		t.Fatalf("Up over a foreign namespace: %v, want ErrExist naming %s", err, foreign)
	}
	if _, err := os.Stat(c2.RunDir); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("a refused Up left its run directory: %v", err)
	}
	if err := Down(ctx, c2.RunDir, nil); err != nil {
		t.Fatal(err)
	}
	if !netnsutil.IsNamespace(netnsutil.NamedPath(foreign)) {
		t.Fatal("the foreign namespace was deleted")
	}
}

// TestStartAndDown starts processes in nodes, drops the Lab as a crashed CLI
// would, and checks that Down from the run directory stops them (and their
// children) and removes the namespaces.
func TestStartAndDown(t *testing.T) {
	requireLab(t)
	ctx := context.Background()
	l := upLab(t, 2)
	runDir, name := l.RunDir(), l.Name()
	logDir := t.TempDir()
	childPIDFile := filepath.Join(logDir, "child.pid")

	pid1, err := l.Start(ctx, "node1", []string{"sleep", "600"}, filepath.Join(logDir, "node1.log"))
	if err != nil {
		t.Fatal(err)
	}
	// A shell whose child ignores nothing but lives in the same process
	// group: Down signals the group.
	script := "sleep 600 & echo $! > " + childPIDFile + "; echo started; wait"
	pid2, err := l.Start(ctx, "node2", []string{"sh", "-c", script}, filepath.Join(logDir, "node2.log"))
	if err != nil {
		t.Fatal(err)
	}
	// A process that ignores SIGTERM: Down must escalate to SIGKILL.
	pid3, err := l.Start(ctx, "outside", []string{"sh", "-c", "trap '' TERM; sleep 600 & wait; sleep 600"}, "")
	if err != nil {
		t.Fatal(err)
	}
	for pid, ns := range map[int]string{pid1: "node1", pid2: "node2", pid3: "outside"} {
		want, _ := l.Namespace(ns)
		wantIno, _ := netnsutil.Inode(want.Path)
		if got, err := netnsutil.Inode("/proc/" + strconv.Itoa(pid) + "/ns/net"); err != nil || got != wantIno {
			t.Errorf("process %d is in namespace %d (%v), want %s (%d)", pid, got, err, ns, wantIno)
		}
	}
	child := waitForPIDFile(t, childPIDFile)
	l = nil // the CLI that started the lab is gone

	start := time.Now()
	if err := Down(ctx, runDir, nil); err != nil {
		t.Fatal(err)
	}
	t.Logf("Down with 3 processes (one ignoring SIGTERM) took %v", time.Since(start))
	for _, pid := range []int{pid1, pid2, pid3, child} {
		if st, err := readProcStat(pid); err == nil && st.State != 'Z' {
			t.Errorf("process %d survived Down (state %c)", pid, st.State)
		}
	}
	if got := labNamespaces(t, name); len(got) != 0 {
		t.Fatalf("namespaces left: %v", got)
	}
}

// TestDownSkipsReusedPID checks that Down does not signal a PID whose start
// time differs from the recorded one.
func TestDownSkipsReusedPID(t *testing.T) {
	requireLab(t)
	l := upLab(t, 1)
	self, err := readProcStat(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	unlock, err := lockRunDir(l.RunDir(), false)
	if err != nil {
		t.Fatal(err)
	}
	st, err := readState(l.RunDir())
	if err != nil {
		t.Fatal(err)
	}
	// This very test process, recorded with a wrong start time: were Down
	// to signal it, the test would die.
	st.Processes = append(st.Processes, process{PID: os.Getpid(), StartTime: self.StartTime + 1, Command: []string{"reused"}})
	if err := writeState(l.RunDir(), st); err != nil {
		t.Fatal(err)
	}
	unlock()
	if err := l.Down(context.Background()); err != nil {
		t.Fatal(err)
	}
}

func waitForPIDFile(t *testing.T, path string) int {
	t.Helper()
	for range 250 { // 5 s
		if b, err := os.ReadFile(path); err == nil && strings.HasSuffix(string(b), "\n") {
			pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
			if err != nil {
				t.Fatal(err)
			}
			return pid
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("%s never appeared", path)
	return 0
}
