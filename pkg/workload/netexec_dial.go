package workload

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Bounds of /dial.
const (
	// maxDialTries caps ?tries=, so one request cannot start a long loop.
	maxDialTries = 100
	// dialTimeout bounds each try, as agnhost's 5 s client timeout does.
	dialTimeout = 5 * time.Second
	// maxDialResponse caps the bytes read from each answer.
	maxDialResponse = 1 << 20
)

// dial asks another server the same question ?tries= times and answers
// {"responses": [...], "errors": [...]}, as agnhost's /dial does: with
// ?protocol=http (the default) it GETs http://host:port/request, with
// ?protocol=udp it sends request as one datagram and reads one back.
func (n *netexec) dial(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	host, port, request, protocol := q.Get("host"), q.Get("port"), q.Get("request"), q.Get("protocol")
	tries := 1
	if s := q.Get("tries"); s != "" {
		t, err := strconv.Atoi(s)
		if err != nil || t < 1 || t > maxDialTries {
			http.Error(w, fmt.Sprintf("tries parameter is invalid: want 1-%d, got %q", maxDialTries, s), http.StatusBadRequest)
			return
		}
		tries = t
	}
	if request == "" {
		http.Error(w, "request parameter not specified.", http.StatusBadRequest)
		return
	}
	hostPort := net.JoinHostPort(host, port)
	var dialer func(context.Context, string, string) (string, error)
	switch strings.ToLower(protocol) {
	case "", "http":
		dialer = n.dialHTTP
	case "udp":
		dialer = dialUDP
	default:
		http.Error(w, fmt.Sprintf("unsupported protocol. %s", protocol), http.StatusBadRequest)
		return
	}
	if _, err := net.ResolveTCPAddr("tcp", hostPort); err != nil {
		http.Error(w, fmt.Sprintf("host and/or port param are invalid. %v", err), http.StatusBadRequest)
		return
	}
	out := map[string][]string{}
	for range tries {
		resp, err := dialer(r.Context(), request, hostPort)
		if err != nil {
			out["errors"] = append(out["errors"], err.Error())
			continue
		}
		out["responses"] = append(out["responses"], resp)
	}
	json.NewEncoder(w).Encode(out)
}

// dialHTTP GETs http://hostPort/request and returns the body.
func (n *netexec) dialHTTP(ctx context.Context, request, hostPort string) (string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+hostPort+"/"+strings.TrimPrefix(request, "/"), nil)
	if err != nil {
		return "", fmt.Errorf("building request: %w", err)
	}
	resp, err := n.client.Do(req)
	if err != nil {
		return "", fmt.Errorf("http request failed: %w", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxDialResponse))
	if err != nil {
		return "", fmt.Errorf("reading http response: %w", err)
	}
	return string(body), nil
}

// dialUDP sends request as one datagram to hostPort and returns the
// datagram that comes back.
func dialUDP(ctx context.Context, request, hostPort string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, dialTimeout)
	defer cancel()
	var d net.Dialer
	conn, err := d.DialContext(ctx, "udp", hostPort)
	if err != nil {
		return "", fmt.Errorf("udp dial failed: %w", err)
	}
	defer conn.Close()
	if deadline, ok := ctx.Deadline(); ok {
		conn.SetDeadline(deadline)
	}
	if _, err := conn.Write([]byte(request)); err != nil {
		return "", fmt.Errorf("udp connection write failed: %w", err)
	}
	buf := make([]byte, 2048)
	count, err := conn.Read(buf)
	if err != nil {
		return "", fmt.Errorf("reading from udp connection failed: %w", err)
	}
	return string(buf[:count]), nil
}
