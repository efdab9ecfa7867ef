package workload

import (
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

// BenchmarkHTTPDLoopback measures the httpd workload over loopback with
// one keep-alive client, access log included, and reports requests/s.
func BenchmarkHTTPDLoopback(b *testing.B) {
	port := freePort(b)
	w := startWorkload(b, port, "httpd", "--port", itoa(port))
	client := newClient(b)
	url := baseURL(port) + "/"
	start := time.Now()
	for b.Loop() {
		resp, err := client.Get(url)
		if err != nil {
			b.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			b.Fatalf("status %d", resp.StatusCode)
		}
	}
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "req/s")
	w.stop(b)
}

// BenchmarkHTTPDHandler measures the httpd handler alone, without sockets.
func BenchmarkHTTPDHandler(b *testing.B) {
	h := httpdHandler()
	req := httptest.NewRequest(http.MethodGet, "/", nil)
	for b.Loop() {
		h.ServeHTTP(httptest.NewRecorder(), req)
	}
}
