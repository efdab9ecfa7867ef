package workload

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"slices"
	"strconv"
	"sync/atomic"
	"time"
)

// agnhost netexec's default ports.
const (
	netexecHTTPPort = 8080
	netexecUDPPort  = 8081
)

// netexec is one agnhost-like netexec server: HTTP endpoints for testing
// connectivity, and a UDP server answering the same questions.
type netexec struct {
	host host
	log  *accessLog
	// exit ends the workload with an exit request.
	exit func(*exitRequest)
	// udpReady is true while the UDP server runs, or always when it is
	// off; /healthz reports it.
	udpReady atomic.Bool
	// client makes /dial's HTTP requests.
	client *http.Client
}

// runNetexec serves HTTP on --http-port (default 8080) and on every
// --port, and UDP on --udp-port (default 8081, -1 for none), until ctx
// ends or a client asks /exit.
func runNetexec(ctx context.Context, p *proc) error {
	httpPort, err := p.opts.port("http-port", netexecHTTPPort)
	if err != nil {
		return usageError{err}
	}
	udpPort, err := p.opts.port("udp-port", netexecUDPPort)
	if err != nil {
		return usageError{err}
	}
	ports, err := p.opts.ports("port")
	if err != nil {
		return usageError{err}
	}
	if httpPort > 0 && !slices.Contains(ports, httpPort) {
		ports = append([]int{httpPort}, ports...)
	}
	addrs, err := p.opts.listenAddrs(ports)
	if err != nil {
		return usageError{err}
	}

	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	n := &netexec{
		host:   p.host,
		log:    p.log,
		exit:   func(r *exitRequest) { cancel(r) },
		client: &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}},
	}
	n.udpReady.Store(true)
	if udpPort > 0 {
		udpAddrs, err := p.opts.listenAddrs([]int{udpPort})
		if err != nil {
			return usageError{err}
		}
		var lc net.ListenConfig
		pc, err := lc.ListenPacket(ctx, "udp", udpAddrs[0])
		if err != nil {
			return fmt.Errorf("listening on UDP %s: %w", udpAddrs[0], err)
		}
		p.log.printf("%s: serving UDP on %s", p.name, pc.LocalAddr())
		done := make(chan struct{})
		go func() { defer close(done); n.serveUDP(ctx, pc) }()
		defer func() { pc.Close(); <-done }()
	}
	if err := serveHTTP(ctx, p, addrs, n.handler()); err != nil {
		return err
	}
	if req, ok := context.Cause(ctx).(*exitRequest); ok {
		return req
	}
	return nil
}

// handler routes netexec's HTTP endpoints. Unknown paths answer like /.
func (n *netexec) handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/", n.now)
	mux.HandleFunc("/clientip", clientIPHandler)
	mux.HandleFunc("/dial", n.dial)
	mux.HandleFunc("/echo", echo)
	mux.HandleFunc("/exit", n.exitHandler)
	mux.HandleFunc("/header", header)
	mux.HandleFunc("/healthz", n.healthz)
	mux.HandleFunc("/hostname", n.hostname)
	mux.HandleFunc("/hostName", n.hostname)
	mux.HandleFunc("/redirect", redirect)
	mux.HandleFunc("/shell", shell)
	mux.HandleFunc("/shutdown", n.shutdown)
	return mux
}

// now answers "NOW: " and the time, as agnhost's / does.
func (n *netexec) now(w http.ResponseWriter, _ *http.Request) {
	fmt.Fprintf(w, "NOW: %v", n.host.now())
}

// clientIPHandler answers the client's ip:port.
func clientIPHandler(w http.ResponseWriter, r *http.Request) {
	fmt.Fprint(w, r.RemoteAddr)
}

// echo answers ?msg=, with the status ?code= when given.
func echo(w http.ResponseWriter, r *http.Request) {
	msg, codeString := r.FormValue("msg"), r.FormValue("code")
	if codeString != "" {
		code, err := strconv.Atoi(codeString)
		if err != nil || code < 100 || code > 999 {
			fmt.Fprintf(w, "argument 'code' must be an integer or empty, got %q\n", codeString)
			return
		}
		w.WriteHeader(code)
	}
	fmt.Fprint(w, msg)
}

// header answers the value of the request header named by ?key=.
func header(w http.ResponseWriter, r *http.Request) {
	fmt.Fprint(w, r.Header.Get(r.FormValue("key")))
}

// hostname answers the host name.
func (n *netexec) hostname(w http.ResponseWriter, _ *http.Request) {
	name, err := n.host.hostname()
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	fmt.Fprint(w, name)
}

// healthz answers 200 while the UDP server runs, 412 otherwise.
func (n *netexec) healthz(w http.ResponseWriter, _ *http.Request) {
	if n.udpReady.Load() {
		w.WriteHeader(http.StatusOK)
		return
	}
	w.WriteHeader(http.StatusPreconditionFailed)
}

// redirect answers a redirect to ?location=, with status ?code= (302).
func redirect(w http.ResponseWriter, r *http.Request) {
	code := http.StatusFound
	if s := r.FormValue("code"); s != "" {
		c, err := strconv.Atoi(s)
		if err != nil || c < 300 || c > 399 {
			fmt.Fprintf(w, "argument 'code' must be an integer or empty, got %q\n", s)
			return
		}
		code = c
	}
	http.Redirect(w, r, r.FormValue("location"), code)
}

// shell refuses: the built-in netexec has no shell to run commands in. It
// answers as agnhost does for a command that failed.
func shell(w http.ResponseWriter, _ *http.Request) {
	w.WriteHeader(http.StatusExpectationFailed)
	json.NewEncoder(w).Encode(map[string]string{"error": "svcnet's built-in netexec has no shell"})
}
