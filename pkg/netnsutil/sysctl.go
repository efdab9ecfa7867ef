package netnsutil

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// Sysctl is one kernel setting, named as sysctl(8) names it
// ("net.ipv4.ip_forward").
type Sysctl struct {
	Key   string
	Value string
}

// SetSysctls writes settings inside the namespace at nsPath. Only keys under
// "net." are accepted: those are the per-namespace ones (a key the namespace
// does not have fails instead of reaching a global setting), so this can never
// change the host's own configuration.
func SetSysctls(nsPath string, settings []Sysctl) error {
	for _, s := range settings {
		if _, err := sysctlPath(s.Key); err != nil {
			return err
		}
	}
	return Do(nsPath, func() error {
		for _, s := range settings {
			p, _ := sysctlPath(s.Key)
			if err := os.WriteFile(p, []byte(s.Value), 0o644); err != nil {
				return fmt.Errorf("set %s=%s in %s: %w", s.Key, s.Value, nsPath, err)
			}
		}
		return nil
	})
}

// GetSysctl reads one setting inside the namespace at nsPath.
func GetSysctl(nsPath, key string) (string, error) {
	p, err := sysctlPath(key)
	if err != nil {
		return "", err
	}
	var v string
	err = Do(nsPath, func() error {
		b, err := os.ReadFile(p)
		v = strings.TrimSpace(string(b))
		return err
	})
	if err != nil {
		return "", fmt.Errorf("read %s in %s: %w", key, nsPath, err)
	}
	return v, nil
}

// sysctlPath maps "net.ipv4.ip_forward" to /proc/sys/net/ipv4/ip_forward.
func sysctlPath(key string) (string, error) {
	if !strings.HasPrefix(key, "net.") || strings.Contains(key, "..") || strings.Contains(key, "/") {
		return "", fmt.Errorf("sysctl %q: only per-namespace net.* keys are allowed", key)
	}
	return filepath.Join("/proc/sys", strings.ReplaceAll(key, ".", "/")), nil
}
