//go:build linux

package runtime

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"os/exec"
	"path/filepath"
	"sync"

	"github.com/vishvananda/netlink"

	"github.com/svcnet/svcnet/pkg/netnsutil"
)

// Linux runs pod sandboxes as Linux namespaces and containers as processes.
// It keeps all its state on disk under Config.StateDir, so a new Linux on
// the same StateDir adopts what an earlier one left running.
type Linux struct {
	cfg      Config
	log      *slog.Logger
	ipam     *hostLocalIPAM
	store    *stateStore
	procRoot string
	// envBinary is env(1), which sets a container's working directory.
	envBinary string

	// stateMu serializes read-modify-write cycles of state files.
	stateMu sync.Mutex

	mu       sync.Mutex             // guards the maps below
	podLocks map[string]*sync.Mutex // one per pod UID, held by long operations
	waiters  map[procRef]chan struct{}
	ports    map[string][]io.Closer // hostPort sockets held per pod UID
}

var _ Runtime = (*Linux)(nil)

// NewLinux validates cfg and returns a runtime working in cfg.StateDir. It
// changes nothing on the node until it is used: call EnsureNodeNetwork
// before the first RunPodSandbox.
func NewLinux(cfg Config) (*Linux, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("runtime config: %w", err)
	}
	ipam, err := newHostLocalIPAM(filepath.Join(cfg.StateDir, "ipam"), cfg.PodCIDR)
	if err != nil {
		return nil, err
	}
	store, err := newStateStore(filepath.Join(cfg.StateDir, "pods"))
	if err != nil {
		return nil, err
	}
	if _, err := exec.LookPath(cfg.NSEnter); err != nil {
		return nil, fmt.Errorf("runtime needs nsenter (util-linux) to run containers: %w", err)
	}
	envBinary, err := exec.LookPath("env")
	if err != nil {
		envBinary = "/usr/bin/env"
	}
	return &Linux{
		envBinary: envBinary,
		cfg:       cfg,
		log:       cfg.Logger,
		ipam:      ipam,
		store:     store,
		procRoot:  "/proc",
		podLocks:  map[string]*sync.Mutex{},
		waiters:   map[procRef]chan struct{}{},
		ports:     map[string][]io.Closer{},
	}, nil
}

// LogPath returns the default log file of a container:
// StateDir/logs/<uid>/<container>.log.
func (l *Linux) LogPath(podUID, container string) string {
	return filepath.Join(l.logDir(podUID), container+".log")
}

func (l *Linux) logDir(podUID string) string { return filepath.Join(l.cfg.StateDir, "logs", podUID) }

// lockPod takes the lock of one pod and returns its unlock function.
func (l *Linux) lockPod(uid string) func() {
	l.mu.Lock()
	m, ok := l.podLocks[uid]
	if !ok {
		m = &sync.Mutex{}
		l.podLocks[uid] = m
	}
	l.mu.Unlock()
	m.Lock()
	return m.Unlock
}

// update loads uid's record, applies fn and saves it, under stateMu.
func (l *Linux) update(uid string, fn func(*sandboxRecord) error) error {
	l.stateMu.Lock()
	defer l.stateMu.Unlock()
	rec, ok, err := l.store.Load(uid)
	if err != nil {
		return err
	}
	if !ok {
		return fmt.Errorf("sandbox %s: %w", uid, errNotFound)
	}
	if err := fn(rec); err != nil {
		return err
	}
	return l.store.Save(rec)
}

// load reads uid's record under stateMu.
func (l *Linux) load(uid string) (*sandboxRecord, bool, error) {
	l.stateMu.Lock()
	defer l.stateMu.Unlock()
	return l.store.Load(uid)
}

// nodeHandle opens a netlink handle on the node's namespace.
func (l *Linux) nodeHandle() (*netlink.Handle, error) {
	if l.cfg.NodeNetNS == "" {
		h, err := netlink.NewHandle()
		if err != nil {
			return nil, fmt.Errorf("netlink handle: %w", err)
		}
		return h, nil
	}
	return netnsutil.Handle(l.cfg.NodeNetNS)
}

// inNode runs fn in the node's network namespace.
func (l *Linux) inNode(fn func() error) error {
	if l.cfg.NodeNetNS == "" {
		return fn()
	}
	return netnsutil.Do(l.cfg.NodeNetNS, fn)
}

// podNetNSName is the name of a pod's namespace in /run/netns. It is
// derived from the UID alone, so cleanup never trusts a path read from disk.
func podNetNSName(uid string) string { return podNetNSPrefix + uid }

// hostVethName is the node-side veth of a pod: "veth" and 10 hex digits of
// the UID's hash (interface names have at most 15 bytes).
func hostVethName(uid string) string {
	h := sha256.Sum256([]byte(uid))
	return "veth" + hex.EncodeToString(h[:])[:10]
}

// randomMAC returns a locally administered unicast MAC address.
func randomMAC() ([]byte, error) {
	b := make([]byte, 6)
	if _, err := rand.Read(b); err != nil {
		return nil, fmt.Errorf("random MAC: %w", err)
	}
	b[0] = b[0]&0xfe | 0x02
	return b, nil
}
