package runtime

import "errors"

// errNotFound marks a missing sandbox or container.
var errNotFound = errors.New("not found")

// IsNotFound reports whether err means that the sandbox or container asked
// for does not exist.
func IsNotFound(err error) bool { return errors.Is(err, errNotFound) }

// errNotRunning marks a sandbox whose pause process is gone.
var errNotRunning = errors.New("sandbox is not running")

// IsSandboxNotRunning reports whether err means that the pod's sandbox
// exists but its pause process has ended (RunPodSandbox repairs it).
func IsSandboxNotRunning(err error) bool { return errors.Is(err, errNotRunning) }
