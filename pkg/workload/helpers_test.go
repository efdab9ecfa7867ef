package workload

import (
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"os"
	"strconv"
	"sync"
	"testing"
	"time"
)

// syncBuffer is a bytes.Buffer safe for the workload and the test to use
// at once.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// running is a workload started by startWorkload.
type running struct {
	stdout, stderr *syncBuffer
	cancel         context.CancelFunc
	done           chan int
}

// freePort returns a loopback TCP port that was free a moment ago.
func freePort(t testing.TB) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("finding a free port: %v", err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// freeUDPPort returns a loopback UDP port that was free a moment ago.
func freeUDPPort(t testing.TB) int {
	t.Helper()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("finding a free UDP port: %v", err)
	}
	defer pc.Close()
	return pc.LocalAddr().(*net.UDPAddr).Port
}

// startWorkload runs Main on loopback with argv (after the name, which
// comes first) in a goroutine, and waits until waitPort accepts TCP
// connections (0: do not wait). The test's cleanup stops it if the test
// did not.
func startWorkload(t testing.TB, waitPort int, argv ...string) *running {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	r := &running{stdout: &syncBuffer{}, stderr: &syncBuffer{}, cancel: cancel, done: make(chan int, 1)}
	args := append([]string{argv[0], "--address", "127.0.0.1"}, argv[1:]...)
	go func() { r.done <- Main(ctx, args, r.stdout, r.stderr) }()
	t.Cleanup(func() {
		cancel()
		select {
		case <-r.done:
		case <-time.After(5 * time.Second):
			t.Errorf("workload %v did not stop", argv)
		}
	})
	if waitPort == 0 {
		return r
	}
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(waitPort))
	deadline := time.Now().Add(5 * time.Second)
	for {
		select {
		case code := <-r.done:
			r.done <- code
			t.Fatalf("workload %v exited with %d before serving; stderr: %s", argv, code, r.stderr)
		default:
		}
		conn, err := net.DialTimeout("tcp", addr, 100*time.Millisecond)
		if err == nil {
			conn.Close()
			return r
		}
		if time.Now().After(deadline) {
			t.Fatalf("workload %v never listened on %s: %v", argv, addr, err)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// stop cancels the workload and checks that it exits 0 within a second.
func (r *running) stop(t testing.TB) {
	t.Helper()
	r.cancel()
	r.wantExit(t, 0)
}

// wantExit checks that the workload exits with code within a second.
func (r *running) wantExit(t testing.TB, code int) {
	t.Helper()
	select {
	case got := <-r.done:
		r.done <- got // let the cleanup see it too
		if got != code {
			t.Errorf("exit code = %d, want %d; stderr: %s", got, code, r.stderr)
		}
	case <-time.After(time.Second):
		t.Fatalf("workload did not exit within 1s")
	}
}

// get fetches url and returns the response and its body.
func get(t testing.TB, client *http.Client, method, url string, body io.Reader) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, body)
	if err != nil {
		t.Fatalf("building request: %v", err)
	}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("reading %s: %v", url, err)
	}
	return resp, string(b)
}

// baseURL is http://127.0.0.1:port.
func baseURL(port int) string { return "http://127.0.0.1:" + strconv.Itoa(port) }

// newClient returns a keep-alive HTTP client that the test's cleanup
// closes.
func newClient(t testing.TB) *http.Client {
	tr := &http.Transport{}
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr, Timeout: 5 * time.Second}
}

// itoa formats a port for argv.
func itoa(i int) string { return strconv.Itoa(i) }

// mustHostname returns this machine's host name.
func mustHostname(t testing.TB) string {
	t.Helper()
	h, err := os.Hostname()
	if err != nil {
		t.Fatalf("hostname: %v", err)
	}
	return h
}
