package agent

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	goruntime "runtime"
	"strconv"
	"strings"
	"syscall"
)

// SystemInfo is what the Node reports about its machine.
type SystemInfo struct {
	// NumCPU is the CPU capacity.
	NumCPU int
	// MemoryBytes is MemTotal from /proc/meminfo.
	MemoryBytes int64
	// OSImage is PRETTY_NAME from /etc/os-release.
	OSImage string
	// KernelVersion is uname's release.
	KernelVersion string
	// Architecture and OperatingSystem are GOARCH and GOOS.
	Architecture, OperatingSystem string
	// MachineID and BootID come from /etc/machine-id and
	// /proc/sys/kernel/random/boot_id when readable.
	MachineID, BootID string
}

// ReadSystemInfo reads the running machine's facts.
func ReadSystemInfo() (SystemInfo, error) {
	si := SystemInfo{NumCPU: goruntime.NumCPU(), Architecture: goruntime.GOARCH, OperatingSystem: goruntime.GOOS}
	meminfo, err := os.ReadFile("/proc/meminfo")
	if err != nil {
		return si, fmt.Errorf("reading memory size: %w", err)
	}
	if si.MemoryBytes, err = parseMemTotal(meminfo); err != nil {
		return si, err
	}
	if osr, err := os.ReadFile("/etc/os-release"); err == nil {
		si.OSImage = parseOSRelease(osr)
	}
	var u syscall.Utsname
	if err := syscall.Uname(&u); err == nil {
		si.KernelVersion = utsString(u.Release[:])
	}
	if b, err := os.ReadFile("/etc/machine-id"); err == nil {
		si.MachineID = strings.TrimSpace(string(b))
	}
	if b, err := os.ReadFile("/proc/sys/kernel/random/boot_id"); err == nil {
		si.BootID = strings.TrimSpace(string(b))
	}
	return si, nil
}

// utsString converts a NUL-terminated uname field (int8 or uint8 by
// architecture).
func utsString[T int8 | uint8](f []T) string {
	var b strings.Builder
	for _, c := range f {
		if c == 0 {
			break
		}
		b.WriteByte(byte(c))
	}
	return b.String()
}

// parseMemTotal returns MemTotal in bytes.
func parseMemTotal(meminfo []byte) (int64, error) {
	sc := bufio.NewScanner(bytes.NewReader(meminfo))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) >= 2 && f[0] == "MemTotal:" {
			kb, err := strconv.ParseInt(f[1], 10, 64)
			if err != nil {
				return 0, fmt.Errorf("parsing MemTotal %q: %w", f[1], err)
			}
			return kb * 1024, nil
		}
	}
	return 0, fmt.Errorf("no MemTotal in /proc/meminfo")
}

// parseOSRelease returns PRETTY_NAME (the kubelet's osImage), or
// "Unknown".
func parseOSRelease(b []byte) string {
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "PRETTY_NAME="); ok {
			if u, err := strconv.Unquote(v); err == nil {
				return u
			}
			return strings.Trim(v, `"'`)
		}
	}
	return "Unknown"
}
