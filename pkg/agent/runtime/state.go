package runtime

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// UnknownExitCode is recorded for a container that ended while no runtime
// was watching it (the agent was restarting), so its real status was lost.
// containerd reports the same value in that case.
const UnknownExitCode = 255

// procRef identifies one process for good: a PID alone can be reused, a PID
// together with its start time (in clock ticks since boot, field 22 of
// /proc/PID/stat) cannot.
type procRef struct {
	PID        int    `json:"pid"`
	StartTicks uint64 `json:"startTicks"`
}

// containerRecord is a container as persisted in its sandbox's state file.
type containerRecord struct {
	Name       string   `json:"name"`
	Argv       []string `json:"argv"`
	Env        []string `json:"env,omitempty"`
	WorkingDir string   `json:"workingDir,omitempty"`
	LogPath    string   `json:"logPath"`
	// Proc is the nsenter wrapper, which leads the container's process
	// group and exits with the container's status.
	Proc       procRef   `json:"proc"`
	Running    bool      `json:"running"`
	StartedAt  time.Time `json:"startedAt"`
	ExitCode   int       `json:"exitCode"`
	FinishedAt time.Time `json:"finishedAt,omitzero"`
	Restarts   int       `json:"restarts"`
}

// sandboxRecord is the state file of one sandbox: StateDir/pods/<uid>.json.
type sandboxRecord struct {
	UID       string     `json:"uid"`
	Namespace string     `json:"namespace"`
	Name      string     `json:"name"`
	Hostname  string     `json:"hostname"`
	IP        netip.Addr `json:"ip"`
	NetNSPath string     `json:"netnsPath"`
	HostVeth  string     `json:"hostVeth"`
	HostPorts []HostPort `json:"hostPorts,omitempty"`
	Pause     procRef    `json:"pause"`
	CreatedAt time.Time  `json:"createdAt"`

	Containers []containerRecord `json:"containers,omitempty"`
}

// container returns the record of the named container, or nil.
func (r *sandboxRecord) container(name string) *containerRecord {
	for i := range r.Containers {
		if r.Containers[i].Name == name {
			return &r.Containers[i]
		}
	}
	return nil
}

// checkUID refuses UIDs that cannot name a file: the UID becomes part of
// paths and namespace names.
func checkUID(uid string) error {
	if uid == "" || uid == "." || uid == ".." || len(uid) > 128 {
		return fmt.Errorf("invalid pod UID %q", uid)
	}
	for _, r := range uid {
		ok := r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.'
		if !ok {
			return fmt.Errorf("invalid pod UID %q: only letters, digits, '-', '_' and '.' are allowed", uid)
		}
	}
	return nil
}

// stateStore reads and writes the sandbox state files in dir. Writes go to
// a temporary file renamed into place, so a reader never sees half a file.
type stateStore struct{ dir string }

func newStateStore(dir string) (*stateStore, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("create state directory: %w", err)
	}
	return &stateStore{dir: dir}, nil
}

func (s *stateStore) path(uid string) string { return filepath.Join(s.dir, uid+".json") }

// podDir is the directory of a sandbox's own files (resolv.conf, hosts,
// hostname, pause.log).
func (s *stateStore) podDir(uid string) string { return filepath.Join(s.dir, uid) }

// Load returns the record of uid; ok is false if there is none.
func (s *stateStore) Load(uid string) (rec *sandboxRecord, ok bool, err error) {
	b, err := os.ReadFile(s.path(uid))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("read sandbox state: %w", err)
	}
	rec = &sandboxRecord{}
	if err := json.Unmarshal(b, rec); err != nil {
		return nil, false, fmt.Errorf("parse sandbox state %s: %w", s.path(uid), err)
	}
	return rec, true, nil
}

// Save writes rec atomically.
func (s *stateStore) Save(rec *sandboxRecord) error {
	b, err := json.MarshalIndent(rec, "", "  ")
	if err != nil {
		return fmt.Errorf("encode sandbox state: %w", err)
	}
	tmp, err := os.CreateTemp(s.dir, ".tmp-"+rec.UID+"-*")
	if err != nil {
		return fmt.Errorf("write sandbox state: %w", err)
	}
	_, werr := tmp.Write(append(b, '\n'))
	if serr := tmp.Sync(); werr == nil {
		werr = serr
	}
	if cerr := tmp.Close(); werr == nil {
		werr = cerr
	}
	if werr == nil {
		werr = os.Rename(tmp.Name(), s.path(rec.UID))
	}
	if werr != nil {
		_ = os.Remove(tmp.Name())
		return fmt.Errorf("write sandbox state: %w", werr)
	}
	return nil
}

// Delete removes the state file and the pod's directory.
func (s *stateStore) Delete(uid string) error {
	if err := os.RemoveAll(s.podDir(uid)); err != nil {
		return fmt.Errorf("remove sandbox directory: %w", err)
	}
	if err := os.Remove(s.path(uid)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("remove sandbox state: %w", err)
	}
	return nil
}

// UIDs lists the UIDs that have a state file.
func (s *stateStore) UIDs() ([]string, error) {
	ents, err := os.ReadDir(s.dir)
	if err != nil {
		return nil, fmt.Errorf("read state directory: %w", err)
	}
	var out []string
	for _, e := range ents {
		uid, ok := strings.CutSuffix(e.Name(), ".json")
		if ok && e.Type().IsRegular() && checkUID(uid) == nil {
			out = append(out, uid)
		}
	}
	return out, nil
}
