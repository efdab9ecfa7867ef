package workload

import (
	"bufio"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// fakeHost answers fixed facts.
func fakeHost() host {
	return host{
		hostname: func() (string, error) { return "whoami-7d9f", nil },
		addrs:    func() ([]string, error) { return []string{"127.0.0.1", "10.244.1.7", "::1"}, nil },
		environ:  func() []string { return []string{"HOME=/", "KUBERNETES_SERVICE_HOST=10.96.0.1"} },
		getenv:   func(string) string { return "" },
		now:      func() time.Time { return time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC) },
	}
}

func TestWhoamiOverLoopback(t *testing.T) {
	port := freePort(t)
	w := startWorkload(t, port, "traefik/whoami", "--port", itoa(port))

	// A raw connection, so the request and the client address are known.
	conn, err := net.Dial("tcp", net.JoinHostPort("127.0.0.1", itoa(port)))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	request := "GET /?x=1 HTTP/1.1\r\nHost: whoami\r\nUser-Agent: curl/8.5.0\r\nAccept: */*\r\n\r\n"
	if _, err := io.WriteString(conn, request); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		t.Fatal(err)
	}

	ips, err := interfaceAddrs()
	if err != nil {
		t.Fatal(err)
	}
	var want strings.Builder
	want.WriteString("Hostname: " + mustHostname(t) + "\n")
	for _, ip := range ips {
		want.WriteString("IP: " + ip + "\n")
	}
	want.WriteString("RemoteAddr: " + conn.LocalAddr().String() + "\n")
	want.WriteString(request)
	if string(body) != want.String() {
		t.Errorf("body:\n%s\nwant:\n%s", body, want.String())
	}
	if got := resp.Header.Get("Content-Type"); got != "text/plain; charset=utf-8" {
		t.Errorf("Content-Type = %q, want text/plain; charset=utf-8", got)
	}
	conn.Close()

	client := newClient(t)
	resp, apiBody := get(t, client, http.MethodGet, baseURL(port)+"/api", nil)
	var data whoamiData
	if err := json.Unmarshal([]byte(apiBody), &data); err != nil {
		t.Fatalf("/api is not JSON: %v\n%s", err, apiBody)
	}
	if resp.Header.Get("Content-Type") != "application/json" || data.Hostname != mustHostname(t) ||
		len(data.IP) != len(ips) || data.Method != "GET" || data.URL != "/api" ||
		data.Headers.Get("User-Agent") != "Go-http-client/1.1" {
		t.Errorf("/api = %+v", data)
	}
	if resp, _ := get(t, client, http.MethodGet, baseURL(port)+"/health", nil); resp.StatusCode != http.StatusOK {
		t.Errorf("GET /health = %d, want 200", resp.StatusCode)
	}

	w.stop(t)
	if !strings.Contains(w.stdout.String(), `"GET /?x=1 HTTP/1.1" 200 `) {
		t.Errorf("stdout has no access line for GET /?x=1:\n%s", w.stdout)
	}
}

func TestWhoamiHandler(t *testing.T) {
	s := newWhoami(fakeHost(), "blue")
	h := s.handler()

	req := httptest.NewRequest(http.MethodGet, "http://whoami/?env=true", nil)
	req.RemoteAddr = "10.244.0.9:40000"
	req.Header.Set("User-Agent", "curl/8.5.0")
	req.Header.Set("Accept", "*/*")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	want := "Name: blue\nHostname: whoami-7d9f\nIP: 127.0.0.1\nIP: 10.244.1.7\nIP: ::1\nRemoteAddr: 10.244.0.9:40000\n" +
		"GET /?env=true HTTP/1.1\r\nHost: whoami\r\nUser-Agent: curl/8.5.0\r\nAccept: */*\r\n\r\n" +
		"HOME=/\nKUBERNETES_SERVICE_HOST=10.96.0.1\n"
	if got := rec.Body.String(); got != want {
		t.Errorf("body:\n%q\nwant:\n%q", got, want)
	}

	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/api?env=1", nil))
	var data whoamiData
	if err := json.Unmarshal(rec.Body.Bytes(), &data); err != nil {
		t.Fatal(err)
	}
	if data.Name != "blue" || data.Environ["KUBERNETES_SERVICE_HOST"] != "10.96.0.1" || data.Host != "example.com" {
		t.Errorf("/api = %+v", data)
	}

	// /health answers what was last POSTed.
	tests := []struct {
		method, body string
		want         int
	}{
		{http.MethodGet, "", 200},
		{http.MethodPost, "503", 200},
		{http.MethodGet, "", 503},
		{http.MethodPost, "nope", 400},
		{http.MethodPost, "42", 400},
		{http.MethodPost, "200", 200},
		{http.MethodGet, "", 200},
	}
	for _, tt := range tests {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(tt.method, "/health", strings.NewReader(tt.body)))
		if rec.Code != tt.want {
			t.Errorf("%s /health %q = %d, want %d", tt.method, tt.body, rec.Code, tt.want)
		}
	}
}
