package runtime

import (
	"context"
	"fmt"
	"net/netip"
	"path"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"
)

// Fake is an in-memory Runtime that keeps real state, for the agent's unit
// tests: sandboxes get distinct IPs from the podCIDR (lowest free first,
// like Linux), hostPorts conflict, containers run until stopped or until the
// test makes them exit, and RunPodSandbox, StartContainer, StopContainer
// and RemovePodSandbox are idempotent as the contract says. Nothing touches
// the node. All methods are safe for concurrent use.
type Fake struct {
	mu        sync.Mutex
	podCIDR   netip.Prefix
	now       func() time.Time
	nextPID   int
	sandboxes map[string]*fakeSandbox
	order     []string // UIDs in creation order
	ips       map[netip.Addr]string
	ports     map[HostPort]string // -> UID
	errs      map[string][]error
	execFn    func(podUID, container string, argv []string, o ExecOptions) (int, error)
}

type fakeSandbox struct {
	cfg        SandboxConfig
	ip         netip.Addr
	ports      []HostPort
	ready      bool
	containers []*fakeContainer
}

type fakeContainer struct {
	cfg   ContainerConfig
	state ContainerState
}

var _ Runtime = (*Fake)(nil)

// NewFake returns an empty Fake handing out IPs from podCIDR.
func NewFake(podCIDR netip.Prefix) *Fake {
	return &Fake{
		podCIDR:   podCIDR.Masked(),
		now:       time.Now,
		nextPID:   1000,
		sandboxes: map[string]*fakeSandbox{},
		ips:       map[netip.Addr]string{},
		ports:     map[HostPort]string{},
		errs:      map[string][]error{},
	}
}

// SetClock replaces the clock that stamps StartedAt and FinishedAt.
func (f *Fake) SetClock(now func() time.Time) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.now = now
}

// InjectError makes the next call of method (e.g. "RunPodSandbox") fail
// with err, without changing any state. Several injections queue up.
func (f *Fake) InjectError(method string, err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.errs[method] = append(f.errs[method], err)
}

// SetExecFunc sets what Exec does; by default it writes nothing and
// returns exit code 0.
func (f *Fake) SetExecFunc(fn func(podUID, container string, argv []string, o ExecOptions) (int, error)) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.execFn = fn
}

// injected pops the next injected error of method. Call with f.mu held.
func (f *Fake) injected(method string) error {
	q := f.errs[method]
	if len(q) == 0 {
		return nil
	}
	f.errs[method] = q[1:]
	return q[0]
}

// RunPodSandbox implements Runtime.
func (f *Fake) RunPodSandbox(ctx context.Context, c SandboxConfig) (PodNetwork, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.injected("RunPodSandbox"); err != nil {
		return PodNetwork{}, err
	}
	if err := checkUID(c.UID); err != nil {
		return PodNetwork{}, err
	}
	if s, ok := f.sandboxes[c.UID]; ok {
		s.ready = true // a dead sandbox is repaired, its containers stay exited
		return f.network(c.UID, s), nil
	}
	ports, err := parseHostPorts(c.HostPorts)
	if err != nil {
		return PodNetwork{}, err
	}
	for _, hp := range ports {
		if owner, taken := f.ports[hp]; taken {
			o := f.sandboxes[owner].cfg
			return PodNetwork{}, errHostPortInUse(hp, o.Namespace+"/"+o.Name)
		}
	}
	var ip netip.Addr
	podAddrs(f.podCIDR, func(a netip.Addr) bool {
		if _, used := f.ips[a]; used {
			return true
		}
		ip = a
		return false
	})
	if !ip.IsValid() {
		return PodNetwork{}, fmt.Errorf("allocate an IP from %s: %w", f.podCIDR, errPoolExhausted)
	}
	f.ips[ip] = c.UID
	for _, hp := range ports {
		f.ports[hp] = c.UID
	}
	s := &fakeSandbox{cfg: c, ip: ip, ports: ports, ready: true}
	f.sandboxes[c.UID] = s
	f.order = append(f.order, c.UID)
	return f.network(c.UID, s), nil
}

func (f *Fake) network(uid string, s *fakeSandbox) PodNetwork {
	return PodNetwork{IP: s.ip, NetNSPath: "/run/netns/" + podNetNSPrefix + uid}
}

// StartContainer implements Runtime.
func (f *Fake) StartContainer(ctx context.Context, podUID string, c ContainerConfig) (ContainerState, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.injected("StartContainer"); err != nil {
		return ContainerState{}, err
	}
	s, ok := f.sandboxes[podUID]
	if !ok {
		return ContainerState{}, fmt.Errorf("start container %s: sandbox %s %w", c.Name, podUID, errNotFound)
	}
	if !s.ready {
		return ContainerState{}, fmt.Errorf("start container %s of pod %s: %w", c.Name, podUID, errNotRunning)
	}
	if c.Name == "" || len(c.Argv) == 0 {
		return ContainerState{}, fmt.Errorf("container %q: a name and a command are required", c.Name)
	}
	f.nextPID++
	st := ContainerState{Name: c.Name, PID: f.nextPID, Running: true, StartedAt: f.now()}
	for _, old := range s.containers {
		if old.cfg.Name != c.Name {
			continue
		}
		if old.state.Running {
			return old.state, nil
		}
		st.Restarts = old.state.Restarts + 1
		old.cfg, old.state = c, st
		return st, nil
	}
	s.containers = append(s.containers, &fakeContainer{cfg: c, state: st})
	return st, nil
}

// StopContainer implements Runtime. A running container exits with 143
// (128+SIGTERM), as a process that honours SIGTERM's default does.
func (f *Fake) StopContainer(ctx context.Context, podUID, name string, grace time.Duration) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.injected("StopContainer"); err != nil {
		return err
	}
	if c := f.container(podUID, name); c != nil && c.state.Running {
		f.exit(c, 143)
	}
	return nil
}

// RemovePodSandbox implements Runtime.
func (f *Fake) RemovePodSandbox(ctx context.Context, podUID string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.injected("RemovePodSandbox"); err != nil {
		return err
	}
	s, ok := f.sandboxes[podUID]
	if !ok {
		return nil
	}
	delete(f.ips, s.ip)
	for _, hp := range s.ports {
		delete(f.ports, hp)
	}
	delete(f.sandboxes, podUID)
	f.order = slices.DeleteFunc(f.order, func(u string) bool { return u == podUID })
	return nil
}

// ListSandboxes implements Runtime, in creation order.
func (f *Fake) ListSandboxes(ctx context.Context) ([]SandboxState, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.injected("ListSandboxes"); err != nil {
		return nil, err
	}
	out := make([]SandboxState, 0, len(f.order))
	for _, uid := range f.order {
		s := f.sandboxes[uid]
		st := SandboxState{
			UID: uid, Namespace: s.cfg.Namespace, Name: s.cfg.Name,
			Network: f.network(uid, s), Ready: s.ready,
		}
		for _, c := range s.containers {
			st.Containers = append(st.Containers, c.state)
		}
		out = append(out, st)
	}
	return out, nil
}

// Exec implements Runtime through the function set by SetExecFunc.
func (f *Fake) Exec(ctx context.Context, podUID, container string, argv []string, o ExecOptions) (int, error) {
	f.mu.Lock()
	if err := f.injected("Exec"); err != nil {
		f.mu.Unlock()
		return -1, err
	}
	s, ok := f.sandboxes[podUID]
	var err error
	switch {
	case !ok:
		err = fmt.Errorf("exec in pod %s: sandbox %w", podUID, errNotFound)
	case !s.ready:
		err = fmt.Errorf("exec in pod %s: %w", podUID, errNotRunning)
	case container != "" && f.container(podUID, container) == nil:
		err = fmt.Errorf("exec in pod %s: container %s %w", podUID, container, errNotFound)
	}
	fn := f.execFn
	f.mu.Unlock()
	if err != nil {
		return -1, err
	}
	if fn == nil {
		return 0, nil
	}
	return fn(podUID, container, argv, o)
}

// LogPath implements Runtime. The Fake writes no logs.
func (f *Fake) LogPath(podUID, container string) string {
	return path.Join("/fake/logs", podUID, container+".log")
}

// ExitContainer makes a running container exit with code, as if its
// process ended. It fails for an unknown or stopped container.
func (f *Fake) ExitContainer(podUID, name string, code int) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	c := f.container(podUID, name)
	if c == nil || !c.state.Running {
		return fmt.Errorf("container %s of pod %s is not running", name, podUID)
	}
	f.exit(c, code)
	return nil
}

// KillSandbox simulates the end of a sandbox's pause process: it is no
// longer Ready and every container exits with UnknownExitCode.
func (f *Fake) KillSandbox(podUID string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	s, ok := f.sandboxes[podUID]
	if !ok {
		return fmt.Errorf("sandbox %s %w", podUID, errNotFound)
	}
	s.ready = false
	for _, c := range s.containers {
		if c.state.Running {
			f.exit(c, UnknownExitCode)
		}
	}
	return nil
}

// Config returns the sandbox config a pod was created with.
func (f *Fake) Config(podUID string) (SandboxConfig, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	s, ok := f.sandboxes[podUID]
	if !ok {
		return SandboxConfig{}, false
	}
	return s.cfg, true
}

// ContainerConfig returns the config a container was last started with.
func (f *Fake) ContainerConfig(podUID, name string) (ContainerConfig, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	c := f.container(podUID, name)
	if c == nil {
		return ContainerConfig{}, false
	}
	return c.cfg, true
}

// Dump prints the state, one line per sandbox and container, sorted, for
// test failure messages and golden comparisons.
func (f *Fake) Dump() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var lines []string
	for uid, s := range f.sandboxes {
		lines = append(lines, fmt.Sprintf("sandbox %s %s/%s ip=%s ready=%t", uid, s.cfg.Namespace, s.cfg.Name, s.ip, s.ready))
		for _, c := range s.containers {
			lines = append(lines, fmt.Sprintf("container %s/%s running=%t exit=%d restarts=%d",
				uid, c.cfg.Name, c.state.Running, c.state.ExitCode, c.state.Restarts))
		}
	}
	sort.Strings(lines)
	return strings.Join(lines, "\n")
}

// container finds a container; call with f.mu held.
func (f *Fake) container(podUID, name string) *fakeContainer {
	s, ok := f.sandboxes[podUID]
	if !ok {
		return nil
	}
	for _, c := range s.containers {
		if c.cfg.Name == name {
			return c
		}
	}
	return nil
}

func (f *Fake) exit(c *fakeContainer, code int) {
	c.state.Running, c.state.ExitCode, c.state.FinishedAt = false, code, f.now()
}
