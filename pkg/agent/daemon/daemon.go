// Package daemon is the node agent's streaming endpoint, the part of a
// kubelet's server that `kubectl exec` and `kubectl logs` reach through the
// API server: /exec/{namespace}/{pod}/{uid}/{container} speaks the
// Kubernetes remote-command protocols (SPDY and WebSocket, served by
// k8s.io/cri-streaming), and /containerLogs/{namespace}/{pod}/{uid}/{container}
// streams a container's log, following it on request.
//
// Only the API server may call it: every request must carry the cluster's
// node token as a bearer token.
package daemon

import (
	"bufio"
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"strconv"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/cri-streaming/pkg/streaming/remotecommand"
	utilexec "k8s.io/utils/exec"

	"github.com/svcnet/svcnet/pkg/agent/runtime"
)

// Node is what the daemon needs from the agent.
type Node interface {
	Runtime() runtime.Runtime
	ContainerLogPath(pod *corev1.Pod, container string) string
}

// Config configures a Server.
type Config struct {
	Node   Node
	Token  string
	Logger *slog.Logger
}

// Server serves exec and logs.
type Server struct {
	c   Config
	mux *http.ServeMux
}

// New returns a Server.
func New(c Config) (*Server, error) {
	if c.Node == nil || c.Token == "" {
		return nil, errors.New("daemon: Node and Token are required")
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	s := &Server{c: c, mux: http.NewServeMux()}
	s.mux.HandleFunc("/exec/{namespace}/{pod}/{uid}/{container}", s.exec)
	s.mux.HandleFunc("/containerLogs/{namespace}/{pod}/{uid}/{container}", s.logs)
	return s, nil
}

// ServeHTTP implements http.Handler, checking the bearer token first.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	want := "Bearer " + s.c.Token
	if subtle.ConstantTimeCompare([]byte(r.Header.Get("Authorization")), []byte(want)) != 1 {
		http.Error(w, "Unauthorized", http.StatusUnauthorized)
		return
	}
	s.mux.ServeHTTP(w, r)
}

// executor adapts the runtime to cri-streaming's Executor.
type executor struct{ rt runtime.Runtime }

// exitError carries a command's exit code to cri-streaming, which reports
// it to kubectl as the command's status.
type exitError struct{ code int }

func (e exitError) Error() string   { return fmt.Sprintf("command terminated with exit code %d", e.code) }
func (e exitError) String() string  { return e.Error() }
func (e exitError) Exited() bool    { return true }
func (e exitError) ExitStatus() int { return e.code }

var _ utilexec.ExitError = exitError{}

// ExecInContainer implements remotecommand.Executor.
func (e executor) ExecInContainer(ctx context.Context, _ string, uid string, container string, cmd []string,
	in io.Reader, out, errw io.WriteCloser, tty bool, _ <-chan remotecommand.TerminalSize, _ time.Duration) error {
	o := runtime.ExecOptions{Stdin: in, TTY: tty}
	if out != nil {
		o.Stdout = out
	}
	if errw != nil {
		o.Stderr = errw
	}
	code, err := e.rt.Exec(ctx, uid, container, cmd, o)
	if err != nil {
		return err
	}
	if code != 0 {
		return exitError{code: code}
	}
	return nil
}

func (s *Server) exec(w http.ResponseWriter, r *http.Request) {
	opts, err := remotecommand.NewOptions(r)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	cmd := r.URL.Query()["command"]
	if len(cmd) == 0 {
		http.Error(w, "a command is required", http.StatusBadRequest)
		return
	}
	rt := s.c.Node.Runtime()
	if rt == nil {
		http.Error(w, "the node's runtime is not ready", http.StatusServiceUnavailable)
		return
	}
	remotecommand.ServeExec(w, r, executor{rt: rt}, r.PathValue("pod"), r.PathValue("uid"), r.PathValue("container"),
		cmd, opts, 4*time.Hour, 30*time.Second, remotecommand.SupportedStreamingProtocols)
}

func (s *Server) logs(w http.ResponseWriter, r *http.Request) {
	pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: r.PathValue("namespace"), Name: r.PathValue("pod"), UID: types.UID(r.PathValue("uid"))}}
	path := s.c.Node.ContainerLogPath(pod, r.PathValue("container"))
	f, err := os.Open(path)
	if err != nil {
		http.Error(w, fmt.Sprintf("container %q has no log yet", r.PathValue("container")), http.StatusNotFound)
		return
	}
	defer f.Close()
	q := r.URL.Query()
	if n, err := strconv.Atoi(q.Get("tailLines")); err == nil && n >= 0 {
		if err := seekTail(f, n); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
	}
	w.Header().Set("Content-Type", "text/plain")
	follow := q.Get("follow") == "true" || q.Get("follow") == "1"
	if err := copyLog(r.Context(), w, f, follow); err != nil {
		s.c.Logger.Debug("log stream ended", "err", err)
	}
}

// copyLog copies f to w, and with follow keeps copying what is appended
// until the client goes away.
func copyLog(ctx context.Context, w http.ResponseWriter, f *os.File, follow bool) error {
	rc := http.NewResponseController(w)
	buf := make([]byte, 32<<10)
	for {
		n, err := f.Read(buf)
		if n > 0 {
			if _, werr := w.Write(buf[:n]); werr != nil {
				return werr
			}
			_ = rc.Flush()
			continue
		}
		if err != nil && err != io.EOF {
			return err
		}
		if !follow {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// seekTail positions f at the start of its last n lines.
func seekTail(f *os.File, n int) error {
	var offsets []int64
	var pos int64
	sc := bufio.NewReader(f)
	for {
		line, err := sc.ReadBytes('\n')
		if len(line) > 0 {
			offsets = append(offsets, pos)
			pos += int64(len(line))
		}
		if err != nil {
			break
		}
	}
	start := int64(0)
	if len(offsets) > n {
		start = offsets[len(offsets)-n]
	}
	_, err := f.Seek(start, io.SeekStart)
	return err
}
