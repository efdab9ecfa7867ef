package probe

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/svcnet/svcnet/pkg/agent/runtime"
)

// Result is the outcome of a probe, or the current verdict of a worker.
type Result int

const (
	// Unknown means not probed yet (startup probes start here).
	Unknown Result = iota
	// Success means the probe passed.
	Success
	// Failure means the probe failed.
	Failure
)

// String implements fmt.Stringer.
func (r Result) String() string {
	switch r {
	case Success:
		return "success"
	case Failure:
		return "failure"
	default:
		return "unknown"
	}
}

// Kind names a probe of a container.
type Kind string

// The probe kinds.
const (
	Liveness  Kind = "liveness"
	Readiness Kind = "readiness"
	Startup   Kind = "startup"
)

// Target is what a probe is aimed at.
type Target struct {
	// PodUID and Container name the container (exec probes run in it).
	PodUID, Container string
	// PodIP is where HTTP and TCP probes connect.
	PodIP netip.Addr
	// Ports are the container's ports, to resolve named probe ports.
	Ports []corev1.ContainerPort
}

// Prober performs one probe. The message explains a failure.
type Prober interface {
	Probe(ctx context.Context, t Target, p *corev1.Probe) (Result, string)
}

// Execer runs a command in a container (runtime.Runtime's Exec).
type Execer interface {
	Exec(ctx context.Context, podUID, container string, argv []string, o runtime.ExecOptions) (int, error)
}

// NewProber returns the real prober. exec runs exec probes; a nil exec
// makes them fail.
func NewProber(exec Execer) Prober {
	tr := &http.Transport{
		TLSClientConfig:   &tls.Config{InsecureSkipVerify: true}, //nolint:gosec // the kubelet does not verify probe certificates either
		DisableKeepAlives: true,
		Proxy:             nil,
	}
	return &prober{exec: exec, client: &http.Client{
		Transport: tr,
		CheckRedirect: func(_ *http.Request, via []*http.Request) error {
			if len(via) >= 10 {
				return errors.New("stopped after 10 redirects")
			}
			return nil
		},
	}}
}

type prober struct {
	exec   Execer
	client *http.Client
}

// Probe implements Prober.
func (p *prober) Probe(ctx context.Context, t Target, pr *corev1.Probe) (Result, string) {
	timeout := time.Duration(pr.TimeoutSeconds) * time.Second
	if timeout <= 0 {
		timeout = time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	switch {
	case pr.HTTPGet != nil:
		return p.httpGet(ctx, t, pr.HTTPGet)
	case pr.TCPSocket != nil:
		return tcpSocket(ctx, t, pr.TCPSocket)
	case pr.Exec != nil:
		return p.execProbe(ctx, t, pr.Exec)
	case pr.GRPC != nil:
		return Failure, "grpc probes are not supported by svcnet"
	}
	return Failure, "probe has no handler"
}

// ResolvePort turns a probe's port (number or container port name) into a
// number.
func ResolvePort(port intstr.IntOrString, ports []corev1.ContainerPort) (int, error) {
	if port.Type == intstr.Int {
		if port.IntVal <= 0 || port.IntVal > 65535 {
			return 0, fmt.Errorf("invalid port %d", port.IntVal)
		}
		return int(port.IntVal), nil
	}
	for _, p := range ports {
		if p.Name == port.StrVal {
			return int(p.ContainerPort), nil
		}
	}
	if n, err := strconv.Atoi(port.StrVal); err == nil && n > 0 && n <= 65535 {
		return n, nil
	}
	return 0, fmt.Errorf("no container port named %q", port.StrVal)
}

func (p *prober) httpGet(ctx context.Context, t Target, h *corev1.HTTPGetAction) (Result, string) {
	port, err := ResolvePort(h.Port, t.Ports)
	if err != nil {
		return Failure, err.Error()
	}
	host := h.Host
	if host == "" {
		host = t.PodIP.String()
	}
	scheme := "http"
	if h.Scheme == corev1.URISchemeHTTPS {
		scheme = "https"
	}
	u := &url.URL{Scheme: scheme, Host: net.JoinHostPort(host, strconv.Itoa(port))}
	if ref, perr := url.Parse(h.Path); perr == nil {
		u.Path, u.RawQuery = ref.Path, ref.RawQuery
	}
	if u.Path == "" {
		u.Path = "/"
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return Failure, err.Error()
	}
	req.Header.Set("User-Agent", "kube-probe/svcnet")
	req.Header.Set("Accept", "*/*")
	for _, hd := range h.HTTPHeaders {
		if hd.Name == "Host" {
			req.Host = hd.Value
			continue
		}
		req.Header.Add(hd.Name, hd.Value)
	}
	resp, err := p.client.Do(req)
	if err != nil {
		return Failure, fmt.Sprintf("Get %q: %v", u.String(), err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 10<<10))
	if resp.StatusCode >= 200 && resp.StatusCode < 400 {
		return Success, ""
	}
	return Failure, fmt.Sprintf("HTTP probe failed with statuscode: %d", resp.StatusCode)
}

func tcpSocket(ctx context.Context, t Target, s *corev1.TCPSocketAction) (Result, string) {
	port, err := ResolvePort(s.Port, t.Ports)
	if err != nil {
		return Failure, err.Error()
	}
	host := s.Host
	if host == "" {
		host = t.PodIP.String()
	}
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", net.JoinHostPort(host, strconv.Itoa(port)))
	if err != nil {
		return Failure, fmt.Sprintf("dial tcp %s:%d: %v", host, port, err)
	}
	_ = conn.Close()
	return Success, ""
}

func (p *prober) execProbe(ctx context.Context, t Target, e *corev1.ExecAction) (Result, string) {
	if p.exec == nil {
		return Failure, "exec probes need a runtime"
	}
	if len(e.Command) == 0 {
		return Failure, "exec probe has no command"
	}
	var out limitedBuffer
	code, err := p.exec.Exec(ctx, t.PodUID, t.Container, e.Command, runtime.ExecOptions{Stdout: &out, Stderr: &out})
	if err != nil {
		if ctx.Err() != nil {
			return Failure, fmt.Sprintf("command %q timed out", e.Command)
		}
		return Failure, fmt.Sprintf("exec: %v", err)
	}
	if code != 0 {
		return Failure, fmt.Sprintf("command %q exited with %d: %s", e.Command, code, out.String())
	}
	return Success, ""
}

// limitedBuffer keeps the first 4 KiB written to it.
type limitedBuffer struct{ b []byte }

func (l *limitedBuffer) Write(p []byte) (int, error) {
	if room := 4096 - len(l.b); room > 0 {
		l.b = append(l.b, p[:min(room, len(p))]...)
	}
	return len(p), nil
}

func (l *limitedBuffer) String() string { return string(l.b) }
