package workload

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// nginxWelcome is /usr/share/nginx/html/index.html of the nginx image.
const nginxWelcome = `<!DOCTYPE html>
<html>
<head>
<title>Welcome to nginx!</title>
<style>
html { color-scheme: light dark; }
body { width: 35em; margin: 0 auto;
font-family: Tahoma, Verdana, Arial, sans-serif; }
</style>
</head>
<body>
<h1>Welcome to nginx!</h1>
<p>If you see this page, the nginx web server is successfully installed and
working. Further configuration is required.</p>

<p>For online documentation and support please refer to
<a href="http://nginx.org/">nginx.org</a>.<br/>
Commercial support is available at
<a href="http://nginx.com/">nginx.com</a>.</p>

<p><em>Thank you for using nginx.</em></p>
</body>
</html>
`

// nginx50x is /usr/share/nginx/html/50x.html of the nginx image.
const nginx50x = `<!DOCTYPE html>
<html>
<head>
<title>Error</title>
<style>
html { color-scheme: light dark; }
body { width: 35em; margin: 0 auto;
font-family: Tahoma, Verdana, Arial, sans-serif; }
</style>
</head>
<body>
<h1>An error occurred.</h1>
<p>Sorry, the page you are looking for is currently unavailable.<br/>
Please try again later.</p>
<p>If you are the system administrator of this resource then you should check
the error log for details.</p>
<p><em>Faithfully yours, nginx.</em></p>
</body>
</html>
`

// nginxServer is the Server header, as with "server_tokens off".
const nginxServer = "nginx"

// nginxModTime is the modification time of the image's HTML files, which
// nginx sends as Last-Modified and in its ETag.
func nginxModTime() time.Time { return time.Date(2025, 4, 16, 12, 1, 11, 0, time.UTC) }

// runNginx serves the nginx image's default site.
func runNginx(ctx context.Context, p *proc) error {
	addrs, err := httpAddrs(p.opts, 80)
	if err != nil {
		return err
	}
	return serveHTTP(ctx, p, addrs, nginxHandler())
}

// nginxHandler answers like nginx's default server: the welcome page at /
// and /index.html, 50x.html, and nginx's own 404 and 405 pages elsewhere.
func nginxHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Server", nginxServer)
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			nginxError(w, http.StatusMethodNotAllowed, "405 Not Allowed")
			return
		}
		switch r.URL.Path {
		case "/", "/index.html":
			serveStatic(w, r, "text/html", nginxWelcome, nginxModTime(), nginxETag)
		case "/50x.html":
			serveStatic(w, r, "text/html", nginx50x, nginxModTime(), nginxETag)
		default:
			nginxError(w, http.StatusNotFound, "404 Not Found")
		}
	})
}

// nginxETag is nginx's ETag: hex modification time, dash, hex length.
func nginxETag(mod time.Time, size int) string {
	return fmt.Sprintf(`"%x-%x"`, mod.Unix(), size)
}

// nginxError writes one of nginx's built-in error pages, whose lines end
// in CRLF.
func nginxError(w http.ResponseWriter, code int, title string) {
	body := strings.Join([]string{
		"<html>",
		"<head><title>" + title + "</title></head>",
		"<body>",
		"<center><h1>" + title + "</h1></center>",
		"<hr><center>" + nginxServer + "</center>",
		"</body>",
		"</html>",
		"",
	}, "\r\n")
	w.Header().Set("Content-Type", "text/html")
	w.Header().Set("Content-Length", fmt.Sprint(len(body)))
	w.WriteHeader(code)
	fmt.Fprint(w, body)
}

// serveStatic serves a fixed file with its Content-Type, Last-Modified and
// ETag, honouring conditional and range requests as web servers do.
func serveStatic(w http.ResponseWriter, r *http.Request, contentType, body string, mod time.Time, etag func(time.Time, int) string) {
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("ETag", etag(mod, len(body)))
	http.ServeContent(w, r, "", mod, strings.NewReader(body))
}
