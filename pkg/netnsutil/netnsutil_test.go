package netnsutil

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"io"
	"io/fs"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// requireNetns skips the test unless it runs as root on Linux, where it can
// create network namespaces.
func requireNetns(t *testing.T) {
	t.Helper()
	if runtime.GOOS != "linux" {
		t.Skipf("network namespaces need Linux, not %s", runtime.GOOS)
	}
	if os.Geteuid() != 0 {
		t.Skip("network namespaces need root; run the tests as root to exercise them")
	}
}

// newNamed creates a uniquely named namespace and deletes it when the test
// ends, even when it fails.
func newNamed(t *testing.T) (name, path string) {
	t.Helper()
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	name = "nsu" + hex.EncodeToString(b)
	if err := CreateNamed(name); err != nil {
		t.Skipf("cannot create a network namespace here: %v", err)
	}
	t.Cleanup(func() {
		if err := DeleteNamed(name); err != nil {
			t.Errorf("cleanup: %v", err)
		}
	})
	return name, NamedPath(name)
}

func selfNS(t *testing.T) uint64 {
	t.Helper()
	ino, err := Inode("/proc/thread-self/ns/net")
	if err != nil {
		t.Fatal(err)
	}
	return ino
}

func TestCreateDoDelete(t *testing.T) {
	requireNetns(t)
	host := selfNS(t)
	_, path := newNamed(t)
	if !IsNamespace(path) {
		t.Fatalf("%s is not a namespace pin", path)
	}
	want, err := Inode(path)
	if err != nil {
		t.Fatal(err)
	}
	if want == host {
		t.Fatal("new namespace has the host's inode")
	}
	var got uint64
	if err := Do(path, func() error {
		var err error
		got, err = Inode("/proc/thread-self/ns/net")
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if got != want {
		t.Fatalf("inside Do: namespace inode %d, want %d", got, want)
	}
	if sentinel := errors.New("x"); !errors.Is(Do(path, func() error { return sentinel }), sentinel) {
		t.Fatal("Do does not return fn's error")
	}
	// Many goroutines on many threads: none of them may have been left in
	// the lab namespace by Do.
	var wg sync.WaitGroup
	for range 200 {
		wg.Add(2)
		go func() { defer wg.Done(); _ = Do(path, func() error { return nil }) }()
		go func() {
			defer wg.Done()
			runtime.LockOSThread()
			defer runtime.UnlockOSThread()
			if ino, err := Inode("/proc/thread-self/ns/net"); err != nil || ino != host {
				t.Errorf("a thread outside Do is in namespace %d (err %v), want host %d", ino, err, host)
			}
		}()
	}
	wg.Wait()
	// The process's main thread may have run some of those Do calls; it must
	// be back in the host namespace (the runtime parks it instead of ending
	// it, so it would otherwise stay in the lab namespace for good).
	if ino, err := Inode("/proc/self/ns/net"); err != nil || ino != host {
		t.Fatalf("the main thread is in namespace %d (err %v), want host %d", ino, err, host)
	}

	if err := CreateNamed(filepath.Base(path)); !errors.Is(err, fs.ErrExist) {
		t.Fatalf("CreateNamed on an existing name: %v, want ErrExist", err)
	}
	if err := Delete(path); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("after Delete: %v", err)
	}
	if err := Delete(path); err != nil {
		t.Fatalf("second Delete: %v", err)
	}
}

func TestDeleteRefusesNonNamespace(t *testing.T) {
	dir := t.TempDir()
	f := filepath.Join(dir, "notns")
	if err := os.WriteFile(f, []byte("data"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{f, dir} {
		if err := Delete(p); err == nil {
			t.Errorf("Delete(%s) succeeded on a non-namespace", p)
		}
	}
	stale := filepath.Join(dir, "stale")
	if err := os.WriteFile(stale, nil, 0o444); err != nil {
		t.Fatal(err)
	}
	if err := Delete(stale); err != nil {
		t.Errorf("Delete of a stale empty pin: %v", err)
	}
}

func TestNames(t *testing.T) {
	for _, tc := range []struct {
		name string
		ok   bool
	}{
		{"svcnet-node1", true},
		{"", false},
		{".", false},
		{"..", false},
		{"a/b", false},
		{strings.Repeat("a", 256), false},
	} {
		if got := ValidName(tc.name); got != tc.ok {
			t.Errorf("ValidName(%q) = %v, want %v", tc.name, got, tc.ok)
		}
	}
}

func TestSysctlKeys(t *testing.T) {
	for _, tc := range []struct {
		key, path string
	}{
		{"net.ipv4.ip_forward", "/proc/sys/net/ipv4/ip_forward"},
		{"kernel.pid_max", ""},
		{"vm.swappiness", ""},
		{"net.ipv4/../../kernel", ""},
	} {
		got, err := sysctlPath(tc.key)
		if (err == nil) != (tc.path != "") || got != tc.path {
			t.Errorf("sysctlPath(%q) = %q, %v; want %q", tc.key, got, err, tc.path)
		}
	}
}

func TestSysctlIsPerNamespace(t *testing.T) {
	requireNetns(t)
	_, path := newNamed(t)
	const key = "net.ipv4.ip_forward"
	hostBefore, err := os.ReadFile("/proc/sys/net/ipv4/ip_forward")
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range []string{"1", "0", "1"} {
		if err := SetSysctls(path, []Sysctl{{key, v}}); err != nil {
			t.Fatal(err)
		}
		if got, err := GetSysctl(path, key); err != nil || got != v {
			t.Fatalf("GetSysctl = %q, %v; want %q", got, err, v)
		}
	}
	hostAfter, _ := os.ReadFile("/proc/sys/net/ipv4/ip_forward")
	if string(hostBefore) != string(hostAfter) {
		t.Fatalf("host ip_forward changed from %q to %q", hostBefore, hostAfter)
	}
	if err := SetSysctls(path, []Sysctl{{"kernel.hostname", "x"}}); err == nil {
		t.Fatal("a non-net sysctl was accepted")
	}
}

func TestSocketsStayInNamespace(t *testing.T) {
	requireNetns(t)
	_, path := newNamed(t)
	h, err := Handle(path)
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	lo, err := h.LinkByName("lo")
	if err != nil {
		t.Fatal(err)
	}
	if err := h.LinkSetUp(lo); err != nil {
		t.Fatal(err)
	}
	ln, err := Listen(path, "tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			_, _ = io.WriteString(c, "hello from the namespace")
			c.Close()
		}
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, err := Dial(ctx, path, "tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(c)
	c.Close()
	if string(b) != "hello from the namespace" {
		t.Fatalf("read %q", b)
	}
	// The same loopback address from the host's namespace is another socket
	// space: nothing listens there on that port (unless by coincidence, in
	// which case we would not read our greeting).
	var d net.Dialer
	if hc, err := d.DialContext(ctx, "tcp", ln.Addr().String()); err == nil {
		b, _ := io.ReadAll(hc)
		hc.Close()
		if string(b) == "hello from the namespace" {
			t.Fatal("the namespace listener is reachable from the host namespace")
		}
	}
	if _, err := Dial(ctx, path, "tcp", "localhost:80"); err == nil {
		t.Fatal("Dial accepted a host name")
	}
}

func TestStartCommand(t *testing.T) {
	requireNetns(t)
	_, path := newNamed(t)
	want, _ := Inode(path)
	cmd := exec.Command("readlink", "/proc/self/ns/net")
	var out strings.Builder
	cmd.Stdout = &out
	if err := StartCommand(path, cmd); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Wait(); err != nil {
		t.Fatal(err)
	}
	if got := strings.TrimSpace(out.String()); !strings.Contains(got, "net:[") || !strings.Contains(got, strconv.FormatUint(want, 10)) {
		t.Fatalf("child is in %q, want inode %d", got, want)
	}
}
