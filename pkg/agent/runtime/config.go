package runtime

import (
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"path/filepath"
)

// DefaultBridgeName is the node bridge that every pod's veth is enslaved to.
const DefaultBridgeName = "svcnet0"

// podNetNSPrefix starts the name of every pod network namespace in
// /run/netns. Lab namespaces start with the lab's name ("svcnet-node1"), so
// the prefix avoids "svcnet-" to never collide with them.
const podNetNSPrefix = "svcpod-"

// Config configures the Linux runtime. Every field is documented; Validate
// checks them and fills in defaults.
type Config struct {
	// NodeNetNS is the path of the node's network namespace (a pinned
	// namespace such as /run/netns/svcnet-node1). The bridge, the host ends
	// of the pods' veths and the hostPort reservations live there. "" means
	// the namespace of the calling process.
	NodeNetNS string
	// PodCIDR is the node's pod range (IPv4). Its first address is the
	// bridge's gateway address; pods get the following ones.
	PodCIDR netip.Prefix
	// StateDir holds everything the runtime persists (see README.md): the
	// IPAM leases, the sandbox state files and, by default, the logs. A
	// restarted runtime on the same StateDir adopts the sandboxes it finds.
	StateDir string
	// SvcnetBinary is the executable run as `SvcnetBinary pause ...` to
	// become each pod's pause process (see PauseMain).
	SvcnetBinary string
	// NSEnter is the nsenter(1) executable used to run containers and execs
	// inside a sandbox. Default "nsenter" (looked up in PATH).
	NSEnter string
	// Logger receives the runtime's logs. Default: discard.
	Logger *slog.Logger
	// BridgeName is the node bridge's name. Default DefaultBridgeName.
	BridgeName string
}

// Validate checks c and fills in defaults.
func (c *Config) Validate() error {
	var errs []error
	if !c.PodCIDR.IsValid() || !c.PodCIDR.Addr().Is4() {
		errs = append(errs, fmt.Errorf("podCIDR %q must be a valid IPv4 prefix", c.PodCIDR))
	} else if c.PodCIDR.Bits() > 30 {
		errs = append(errs, fmt.Errorf("podCIDR %s is too small: it needs room for a gateway and a pod", c.PodCIDR))
	}
	if c.StateDir == "" {
		errs = append(errs, errors.New("stateDir is required"))
	} else if !filepath.IsAbs(c.StateDir) {
		errs = append(errs, fmt.Errorf("stateDir %q must be an absolute path", c.StateDir))
	}
	if c.SvcnetBinary == "" {
		errs = append(errs, errors.New("svcnetBinary is required (it runs the pods' pause processes)"))
	}
	if c.NodeNetNS != "" && !filepath.IsAbs(c.NodeNetNS) {
		errs = append(errs, fmt.Errorf("nodeNetNS %q must be an absolute path", c.NodeNetNS))
	}
	if c.BridgeName == "" {
		c.BridgeName = DefaultBridgeName
	}
	if len(c.BridgeName) > 15 {
		errs = append(errs, fmt.Errorf("bridge name %q is longer than 15 bytes", c.BridgeName))
	}
	if c.NSEnter == "" {
		c.NSEnter = "nsenter"
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	c.PodCIDR = c.PodCIDR.Masked()
	return errors.Join(errs...)
}
