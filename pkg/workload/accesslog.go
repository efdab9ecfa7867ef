package workload

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"sync"
	"time"
)

// logFormat picks the shape of access log lines.
type logFormat int

const (
	// formatCombined is the NCSA combined format: the common format plus
	// the Referer and User-Agent headers.
	formatCombined logFormat = iota
	// formatCommon is the NCSA common format that the httpd image logs.
	formatCommon
	// formatNginx is the "main" format of the nginx image: combined plus
	// the X-Forwarded-For header.
	formatNginx
)

// clfTime is the time layout of NCSA log lines.
const clfTime = "02/Jan/2006:15:04:05 -0700"

// accessLog writes one line per request. Lines from concurrent requests
// never interleave.
type accessLog struct {
	mu     sync.Mutex
	w      io.Writer
	format logFormat
	now    func() time.Time
}

// newAccessLog returns an access log writing lines of format to w.
func newAccessLog(w io.Writer, format logFormat, now func() time.Time) *accessLog {
	return &accessLog{w: w, format: format, now: now}
}

// printf writes one free-form line, such as a startup notice or a UDP
// request, under the same lock as the access lines.
func (l *accessLog) printf(format string, args ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	fmt.Fprintf(l.w, format+"\n", args...)
}

// wrap returns h, logging each request after it is served.
func (l *accessLog) wrap(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := &recorder{ResponseWriter: w}
		h.ServeHTTP(rec, r)
		l.write(r, rec.status(), rec.bytes)
	})
}

// write logs one served request.
func (l *accessLog) write(r *http.Request, status int, bytes int64) {
	line := fmt.Sprintf("%s - - [%s] %q %d %s", clientIP(r.RemoteAddr), l.now().Format(clfTime),
		r.Method+" "+r.RequestURI+" "+r.Proto, status, sizeField(bytes, l.format))
	switch l.format {
	case formatCombined:
		line += fmt.Sprintf(" %q %q", dash(r.Referer()), dash(r.UserAgent()))
	case formatNginx:
		line += fmt.Sprintf(" %q %q %q", dash(r.Referer()), dash(r.UserAgent()), dash(r.Header.Get("X-Forwarded-For")))
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	fmt.Fprintln(l.w, line)
}

// sizeField prints the body size: httpd's %b prints "-" for an empty body,
// nginx's $body_bytes_sent prints 0.
func sizeField(n int64, f logFormat) string {
	if n == 0 && f == formatCommon {
		return "-"
	}
	return fmt.Sprint(n)
}

// dash returns s, or "-" when it is empty, as NCSA logs print missing fields.
func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// clientIP returns the IP of a host:port remote address.
func clientIP(remoteAddr string) string {
	if h, _, err := net.SplitHostPort(remoteAddr); err == nil {
		return h
	}
	return remoteAddr
}

// recorder remembers the status and body size of a response.
type recorder struct {
	http.ResponseWriter
	code  int
	bytes int64
}

// WriteHeader records the status code.
func (r *recorder) WriteHeader(code int) {
	if r.code == 0 {
		r.code = code
	}
	r.ResponseWriter.WriteHeader(code)
}

// Write counts the body bytes.
func (r *recorder) Write(p []byte) (int, error) {
	if r.code == 0 {
		r.code = http.StatusOK
	}
	n, err := r.ResponseWriter.Write(p)
	r.bytes += int64(n)
	return n, err
}

// Unwrap lets http.ResponseController reach the real writer.
func (r *recorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

// status returns the status sent, 200 when the handler wrote nothing.
func (r *recorder) status() int {
	if r.code == 0 {
		return http.StatusOK
	}
	return r.code
}
