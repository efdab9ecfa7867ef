package lab

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"golang.org/x/sys/unix"
)

const (
	stateFile    = "state.json"
	lockFile     = "lock"
	stateVersion = 1
)

// Phases of a lab in its state file.
const (
	phaseCreating = "creating" // Up is (or was, when it crashed) building it
	phaseReady    = "ready"    // Up finished
)

// state is what a lab records about itself in RunDir/state.json. It is
// written before each thing it describes is created, so a crash leaves a
// superset of what exists, never a subset.
type state struct {
	Version int       `json:"version"`
	Name    string    `json:"name"`
	Nodes   int       `json:"nodes"`
	Phase   string    `json:"phase"`
	Created time.Time `json:"created"`
	// Namespaces are the `ip netns` names this lab created (or was about to
	// create), in creation order. Down deletes exactly these.
	Namespaces []string `json:"namespaces"`
	// Processes are the processes Start started. Down stops exactly these.
	Processes []process `json:"processes,omitempty"`
}

// process identifies a started process by PID and by its start time (in clock
// ticks after boot, field 22 of /proc/<pid>/stat), so that a PID reused by an
// unrelated process after a reboot or a wrap-around is never signalled.
type process struct {
	PID       int      `json:"pid"`
	StartTime uint64   `json:"startTime"`
	Namespace string   `json:"namespace,omitempty"`
	Command   []string `json:"command"`
	Log       string   `json:"log,omitempty"`
}

func statePath(runDir string) string { return filepath.Join(runDir, stateFile) }

// readState reads the state file; a missing one gives an error satisfying
// errors.Is(err, fs.ErrNotExist).
func readState(runDir string) (*state, error) {
	b, err := os.ReadFile(statePath(runDir))
	if err != nil {
		return nil, fmt.Errorf("read lab state: %w", err)
	}
	var st state
	if err := json.Unmarshal(b, &st); err != nil {
		return nil, fmt.Errorf("parse lab state %s: %w", statePath(runDir), err)
	}
	if st.Version != stateVersion {
		return nil, fmt.Errorf("lab state %s: version %d, want %d", statePath(runDir), st.Version, stateVersion)
	}
	return &st, nil
}

// writeState replaces the state file atomically (write, then rename), so a
// reader or a crash never sees half a file.
func writeState(runDir string, st *state) error {
	b, err := json.MarshalIndent(st, "", "  ")
	if err != nil {
		return fmt.Errorf("encode lab state: %w", err)
	}
	tmp, err := os.CreateTemp(runDir, stateFile+".tmp*")
	if err != nil {
		return fmt.Errorf("write lab state: %w", err)
	}
	_, werr := tmp.Write(append(b, '\n'))
	serr := tmp.Sync()
	cerr := tmp.Close()
	if err := errors.Join(werr, serr, cerr); err != nil {
		_ = os.Remove(tmp.Name())
		return fmt.Errorf("write lab state: %w", err)
	}
	if err := os.Rename(tmp.Name(), statePath(runDir)); err != nil {
		_ = os.Remove(tmp.Name())
		return fmt.Errorf("write lab state: %w", err)
	}
	return nil
}

// lockRunDir takes an exclusive lock on the run directory, serialising Up,
// Down and Start on the same lab across processes. create says whether to
// create the directory; without it a missing directory gives fs.ErrNotExist.
func lockRunDir(runDir string, create bool) (unlock func(), err error) {
	if create {
		if err := os.MkdirAll(runDir, 0o755); err != nil {
			return nil, fmt.Errorf("create lab run directory: %w", err)
		}
	}
	if _, err := os.Stat(runDir); err != nil {
		return nil, fmt.Errorf("lab run directory: %w", err)
	}
	f, err := os.OpenFile(filepath.Join(runDir, lockFile), os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("open lab lock: %w", err)
	}
	if err := unix.Flock(int(f.Fd()), unix.LOCK_EX); err != nil {
		f.Close()
		return nil, fmt.Errorf("lock lab run directory: %w", err)
	}
	return func() { f.Close() }, nil
}

// removeRunFiles removes the files the lab put in its run directory, and the
// directory if nothing else (such as logs) is left in it. It never removes
// files it did not create.
func removeRunFiles(runDir string) error {
	var errs []error
	for _, f := range []string{stateFile, lockFile} {
		if err := os.Remove(filepath.Join(runDir, f)); err != nil && !errors.Is(err, fs.ErrNotExist) {
			errs = append(errs, err)
		}
	}
	if err := os.Remove(runDir); err != nil && !errors.Is(err, fs.ErrNotExist) && !errors.Is(err, unix.ENOTEMPTY) && !errors.Is(err, unix.EEXIST) {
		errs = append(errs, err)
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("remove lab run files: %w", err)
	}
	return nil
}
