package workload

import (
	"encoding/json"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// udpAsk sends one datagram to the loopback port and returns the answer.
func udpAsk(t *testing.T, port int, msg string) (answer, local string) {
	t.Helper()
	conn, err := net.Dial("udp", net.JoinHostPort("127.0.0.1", itoa(port)))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(2 * time.Second))
	if _, err := conn.Write([]byte(msg)); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 2048)
	n, err := conn.Read(buf)
	if err != nil {
		t.Fatalf("UDP %q: %v", msg, err)
	}
	return string(buf[:n]), conn.LocalAddr().String()
}

func TestNetexec(t *testing.T) {
	hostname := mustHostname(t)
	httpPort, udpPort := freePort(t), freeUDPPort(t)
	w := startWorkload(t, httpPort, "registry.k8s.io/e2e-test-images/agnhost:2.53", "netexec",
		"--http-port="+itoa(httpPort), "--udp-port", itoa(udpPort))
	client := newClient(t)
	base := baseURL(httpPort)

	tests := []struct {
		path     string
		wantCode int
		want     string
	}{
		{"/hostname", 200, hostname},
		{"/hostName", 200, hostname},
		{"/echo?msg=hello%20world", 200, "hello world"},
		{"/echo?msg=teapot&code=418", 418, "teapot"},
		{"/healthz", 200, ""},
		{"/header?key=User-Agent", 200, "Go-http-client/1.1"},
		{"/dial?request=hostname&host=127.0.0.1&port=" + itoa(httpPort) + "&protocol=http&tries=2", 200,
			`{"responses":["` + hostname + `","` + hostname + `"]}` + "\n"},
		{"/dial?request=echo%20hi&host=127.0.0.1&port=" + itoa(udpPort) + "&protocol=udp", 200, `{"responses":["hi"]}` + "\n"},
		{"/dial?host=127.0.0.1&port=1", 400, "request parameter not specified.\n"},
		{"/dial?request=x&host=127.0.0.1&port=1&protocol=sctp", 400, "unsupported protocol. sctp\n"},
	}
	for _, tt := range tests {
		resp, body := get(t, client, http.MethodGet, base+tt.path, nil)
		if resp.StatusCode != tt.wantCode || body != tt.want {
			t.Errorf("GET %s = %d %q, want %d %q", tt.path, resp.StatusCode, body, tt.wantCode, tt.want)
		}
	}
	if _, body := get(t, client, http.MethodGet, base+"/", nil); !strings.HasPrefix(body, "NOW: ") {
		t.Errorf("GET / = %q, want NOW: <time>", body)
	}
	// /clientip over a fresh connection, whose local address is known.
	conn, err := net.Dial("tcp", net.JoinHostPort("127.0.0.1", itoa(httpPort)))
	if err != nil {
		t.Fatal(err)
	}
	tr := &http.Transport{Dial: func(string, string) (net.Conn, error) { return conn, nil }}
	defer tr.CloseIdleConnections()
	if _, body := get(t, &http.Client{Transport: tr}, http.MethodGet, base+"/clientip", nil); body != conn.LocalAddr().String() {
		t.Errorf("GET /clientip = %q, want %q", body, conn.LocalAddr())
	}
	// A dial to a closed port reports an error and still answers 200.
	_, body := get(t, client, http.MethodGet, base+"/dial?request=hostname&host=127.0.0.1&port="+itoa(freePort(t)), nil)
	var dial map[string][]string
	if err := json.Unmarshal([]byte(body), &dial); err != nil || len(dial["errors"]) != 1 || len(dial["responses"]) != 0 {
		t.Errorf("dial to a closed port = %q, want one error", body)
	}

	udpTests := []struct{ send, want string }{
		{"hostname", hostname},
		{"  HOSTNAME\n", hostname},
		{"echo Hello There", "hello there"},
	}
	for _, tt := range udpTests {
		if got, _ := udpAsk(t, udpPort, tt.send); got != tt.want {
			t.Errorf("UDP %q = %q, want %q", tt.send, got, tt.want)
		}
	}
	if got, local := udpAsk(t, udpPort, "clientip"); got != local {
		t.Errorf("UDP clientip = %q, want %q", got, local)
	}

	w.stop(t)
	if out := w.stdout.String(); !strings.Contains(out, `"GET /hostname HTTP/1.1" 200 `) || !strings.Contains(out, `UDP "hostname" from 127.0.0.1:`) {
		t.Errorf("stdout lacks access lines:\n%s", out)
	}
}

func TestNetexecExit(t *testing.T) {
	httpPort := freePort(t)
	w := startWorkload(t, httpPort, "netexec", "--http-port", itoa(httpPort), "--udp-port=-1")
	client := newClient(t)
	if resp, _ := get(t, client, http.MethodGet, baseURL(httpPort)+"/healthz", nil); resp.StatusCode != 200 {
		t.Errorf("/healthz without UDP = %d, want 200", resp.StatusCode)
	}
	if resp, _ := get(t, client, http.MethodGet, baseURL(httpPort)+"/exit?code=3&timeout=1s", nil); resp.StatusCode != 200 {
		t.Errorf("/exit = %d, want 200", resp.StatusCode)
	}
	w.wantExit(t, 3)
}

func TestNetexecDefaultsToAgentPorts(t *testing.T) {
	// The agent's --port values are served besides --http-port.
	httpPort, extra := freePort(t), freePort(t)
	w := startWorkload(t, extra, "netexec", "--port", itoa(extra), "--http-port", itoa(httpPort), "--udp-port", "-1")
	client := newClient(t)
	for _, port := range []int{httpPort, extra} {
		if _, body := get(t, client, http.MethodGet, baseURL(port)+"/echo?msg=ok", nil); body != "ok" {
			t.Errorf(":%d/echo = %q, want ok", port, body)
		}
	}
	w.stop(t)
}
