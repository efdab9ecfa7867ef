package workload

import (
	"context"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestMainUsageErrors(t *testing.T) {
	tests := []struct {
		name string
		argv []string
		want []string
	}{
		{name: "no name", argv: nil, want: append([]string{"usage: svcnet workload"}, Names()...)},
		{name: "unknown workload", argv: []string{"redis:7"}, want: append([]string{`unknown workload "redis:7"`}, Names()...)},
		{name: "missing flag value", argv: []string{"nginx", "--port"}, want: []string{"flag --port needs a value"}},
		{name: "bad port", argv: []string{"httpd", "--port", "99999"}, want: []string{"out of range"}},
		{name: "bad address", argv: []string{"whoami", "--address", "localhost"}, want: []string{"not an IP address"}},
		{name: "serve-hostname http and tcp", argv: []string{"serve-hostname", "--http", "--tcp"}, want: []string{"at the same time"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stderr strings.Builder
			code := Main(context.Background(), tt.argv, io.Discard, &stderr)
			if code != exitUsage {
				t.Errorf("Main(%q) = %d, want %d", tt.argv, code, exitUsage)
			}
			for _, w := range tt.want {
				if !strings.Contains(stderr.String(), w) {
					t.Errorf("stderr %q lacks %q", stderr.String(), w)
				}
			}
		})
	}
}

func TestMainPortInUse(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	var stderr strings.Builder
	port := itoa(ln.Addr().(*net.TCPAddr).Port)
	code := Main(context.Background(), []string{"nginx", "--address", "127.0.0.1", "--port", port}, io.Discard, &stderr)
	if code != exitFailed || !strings.Contains(stderr.String(), "address already in use") {
		t.Errorf("Main on a busy port = %d, stderr %q; want %d and the listen error", code, stderr.String(), exitFailed)
	}
}

func TestSleep(t *testing.T) {
	t.Run("until cancelled", func(t *testing.T) {
		w := startWorkload(t, 0, "busybox", "sleep", "infinity")
		select {
		case code := <-w.done:
			t.Fatalf("sleep exited early with %d", code)
		case <-time.After(100 * time.Millisecond):
		}
		w.stop(t)
	})
	t.Run("for a while", func(t *testing.T) {
		start := time.Now()
		code := Main(context.Background(), []string{"sleep", "--port", "80", "sleep", "0.05"}, io.Discard, io.Discard)
		if code != 0 || time.Since(start) < 50*time.Millisecond {
			t.Errorf("sleep 0.05 = %d after %v, want 0 after 50ms", code, time.Since(start))
		}
	})
}

func TestMainStopsOnSIGTERM(t *testing.T) {
	// Catch SIGTERM in the test too, so that a signal sent before Main
	// listens for it cannot kill the test binary.
	sigs := make(chan os.Signal, 16)
	signal.Notify(sigs, syscall.SIGTERM)
	defer signal.Stop(sigs)

	done := make(chan int, 1)
	go func() { done <- Main(context.Background(), []string{"sleep"}, io.Discard, io.Discard) }()
	for range 100 {
		if err := syscall.Kill(os.Getpid(), syscall.SIGTERM); err != nil {
			t.Fatal(err)
		}
		select {
		case code := <-done:
			if code != 0 {
				t.Errorf("Main after SIGTERM = %d, want 0", code)
			}
			return
		case <-time.After(20 * time.Millisecond):
		}
	}
	t.Fatal("Main did not stop on SIGTERM")
}

func TestGracefulShutdownFinishesRequests(t *testing.T) {
	port := freePort(t)
	w := startWorkload(t, port, "whoami", "--port", itoa(port))
	type result struct {
		body string
		err  error
	}
	res := make(chan result, 1)
	go func() {
		resp, err := http.Get(baseURL(port) + "/?wait=300ms")
		if err != nil {
			res <- result{err: err}
			return
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		res <- result{string(b), err}
	}()
	time.Sleep(100 * time.Millisecond) // let the request arrive
	w.cancel()
	r := <-res
	if r.err != nil || !strings.HasPrefix(r.body, "Hostname: ") {
		t.Errorf("in-flight request = %q, %v; want a whoami answer", r.body, r.err)
	}
	w.wantExit(t, 0)
	if _, err := net.DialTimeout("tcp", net.JoinHostPort("127.0.0.1", itoa(port)), time.Second); err == nil {
		t.Error("port still accepts connections after shutdown")
	}
}

func TestServeHostnameRaw(t *testing.T) {
	hostname := mustHostname(t)
	port := freePort(t)
	w := startWorkload(t, port, "serve-hostname", "--port", itoa(port), "--tcp", "--udp")
	conn, err := net.Dial("tcp", net.JoinHostPort("127.0.0.1", itoa(port)))
	if err != nil {
		t.Fatal(err)
	}
	conn.SetDeadline(time.Now().Add(2 * time.Second))
	b, err := io.ReadAll(conn)
	conn.Close()
	if err != nil || string(b) != hostname {
		t.Errorf("TCP answer = %q, %v; want %q", b, err, hostname)
	}
	if got, _ := udpAsk(t, port, "x"); got != hostname {
		t.Errorf("UDP answer = %q, want %q", got, hostname)
	}
	w.stop(t)
}
