// Package runtime runs pods as processes on a Linux node: each pod gets a
// sandbox of its own network, mount, UTS and PID namespaces, and each
// container is a process inside them. There are no images: a container's
// image either names a built-in workload (pkg/workload), which runs by
// re-executing the svcnet binary, or its command runs from the node's
// filesystem.
//
// This file is the contract between the node agent (pkg/agent), which
// decides what should run, and the implementation, which makes it so.
package runtime

import (
	"context"
	"io"
	"net/netip"
	"time"
)

// PodNetwork is a sandbox's network identity.
type PodNetwork struct {
	// IP is the pod's address from the node's podCIDR.
	IP netip.Addr
	// NetNSPath is the pod's network namespace (for exec and probes).
	NetNSPath string
}

// SandboxConfig describes a pod sandbox.
type SandboxConfig struct {
	// UID, Namespace and Name identify the pod.
	UID, Namespace, Name string
	// Hostname is the pod's hostname (pod name, or spec.hostname).
	Hostname string
	// ResolvConf, Hosts are the contents of the pod's /etc/resolv.conf and
	// /etc/hosts, bind-mounted in its mount namespace.
	ResolvConf, Hosts string
	// HostPorts are container hostPorts to reserve on the node (TCP/UDP
	// "proto/port" strings); a port already taken fails RunPodSandbox.
	HostPorts []string
}

// ContainerConfig describes one container process.
type ContainerConfig struct {
	// Name is the container's name, unique in the pod.
	Name string
	// Argv is the full command line. For a built-in workload the agent
	// passes the svcnet binary and its workload arguments.
	Argv []string
	// Env is the environment, as KEY=VALUE.
	Env []string
	// WorkingDir is the process's working directory; "" means "/".
	WorkingDir string
	// LogPath receives the process's stdout and stderr.
	LogPath string
}

// ContainerState is what the runtime knows of a container.
type ContainerState struct {
	Name      string
	PID       int
	Running   bool
	StartedAt time.Time
	// ExitCode and FinishedAt are set once the process has exited.
	ExitCode   int
	FinishedAt time.Time
	// Restarts counts how often StartContainer started this container
	// again after it had exited, persisted so a restarted agent still
	// reports it.
	Restarts int
}

// SandboxState is what the runtime knows of a pod sandbox.
type SandboxState struct {
	UID, Namespace, Name string
	Network              PodNetwork
	// Ready is true while the sandbox's pause process runs. A sandbox that
	// is not ready has lost its containers; RunPodSandbox repairs it.
	Ready      bool
	Containers []ContainerState
}

// ExecOptions carries an exec's streams.
type ExecOptions struct {
	Stdin          io.Reader
	Stdout, Stderr io.Writer
	TTY            bool
}

// Runtime runs pod sandboxes and their containers. Every method is
// idempotent where that makes sense (running an existing sandbox returns
// it; stopping a stopped container succeeds), so the agent can retry and
// adopt state after a restart.
type Runtime interface {
	// RunPodSandbox creates (or returns the existing) sandbox of a pod,
	// with its IP allocated from the node's podCIDR.
	RunPodSandbox(ctx context.Context, c SandboxConfig) (PodNetwork, error)
	// StartContainer starts a container process in the pod's sandbox.
	StartContainer(ctx context.Context, podUID string, c ContainerConfig) (ContainerState, error)
	// StopContainer sends SIGTERM, waits up to grace, then SIGKILL.
	StopContainer(ctx context.Context, podUID, name string, grace time.Duration) error
	// RemovePodSandbox stops every container and releases the pod's
	// namespaces and IP.
	RemovePodSandbox(ctx context.Context, podUID string) error
	// ListSandboxes returns every sandbox on the node, including those a
	// previous agent process left running (to adopt them).
	ListSandboxes(ctx context.Context) ([]SandboxState, error)
	// ExecSync runs a command in a container's namespaces and returns its
	// exit code.
	Exec(ctx context.Context, podUID, container string, argv []string, o ExecOptions) (int, error)
	// LogPath returns where a container's output is written.
	LogPath(podUID, container string) string
}
