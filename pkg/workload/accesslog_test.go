package workload

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestAccessLogFormats(t *testing.T) {
	tests := []struct {
		name    string
		format  logFormat
		handler http.HandlerFunc
		want    string
	}{
		{
			name:    "nginx main",
			format:  formatNginx,
			handler: func(w http.ResponseWriter, _ *http.Request) { w.Write([]byte("hello")) },
			want:    `10.244.0.9 - - [02/Jan/2026:03:04:05 +0000] "GET /x?y=1 HTTP/1.1" 200 5 "http://ref/" "curl/8.5.0" "203.0.113.7"` + "\n",
		},
		{
			name:    "common, empty body",
			format:  formatCommon,
			handler: func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusNoContent) },
			want:    `10.244.0.9 - - [02/Jan/2026:03:04:05 +0000] "GET /x?y=1 HTTP/1.1" 204 -` + "\n",
		},
		{
			name:    "combined, nothing written",
			format:  formatCombined,
			handler: func(http.ResponseWriter, *http.Request) {},
			want:    `10.244.0.9 - - [02/Jan/2026:03:04:05 +0000] "GET /x?y=1 HTTP/1.1" 200 0 "http://ref/" "curl/8.5.0"` + "\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out strings.Builder
			l := newAccessLog(&out, tt.format, fakeHost().now)
			req := httptest.NewRequest(http.MethodGet, "/x?y=1", nil)
			req.RemoteAddr = "10.244.0.9:40000"
			req.Header.Set("Referer", "http://ref/")
			req.Header.Set("User-Agent", "curl/8.5.0")
			req.Header.Set("X-Forwarded-For", "203.0.113.7")
			l.wrap(tt.handler).ServeHTTP(httptest.NewRecorder(), req)
			if out.String() != tt.want {
				t.Errorf("log line:\n%q\nwant:\n%q", out.String(), tt.want)
			}
		})
	}
}
