package workload

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os/signal"
	"strings"
	"syscall"
)

// Exit codes of Main besides a workload's own.
const (
	// exitOK is a clean stop on SIGTERM, SIGINT or cancellation.
	exitOK = 0
	// exitFailed is a workload that could not run, such as a port in use.
	exitFailed = 1
	// exitUsage is an unknown workload or a malformed flag.
	exitUsage = 2
)

// proc is one running workload: its name, options, logs and host.
type proc struct {
	name   string
	opts   options
	stderr io.Writer
	log    *accessLog
	host   host
}

// runFunc runs a workload until ctx ends.
type runFunc func(ctx context.Context, p *proc) error

// runner returns the function that runs the named workload.
func runner(name string) (runFunc, logFormat, bool) {
	switch name {
	case NameNginx:
		return runNginx, formatNginx, true
	case NameHTTPD:
		return runHTTPD, formatCommon, true
	case NameWhoami:
		return runWhoami, formatCombined, true
	case NameNetexec:
		return runNetexec, formatCombined, true
	case NameServeHostname:
		return runServeHostname, formatCombined, true
	case NameSleep:
		return runSleep, formatCombined, true
	}
	return nil, 0, false
}

// Main runs a workload: argv is everything after "svcnet workload", the
// workload name first (an image reference that Lookup knows works too),
// then flags such as --port 80 --port 8080, one for each containerPort,
// then the container's own args. It serves until SIGTERM or SIGINT, or
// until ctx ends, then shuts down gracefully and returns the exit code:
// 0 after a clean stop, 1 when the workload failed, 2 for an unknown
// workload or a bad flag, or the code a client asked netexec's /exit for.
// Access logs and startup notices go to stdout, errors to stderr.
func Main(ctx context.Context, argv []string, stdout, stderr io.Writer) int {
	return run(ctx, argv, stdout, stderr, systemHost())
}

// usageError is a bad flag value found by a workload; Main returns
// exitUsage for it.
type usageError struct{ err error }

// Error returns the message of the wrapped error.
func (e usageError) Error() string { return e.err.Error() }

// Unwrap returns the wrapped error.
func (e usageError) Unwrap() error { return e.err }

// exitCode returns the exit code for the error a workload returned: 0 for
// nil, the requested code for an exitRequest, exitUsage for a usageError
// and exitFailed for anything else.
func exitCode(err error) int {
	var req *exitRequest
	switch {
	case err == nil:
		return exitOK
	case errors.As(err, &req):
		return req.code
	case errors.As(err, new(usageError)):
		return exitUsage
	default:
		return exitFailed
	}
}

// run is Main with the host given.
func run(ctx context.Context, argv []string, stdout, stderr io.Writer, h host) int {
	if len(argv) == 0 {
		fmt.Fprintf(stderr, "usage: svcnet workload NAME [--port N]... [ARGS]...\nworkloads: %s\n", strings.Join(Names(), ", "))
		return exitUsage
	}
	name := argv[0]
	if n, ok := Lookup(name, argv[1:]); ok {
		name = n
	}
	fn, format, ok := runner(name)
	if !ok {
		fmt.Fprintf(stderr, "unknown workload %q: the built-in workloads are %s\n", argv[0], strings.Join(Names(), ", "))
		return exitUsage
	}
	opts, err := parseOptions(argv[1:])
	if err != nil {
		fmt.Fprintf(stderr, "%s: %v\n", name, err)
		return exitUsage
	}
	if _, err := opts.address(); err != nil {
		fmt.Fprintf(stderr, "%s: %v\n", name, err)
		return exitUsage
	}
	ctx, stop := signal.NotifyContext(ctx, syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	p := &proc{
		name:   name,
		opts:   opts,
		stderr: stderr,
		log:    newAccessLog(stdout, format, h.now),
		host:   h,
	}
	err = fn(ctx, p)
	if code := exitCode(err); code != exitOK {
		fmt.Fprintf(stderr, "%s: %v\n", name, err)
		return code
	}
	return exitOK
}
