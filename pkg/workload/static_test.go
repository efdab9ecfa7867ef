package workload

import (
	"net/http"
	"regexp"
	"strings"
	"testing"
)

func TestNginx(t *testing.T) {
	port1, port2 := freePort(t), freePort(t)
	w := startWorkload(t, port1, "nginx", "--port", itoa(port1), "--port", itoa(port2))
	client := newClient(t)

	resp, body := get(t, client, http.MethodGet, baseURL(port1)+"/", nil)
	if resp.StatusCode != http.StatusOK || body != nginxWelcome {
		t.Errorf("GET / = %d %q, want 200 and the welcome page", resp.StatusCode, body)
	}
	if len(body) != 615 {
		t.Errorf("welcome page is %d bytes, want the 615 that nginx ships", len(body))
	}
	if !strings.Contains(body, "<title>Welcome to nginx!</title>") {
		t.Errorf("welcome page lacks its title")
	}
	for k, want := range map[string]string{"Server": "nginx", "Content-Type": "text/html", "Accept-Ranges": "bytes", "Etag": `"67ff9c07-267"`} {
		if got := resp.Header.Get(k); got != want {
			t.Errorf("header %s = %q, want %q", k, got, want)
		}
	}

	// The second containerPort serves too.
	if resp, body := get(t, client, http.MethodGet, baseURL(port2)+"/index.html", nil); resp.StatusCode != 200 || body != nginxWelcome {
		t.Errorf("GET :%d/index.html = %d, want 200 and the welcome page", port2, resp.StatusCode)
	}

	resp, body = get(t, client, http.MethodGet, baseURL(port1)+"/missing", nil)
	want404 := "<html>\r\n<head><title>404 Not Found</title></head>\r\n<body>\r\n<center><h1>404 Not Found</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
	if resp.StatusCode != http.StatusNotFound || body != want404 || resp.Header.Get("Server") != "nginx" {
		t.Errorf("GET /missing = %d %q (Server %q), want 404 %q", resp.StatusCode, body, resp.Header.Get("Server"), want404)
	}
	if resp, _ := get(t, client, http.MethodPost, baseURL(port1)+"/", strings.NewReader("x")); resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("POST / = %d, want 405", resp.StatusCode)
	}
	if resp, body := get(t, client, http.MethodHead, baseURL(port1)+"/", nil); resp.StatusCode != 200 || body != "" || resp.ContentLength != 615 {
		t.Errorf("HEAD / = %d, length %d, body %q; want 200, 615, empty", resp.StatusCode, resp.ContentLength, body)
	}

	w.stop(t)
	logLine := regexp.MustCompile(`(?m)^127\.0\.0\.1 - - \[\d\d/\w{3}/\d{4}:\d\d:\d\d:\d\d [+-]\d{4}\] "GET / HTTP/1\.1" 200 615 "-" "Go-http-client/1\.1" "-"$`)
	if !logLine.MatchString(w.stdout.String()) {
		t.Errorf("stdout has no nginx access line for GET /:\n%s", w.stdout)
	}
	if got := strings.Count(w.stdout.String(), `HTTP/1.1" `); got != 5 {
		t.Errorf("stdout has %d access lines, want 5:\n%s", got, w.stdout)
	}
}

func TestHTTPD(t *testing.T) {
	port := freePort(t)
	w := startWorkload(t, port, "httpd:2.4", "--port", itoa(port))
	client := newClient(t)

	resp, body := get(t, client, http.MethodGet, baseURL(port)+"/", nil)
	if resp.StatusCode != http.StatusOK || body != "<html><body><h1>It works!</h1></body></html>\n" {
		t.Errorf("GET / = %d %q, want 200 It works!", resp.StatusCode, body)
	}
	if got := resp.Header.Get("Content-Type"); got != "text/html" {
		t.Errorf("Content-Type = %q, want text/html", got)
	}
	resp, body = get(t, client, http.MethodGet, baseURL(port)+"/nope", nil)
	if resp.StatusCode != http.StatusNotFound || !strings.Contains(body, "<h1>Not Found</h1>") {
		t.Errorf("GET /nope = %d %q, want Apache's 404", resp.StatusCode, body)
	}

	w.stop(t)
	logLine := regexp.MustCompile(`(?m)^127\.0\.0\.1 - - \[[^]]+\] "GET / HTTP/1\.1" 200 45$`)
	if !logLine.MatchString(w.stdout.String()) {
		t.Errorf("stdout has no common-format access line for GET /:\n%s", w.stdout)
	}
}

func TestServeHostname(t *testing.T) {
	hostname := mustHostname(t)
	port := freePort(t)
	w := startWorkload(t, port, "serve-hostname", "--port", itoa(port))
	client := newClient(t)
	for _, path := range []string{"/", "/anything"} {
		if resp, body := get(t, client, http.MethodGet, baseURL(port)+path, nil); resp.StatusCode != 200 || body != hostname {
			t.Errorf("GET %s = %d %q, want 200 %q", path, resp.StatusCode, body, hostname)
		}
	}
	w.stop(t)
}
