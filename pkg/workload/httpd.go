package workload

import (
	"context"
	"fmt"
	"html"
	"net/http"
	"time"
)

// httpdItWorks is /usr/local/apache2/htdocs/index.html of the httpd image.
const httpdItWorks = "<html><body><h1>It works!</h1></body></html>\n"

// httpdServer is the Server header, as with "ServerTokens Prod".
const httpdServer = "Apache"

// httpdModTime is the modification time of the image's index.html.
func httpdModTime() time.Time { return time.Date(2007, 6, 11, 18, 53, 14, 0, time.UTC) }

// runHTTPD serves the httpd image's default site.
func runHTTPD(ctx context.Context, p *proc) error {
	addrs, err := httpAddrs(p.opts, 80)
	if err != nil {
		return err
	}
	return serveHTTP(ctx, p, addrs, httpdHandler())
}

// httpdHandler answers like Apache's default site: "It works!" at / and
// /index.html, and Apache's 404 page elsewhere.
func httpdHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Server", httpdServer)
		switch {
		case r.URL.Path != "/" && r.URL.Path != "/index.html":
			httpdError(w, http.StatusNotFound, "Not Found", "The requested URL was not found on this server.")
		case r.Method != http.MethodGet && r.Method != http.MethodHead:
			w.Header().Set("Allow", "GET,POST,OPTIONS,HEAD")
			httpdError(w, http.StatusMethodNotAllowed, "Method Not Allowed",
				"The requested method "+html.EscapeString(r.Method)+" is not allowed for this URL.")
		default:
			serveStatic(w, r, "text/html", httpdItWorks, httpdModTime(), httpdETag)
		}
	})
}

// httpdETag is Apache's default ETag: hex length, dash, hex modification
// time in microseconds.
func httpdETag(mod time.Time, size int) string {
	return fmt.Sprintf(`"%x-%x"`, size, mod.UnixMicro())
}

// httpdError writes one of Apache's built-in error pages.
func httpdError(w http.ResponseWriter, code int, title, text string) {
	body := fmt.Sprintf("<!DOCTYPE HTML PUBLIC \"-//IETF//DTD HTML 2.0//EN\">\n<html><head>\n<title>%d %s</title>\n</head><body>\n<h1>%s</h1>\n<p>%s</p>\n</body></html>\n",
		code, title, title, text)
	w.Header().Set("Content-Type", "text/html; charset=iso-8859-1")
	w.Header().Set("Content-Length", fmt.Sprint(len(body)))
	w.WriteHeader(code)
	fmt.Fprint(w, body)
}
