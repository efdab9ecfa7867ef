//go:build linux

package runtime

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// pauseReady is the line the pause process writes on its stdout once the
// sandbox is set up.
const pauseReady = "ready"

// PauseMain is the body of the hidden `svcnet pause` subcommand: the
// long-lived first process of a pod. args are the arguments after "pause":
//
//	--hostname H         the pod's hostname
//	--resolv FILE        bind-mounted over /etc/resolv.conf
//	--hosts FILE         bind-mounted over /etc/hosts
//	--hostname-file FILE bind-mounted over /etc/hostname (optional)
//	--proc=true          mount a fresh /proc for the pod's PID namespace
//
// The runtime starts it in the pod's network namespace with new mount, UTS
// and PID namespaces (clone flags), so it is PID 1 of the pod. It refuses to
// run otherwise, because its mounts would then change the node's own /etc.
// It makes every mount a slave (nothing propagates back to the node),
// detaches the network-namespace pins it inherited (so it does not keep
// other pods' namespaces alive), bind-mounts the pod's files, sets the
// hostname, writes "ready" on stdout, and then reaps orphans until SIGTERM
// or SIGINT. When it exits, the kernel kills every process of the pod.
// It returns the process exit code.
func PauseMain(args []string) int {
	fs := flag.NewFlagSet("pause", flag.ContinueOnError)
	var o pauseOptions
	fs.StringVar(&o.hostname, "hostname", "", "the pod's hostname")
	fs.StringVar(&o.resolv, "resolv", "", "file to bind-mount over /etc/resolv.conf")
	fs.StringVar(&o.hosts, "hosts", "", "file to bind-mount over /etc/hosts")
	fs.StringVar(&o.hostnameFile, "hostname-file", "", "file to bind-mount over /etc/hostname")
	fs.BoolVar(&o.proc, "proc", true, "mount a fresh /proc for the pod's PID namespace")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if err := pauseSetup(o); err != nil {
		fmt.Fprintf(os.Stderr, "pause: %v\n", err)
		return 1
	}
	fmt.Fprintln(os.Stdout, pauseReady)
	_ = os.Stdout.Close()
	return pauseLoop()
}

type pauseOptions struct {
	hostname, resolv, hosts, hostnameFile string
	proc                                  bool
}

// pauseSetup prepares the pod's mount and UTS namespaces.
func pauseSetup(o pauseOptions) error {
	if err := checkOwnNamespaces(); err != nil {
		return err
	}
	if err := unix.Mount("", "/", "", unix.MS_REC|unix.MS_SLAVE, ""); err != nil {
		return fmt.Errorf("make mounts slave: %w", err)
	}
	if err := detachNetNSPins(); err != nil {
		return err
	}
	for _, b := range []struct{ src, dst string }{
		{o.resolv, "/etc/resolv.conf"},
		{o.hosts, "/etc/hosts"},
		{o.hostnameFile, "/etc/hostname"},
	} {
		if b.src == "" {
			continue
		}
		if err := unix.Mount(b.src, b.dst, "", unix.MS_BIND, ""); err != nil {
			return fmt.Errorf("bind-mount %s over %s: %w", b.src, b.dst, err)
		}
	}
	if o.hostname != "" {
		if err := unix.Sethostname([]byte(o.hostname)); err != nil {
			return fmt.Errorf("set hostname %q: %w", o.hostname, err)
		}
	}
	if o.proc {
		if err := unix.Mount("proc", "/proc", "proc", unix.MS_NOSUID|unix.MS_NODEV|unix.MS_NOEXEC, ""); err != nil {
			return fmt.Errorf("mount /proc: %w", err)
		}
	}
	return nil
}

// checkOwnNamespaces refuses to go on unless this process is PID 1 of a PID
// namespace and its mount and UTS namespaces differ from those of the
// node's init (as seen through the inherited /proc): mounting over /etc in
// the node's own mount namespace would change the node.
func checkOwnNamespaces() error {
	if os.Getpid() != 1 {
		return errors.New("not PID 1 of a new PID namespace: pause must be started by the runtime")
	}
	for _, ns := range []string{"mnt", "uts"} {
		self, err := os.Readlink("/proc/self/ns/" + ns)
		if err != nil {
			return fmt.Errorf("read own %s namespace: %w", ns, err)
		}
		// With the node's /proc still mounted, /proc/1 is the node's init.
		init, err := os.Readlink("/proc/1/ns/" + ns)
		if err == nil && init == self {
			return fmt.Errorf("pause shares the node's %s namespace: it must be started with its own", ns)
		}
	}
	return nil
}

// detachNetNSPins lazily unmounts, in this mount namespace only, every nsfs
// mount (the /run/netns pins of the node, the lab and other pods). Left in
// place, this namespace's copies would keep those namespaces (and their
// veths) alive after the node deletes them.
func detachNetNSPins() error {
	f, err := os.Open("/proc/self/mountinfo")
	if err != nil {
		return fmt.Errorf("read mounts: %w", err)
	}
	defer f.Close()
	points, err := nsfsMountPoints(f)
	if err != nil {
		return err
	}
	for _, p := range points {
		if err := unix.Unmount(p, unix.MNT_DETACH); err != nil && !errors.Is(err, unix.EINVAL) && !errors.Is(err, unix.ENOENT) {
			return fmt.Errorf("detach namespace pin %s: %w", p, err)
		}
	}
	return nil
}

// nsfsMountPoints parses mountinfo(5) text and returns the mount points of
// nsfs mounts.
func nsfsMountPoints(r io.Reader) ([]string, error) {
	var out []string
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	for sc.Scan() {
		pre, post, ok := strings.Cut(sc.Text(), " - ")
		if !ok {
			continue
		}
		f, pf := strings.Fields(pre), strings.Fields(post)
		if len(f) >= 5 && len(pf) >= 1 && pf[0] == "nsfs" {
			out = append(out, unescapeMountPath(f[4]))
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read mounts: %w", err)
	}
	return out, nil
}

// unescapeMountPath undoes mountinfo's octal escapes (\040 for a space).
func unescapeMountPath(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+4 <= len(s) {
			if n, err := strconv.ParseUint(s[i+1:i+4], 8, 8); err == nil {
				b.WriteByte(byte(n))
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// pauseLoop reaps every child that ends (as PID 1 it inherits the pod's
// orphans) until SIGTERM or SIGINT.
func pauseLoop() int {
	sigs := make(chan os.Signal, 8)
	signal.Notify(sigs, unix.SIGTERM, unix.SIGINT, unix.SIGCHLD)
	for sig := range sigs {
		if sig != unix.SIGCHLD {
			return 0
		}
		for range 1 << 16 { // bounded: at most every PID once
			var ws unix.WaitStatus
			pid, err := unix.Wait4(-1, &ws, unix.WNOHANG, nil)
			if pid <= 0 || err != nil {
				break
			}
		}
	}
	return 0
}
