package netnsutil

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"

	"golang.org/x/sys/unix"
)

// RunDir is where iproute2 (and CreateNamed) pin named network namespaces.
const RunDir = "/run/netns"

// NamedPath returns the path of the named namespace name: /run/netns/<name>.
func NamedPath(name string) string { return filepath.Join(RunDir, name) }

// ValidName reports whether name can name a namespace file in RunDir: not
// empty, not "." or "..", no slash, at most 255 bytes.
func ValidName(name string) bool {
	return name != "" && name != "." && name != ".." && !strings.ContainsRune(name, '/') &&
		!strings.ContainsRune(name, 0) && len(name) <= 255
}

// CreateNamed creates a new, empty network namespace pinned at
// /run/netns/<name>, exactly where `ip netns add <name>` would put it. It fails
// with an error satisfying errors.Is(err, fs.ErrExist) if that name is taken.
func CreateNamed(name string) error {
	if !ValidName(name) {
		return fmt.Errorf("invalid network namespace name %q", name)
	}
	if err := prepareRunDir(); err != nil {
		return err
	}
	return Create(NamedPath(name))
}

// DeleteNamed removes the named namespace /run/netns/<name>, like
// `ip netns delete`. A missing name is not an error.
func DeleteNamed(name string) error {
	if !ValidName(name) {
		return fmt.Errorf("invalid network namespace name %q", name)
	}
	return Delete(NamedPath(name))
}

// prepareRunDir makes RunDir a shared mount point, as iproute2 does, so that
// namespace pins propagate between mount namespaces and an unmount in one of
// them frees the namespace everywhere. A lock on the directory keeps
// concurrent callers from stacking bind mounts.
func prepareRunDir() error {
	if err := os.MkdirAll(RunDir, 0o755); err != nil {
		return fmt.Errorf("create %s: %w", RunDir, err)
	}
	lock, err := os.Open(RunDir)
	if err != nil {
		return fmt.Errorf("open %s: %w", RunDir, err)
	}
	defer lock.Close()
	if err := unix.Flock(int(lock.Fd()), unix.LOCK_EX); err != nil {
		return fmt.Errorf("lock %s: %w", RunDir, err)
	}
	defer unix.Flock(int(lock.Fd()), unix.LOCK_UN) //nolint:errcheck // closing releases it too
	madeMount := false
	for {
		err := unix.Mount("", RunDir, "none", unix.MS_SHARED|unix.MS_REC, "")
		if err == nil {
			return nil
		}
		if !errors.Is(err, unix.EINVAL) || madeMount {
			return fmt.Errorf("make %s a shared mount: %w", RunDir, err)
		}
		// Not a mount point yet: bind it onto itself, then retry once.
		if err := unix.Mount(RunDir, RunDir, "none", unix.MS_BIND|unix.MS_REC, ""); err != nil {
			return fmt.Errorf("bind mount %s onto itself: %w", RunDir, err)
		}
		madeMount = true
	}
}

// Create creates a new network namespace and pins it by bind-mounting it on
// path, which must not exist (errors.Is(err, fs.ErrExist) otherwise). The
// parent directory must exist. The namespace lives until Delete(path), even
// when no process is in it.
func Create(path string) error {
	f, err := os.OpenFile(path, os.O_RDONLY|os.O_CREATE|os.O_EXCL, 0o444)
	if err != nil {
		return fmt.Errorf("create network namespace file: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("create network namespace file: %w", err)
	}
	errc := make(chan error, 1)
	go func() {
		// Never unlocked, as in Do: the thread has been in the new
		// namespace and dies with this goroutine.
		runtime.LockOSThread()
		restore, err := saveThreadNS()
		if err != nil {
			errc <- err
			return
		}
		if err := unix.Unshare(unix.CLONE_NEWNET); err != nil {
			errc <- errors.Join(fmt.Errorf("unshare network namespace: %w", err), restore())
			return
		}
		src := fmt.Sprintf("/proc/self/task/%d/ns/net", unix.Gettid())
		if err := unix.Mount(src, path, "none", unix.MS_BIND, ""); err != nil {
			errc <- errors.Join(fmt.Errorf("pin network namespace at %s: %w", path, err), restore())
			return
		}
		errc <- restore()
	}()
	if err := <-errc; err != nil {
		_ = os.Remove(path)
		return err
	}
	return nil
}

// Delete unpins the namespace at path and removes the file. The namespace
// itself goes away once no process and no other pin holds it. A missing path
// is not an error; a stale, unmounted pin file (after a reboot) is removed.
// Delete refuses paths that are neither a namespace pin nor an empty regular
// file, so a corrupted caller can never unmount something else.
func Delete(path string) error {
	var st unix.Stat_t
	if err := unix.Lstat(path, &st); err != nil {
		if errors.Is(err, unix.ENOENT) {
			return nil
		}
		return fmt.Errorf("stat %s: %w", path, err)
	}
	if IsNamespace(path) {
		if err := unix.Unmount(path, unix.MNT_DETACH); err != nil && !errors.Is(err, unix.EINVAL) {
			return fmt.Errorf("unpin network namespace %s: %w", path, err)
		}
	} else if st.Mode&unix.S_IFMT != unix.S_IFREG || st.Size != 0 {
		return fmt.Errorf("refusing to delete %s: not a network namespace pin", path)
	}
	if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("remove network namespace file: %w", err)
	}
	return nil
}
