package netnsutil

import (
	"errors"
	"fmt"
	"os"
	"runtime"

	"golang.org/x/sys/unix"
)

// Do runs fn on a new goroutine whose OS thread has joined the network
// namespace at nsPath, and returns fn's error. The thread is locked and never
// unlocked, so the Go runtime destroys it when fn returns; the caller's own
// thread never changes namespace.
//
// The thread also goes back to its original namespace after fn. The runtime
// cannot destroy the process's main thread: it parks it for good instead,
// and a parked main thread left in a lab namespace would make the whole
// process appear (in /proc/<pid>/ns/net) to be inside it and keep it alive.
//
// fn must not start goroutines that expect to be in the namespace: they are
// scheduled on other threads.
func Do(nsPath string, fn func() error) error {
	f, err := os.Open(nsPath)
	if err != nil {
		return fmt.Errorf("open network namespace: %w", err)
	}
	defer f.Close()
	fd := int(f.Fd())
	errc := make(chan error, 1)
	go func() {
		// Never unlocked: this thread leaves the caller's namespace, and a
		// locked goroutine that exits takes its thread with it.
		runtime.LockOSThread()
		restore, err := saveThreadNS()
		if err != nil {
			errc <- err
			return
		}
		if err := unix.Setns(fd, unix.CLONE_NEWNET); err != nil {
			errc <- errors.Join(fmt.Errorf("enter network namespace %s: %w", nsPath, err), restore())
			return
		}
		err = fn()
		errc <- errors.Join(err, restore())
	}()
	return <-errc
}

// saveThreadNS remembers the calling (locked) thread's network namespace and
// returns a function that switches the thread back to it. Only a failure to
// return the main thread is reported: any other thread is destroyed anyway.
func saveThreadNS() (restore func() error, err error) {
	orig, err := unix.Open("/proc/thread-self/ns/net", unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("open the thread's network namespace: %w", err)
	}
	return func() error {
		defer unix.Close(orig)
		if err := unix.Setns(orig, unix.CLONE_NEWNET); err != nil && unix.Gettid() == unix.Getpid() {
			return fmt.Errorf("return the main thread to its network namespace: %w", err)
		}
		return nil
	}, nil
}

// Inode returns the inode number that identifies the network namespace at
// path (a pinned namespace file or /proc/<pid>/ns/net). Two paths refer to
// the same namespace when their inodes (on nsfs) are equal.
func Inode(path string) (uint64, error) {
	var st unix.Stat_t
	if err := unix.Stat(path, &st); err != nil {
		return 0, fmt.Errorf("stat network namespace %s: %w", path, err)
	}
	return st.Ino, nil
}

// IsNamespace reports whether path is a pinned network namespace (a file on
// nsfs), as opposed to a plain file or a missing path.
func IsNamespace(path string) bool {
	var fs unix.Statfs_t
	if err := unix.Statfs(path, &fs); err != nil {
		return false
	}
	return fs.Type == unix.NSFS_MAGIC
}
