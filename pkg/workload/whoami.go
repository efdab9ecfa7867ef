package workload

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// maxWhoamiWait caps the ?wait= delay of a whoami request.
const maxWhoamiWait = time.Minute

// whoamiData is the JSON document of /api, field for field as
// traefik/whoami writes it.
type whoamiData struct {
	Hostname   string            `json:"hostname,omitempty"`
	IP         []string          `json:"ip,omitempty"`
	Headers    http.Header       `json:"headers,omitempty"`
	URL        string            `json:"url,omitempty"`
	Host       string            `json:"host,omitempty"`
	Method     string            `json:"method,omitempty"`
	Name       string            `json:"name,omitempty"`
	RemoteAddr string            `json:"remoteAddr,omitempty"`
	Environ    map[string]string `json:"environ,omitempty"`
}

// whoami is one whoami server. Its health status can be changed by a
// POST to /health, so it is per instance.
type whoami struct {
	host host
	// name is --name, or $WHOAMI_NAME; printed as "Name:" when set.
	name string

	mu     sync.Mutex
	health int
}

// runWhoami serves traefik/whoami's endpoints.
func runWhoami(ctx context.Context, p *proc) error {
	addrs, err := httpAddrs(p.opts, 80)
	if err != nil {
		return err
	}
	return serveHTTP(ctx, p, addrs, newWhoami(p.host, p.opts.last("name", p.host.getenv("WHOAMI_NAME"))).handler())
}

// newWhoami returns a healthy whoami server.
func newWhoami(h host, name string) *whoami {
	return &whoami{host: h, name: name, health: http.StatusOK}
}

// handler routes whoami's endpoints.
func (s *whoami) handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/api", s.api)
	mux.HandleFunc("/health", s.healthz)
	mux.HandleFunc("/bench", bench)
	mux.HandleFunc("/", s.text)
	return mux
}

// text prints who answered and the request it got, in traefik/whoami's
// format: Name (when set), Hostname, one IP line per interface address,
// RemoteAddr, then the request in HTTP/1.1 wire format. ?wait=1s delays
// the answer; ?env=true appends the environment.
func (s *whoami) text(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if d, err := time.ParseDuration(q.Get("wait")); err == nil && d > 0 {
		t := time.NewTimer(min(d, maxWhoamiWait))
		select {
		case <-t.C:
		case <-r.Context().Done():
			t.Stop()
		}
	}
	if s.name != "" {
		fmt.Fprintln(w, "Name:", s.name)
	}
	hostname, _ := s.host.hostname()
	fmt.Fprintln(w, "Hostname:", hostname)
	ips, _ := s.host.addrs()
	for _, ip := range ips {
		fmt.Fprintln(w, "IP:", ip)
	}
	fmt.Fprintln(w, "RemoteAddr:", r.RemoteAddr)
	if err := r.Write(w); err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	if env, _ := strconv.ParseBool(q.Get("env")); env {
		for _, e := range s.host.environ() {
			fmt.Fprintln(w, e)
		}
	}
}

// api answers the same facts as JSON.
func (s *whoami) api(w http.ResponseWriter, r *http.Request) {
	hostname, _ := s.host.hostname()
	ips, _ := s.host.addrs()
	data := whoamiData{
		Hostname:   hostname,
		IP:         ips,
		Headers:    r.Header,
		URL:        r.URL.RequestURI(),
		Host:       r.Host,
		Method:     r.Method,
		Name:       s.name,
		RemoteAddr: r.RemoteAddr,
		Environ:    map[string]string{},
	}
	if env, _ := strconv.ParseBool(r.URL.Query().Get("env")); env {
		for _, e := range s.host.environ() {
			k, v, _ := strings.Cut(e, "=")
			data.Environ[k] = v
		}
	}
	w.Header().Set("Access-Control-Allow-Origin", "*")
	w.Header().Set("Access-Control-Allow-Methods", "*")
	w.Header().Set("Content-Type", "application/json")
	if err := json.NewEncoder(w).Encode(data); err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
	}
}

// healthz answers GET with the current health status code (200 at start);
// a POST whose body is a status code, such as 500, changes it.
func (s *whoami) healthz(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodPost {
		var code int
		if err := json.NewDecoder(r.Body).Decode(&code); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		if code < 100 || code > 999 {
			http.Error(w, fmt.Sprintf("invalid status code %d", code), http.StatusBadRequest)
			return
		}
		s.mu.Lock()
		s.health = code
		s.mu.Unlock()
		return
	}
	s.mu.Lock()
	code := s.health
	s.mu.Unlock()
	w.WriteHeader(code)
}

// bench answers "1", for load tests.
func bench(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Connection", "keep-alive")
	w.Header().Set("Content-Type", "text/plain")
	fmt.Fprint(w, "1")
}
