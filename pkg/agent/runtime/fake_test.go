package runtime

import (
	"context"
	"errors"
	"net/netip"
	"strings"
	"testing"
	"time"
)

func TestFakeSandboxes(t *testing.T) {
	ctx := context.Background()
	cidr := netip.MustParsePrefix("10.244.3.0/29") // pods .2 .. .6
	tests := []struct {
		name string
		run  func(t *testing.T, f *Fake)
	}{
		{"distinct IPs, lowest first", func(t *testing.T, f *Fake) {
			a := mustRun(t, f, "a")
			b := mustRun(t, f, "b")
			if a.IP.String() != "10.244.3.2" || b.IP.String() != "10.244.3.3" {
				t.Errorf("IPs = %s, %s", a.IP, b.IP)
			}
		}},
		{"run is idempotent", func(t *testing.T, f *Fake) {
			a := mustRun(t, f, "a")
			if again := mustRun(t, f, "a"); again != a {
				t.Errorf("second run = %+v, want %+v", again, a)
			}
			if l, _ := f.ListSandboxes(ctx); len(l) != 1 {
				t.Errorf("%d sandboxes, want 1", len(l))
			}
		}},
		{"removal frees the IP and is idempotent", func(t *testing.T, f *Fake) {
			a := mustRun(t, f, "a")
			mustRun(t, f, "b")
			for range 2 {
				if err := f.RemovePodSandbox(ctx, "a"); err != nil {
					t.Fatal(err)
				}
			}
			if c := mustRun(t, f, "c"); c.IP != a.IP {
				t.Errorf("c got %s, want the freed %s", c.IP, a.IP)
			}
		}},
		{"pool exhaustion", func(t *testing.T, f *Fake) {
			for _, u := range []string{"1", "2", "3", "4", "5"} {
				mustRun(t, f, u)
			}
			_, err := f.RunPodSandbox(ctx, SandboxConfig{UID: "6"})
			if !IsPoolExhausted(err) {
				t.Errorf("sixth pod: %v, want pool exhausted", err)
			}
		}},
		{"hostPort conflict", func(t *testing.T, f *Fake) {
			if _, err := f.RunPodSandbox(ctx, SandboxConfig{UID: "a", Namespace: "ns", Name: "web", HostPorts: []string{"TCP/8080"}}); err != nil {
				t.Fatal(err)
			}
			_, err := f.RunPodSandbox(ctx, SandboxConfig{UID: "b", HostPorts: []string{"8080/tcp"}})
			if err == nil || !strings.Contains(err.Error(), "hostPort 8080/TCP is already in use on this node") {
				t.Errorf("conflict error = %v", err)
			}
			if _, err := f.RunPodSandbox(ctx, SandboxConfig{UID: "c", HostPorts: []string{"UDP/8080"}}); err != nil {
				t.Errorf("UDP on the same number: %v", err)
			}
			_ = f.RemovePodSandbox(ctx, "a")
			if _, err := f.RunPodSandbox(ctx, SandboxConfig{UID: "b", HostPorts: []string{"TCP/8080"}}); err != nil {
				t.Errorf("after removal: %v", err)
			}
		}},
		{"injected error changes nothing", func(t *testing.T, f *Fake) {
			boom := errors.New("boom")
			f.InjectError("RunPodSandbox", boom)
			if _, err := f.RunPodSandbox(ctx, SandboxConfig{UID: "a"}); !errors.Is(err, boom) {
				t.Fatalf("err = %v", err)
			}
			if a := mustRun(t, f, "a"); a.IP.String() != "10.244.3.2" {
				t.Errorf("after the injected failure got %s", a.IP)
			}
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { tc.run(t, NewFake(cidr)) })
	}
}

func TestFakeContainers(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	newFake := func(t *testing.T) *Fake {
		f := NewFake(netip.MustParsePrefix("10.244.0.0/24"))
		f.SetClock(func() time.Time { return now })
		mustRun(t, f, "p")
		return f
	}
	start := func(t *testing.T, f *Fake, name string) ContainerState {
		t.Helper()
		st, err := f.StartContainer(ctx, "p", ContainerConfig{Name: name, Argv: []string{"x"}})
		if err != nil {
			t.Fatal(err)
		}
		return st
	}
	tests := []struct {
		name string
		run  func(t *testing.T, f *Fake)
		want string // Dump
	}{
		{"start", func(t *testing.T, f *Fake) { start(t, f, "c") },
			"container p/c running=true exit=0 restarts=0"},
		{"start twice returns the running one", func(t *testing.T, f *Fake) {
			a, b := start(t, f, "c"), start(t, f, "c")
			if a != b {
				t.Errorf("%+v != %+v", a, b)
			}
		}, "container p/c running=true exit=0 restarts=0"},
		{"stop exits 143, twice is fine", func(t *testing.T, f *Fake) {
			start(t, f, "c")
			for range 2 {
				if err := f.StopContainer(ctx, "p", "c", time.Second); err != nil {
					t.Fatal(err)
				}
			}
		}, "container p/c running=false exit=143 restarts=0"},
		{"exit then restart", func(t *testing.T, f *Fake) {
			start(t, f, "c")
			if err := f.ExitContainer("p", "c", 3); err != nil {
				t.Fatal(err)
			}
			if st := start(t, f, "c"); st.Restarts != 1 || !st.Running {
				t.Errorf("restart = %+v", st)
			}
		}, "container p/c running=true exit=0 restarts=1"},
		{"killed sandbox", func(t *testing.T, f *Fake) {
			start(t, f, "c")
			_ = f.KillSandbox("p")
			if _, err := f.StartContainer(ctx, "p", ContainerConfig{Name: "d", Argv: []string{"x"}}); !IsSandboxNotRunning(err) {
				t.Errorf("start in a dead sandbox: %v", err)
			}
			if _, err := f.Exec(ctx, "p", "", []string{"x"}, ExecOptions{}); !IsSandboxNotRunning(err) {
				t.Errorf("exec in a dead sandbox: %v", err)
			}
			mustRun(t, f, "p") // repair
		}, "container p/c running=false exit=255 restarts=0"},
		{"unknown sandbox", func(t *testing.T, f *Fake) {
			if _, err := f.StartContainer(ctx, "nope", ContainerConfig{Name: "c", Argv: []string{"x"}}); !IsNotFound(err) {
				t.Errorf("start: %v", err)
			}
			if err := f.StopContainer(ctx, "nope", "c", 0); err != nil {
				t.Errorf("stop: %v", err)
			}
		}, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFake(t)
			tc.run(t, f)
			var got []string
			for _, l := range strings.Split(f.Dump(), "\n") {
				if strings.HasPrefix(l, "container") {
					got = append(got, l)
				}
			}
			if g := strings.Join(got, "\n"); g != tc.want {
				t.Errorf("state:\n%s\nwant:\n%s", g, tc.want)
			}
		})
	}
}

func TestFakeExec(t *testing.T) {
	ctx := context.Background()
	f := NewFake(netip.MustParsePrefix("10.244.0.0/24"))
	mustRun(t, f, "p")
	if code, err := f.Exec(ctx, "p", "", []string{"true"}, ExecOptions{}); code != 0 || err != nil {
		t.Errorf("default exec = %d, %v", code, err)
	}
	f.SetExecFunc(func(uid, c string, argv []string, o ExecOptions) (int, error) {
		_, _ = o.Stdout.Write([]byte(strings.Join(argv, " ")))
		return 7, nil
	})
	var out strings.Builder
	if code, err := f.Exec(ctx, "p", "", []string{"echo", "hi"}, ExecOptions{Stdout: &out}); code != 7 || err != nil || out.String() != "echo hi" {
		t.Errorf("exec = %d, %v, %q", code, err, out.String())
	}
	if _, err := f.Exec(ctx, "p", "missing", []string{"x"}, ExecOptions{}); !IsNotFound(err) {
		t.Errorf("exec in a missing container: %v", err)
	}
	if _, err := f.Exec(ctx, "q", "", []string{"x"}, ExecOptions{}); !IsNotFound(err) {
		t.Errorf("exec in a missing pod: %v", err)
	}
}

func mustRun(t *testing.T, f *Fake, uid string) PodNetwork {
	t.Helper()
	n, err := f.RunPodSandbox(context.Background(), SandboxConfig{UID: uid, Namespace: "default", Name: "pod-" + uid})
	if err != nil {
		t.Fatalf("RunPodSandbox(%s): %v", uid, err)
	}
	return n
}
