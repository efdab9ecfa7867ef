package lab

import (
	"fmt"
	"log/slog"
	"net/netip"
	"path/filepath"
	"regexp"
	"strconv"
)

// DefaultName is the name of a lab when none is given.
const DefaultName = "svcnet"

// DefaultRunRoot is the directory under which DefaultRunDir puts each lab's
// run directory.
const DefaultRunRoot = "/run/svcnet-lab"

// MaxNodes is the largest number of nodes: node i has 192.0.2.(10+i).
const MaxNodes = 244

// maxNameLen keeps namespace names short and readable; the interface names
// inside the lab do not depend on the lab name.
const maxNameLen = 32

// Interface names. They live inside lab namespaces only, so they are the
// same in every lab; all are at most 15 bytes (IFNAMSIZ-1).
const (
	// BridgeName is the bridge in the router namespace that joins the nodes.
	BridgeName = "svcnet-br"
	// NodeIface is the node's (and the outside namespace's) link to the router.
	NodeIface = "eth0"
	// routerOutsideIface is the router's end of the veth to the outside namespace.
	routerOutsideIface = "veth-out"
	// routerNodeIfacePrefix + i is the router's end of node i's veth.
	routerNodeIfacePrefix = "veth-n"
)

// APIServerPort is the port the API server listens on inside node1.
const APIServerPort = 6443

// Addresses of the lab underlay. All are documentation ranges (RFC 5737), so
// the lab never addresses a real network.
var (
	// NodeNet is the node network on the bridge.
	NodeNet = netip.MustParsePrefix("192.0.2.0/24")
	// RouterNodeAddr is the router's address on the bridge: the nodes' gateway.
	RouterNodeAddr = netip.MustParsePrefix("192.0.2.1/24")
	// OutsideNet is the network between the router and the outside namespace.
	OutsideNet = netip.MustParsePrefix("198.51.100.0/24")
	// RouterOutsideAddr is the router's address towards the outside namespace.
	RouterOutsideAddr = netip.MustParsePrefix("198.51.100.1/24")
	// OutsideAddr is the outside namespace's address.
	OutsideAddr = netip.MustParsePrefix("198.51.100.2/24")
	// LBPool is the LoadBalancer address pool, routed by the router onto the
	// bridge.
	LBPool = netip.MustParsePrefix("203.0.113.0/24")
)

// NodeAddr returns node i's address on the node network (i counts from 1).
func NodeAddr(i int) netip.Prefix {
	a := NodeNet.Addr().As4()
	a[3] = byte(10 + i)
	return netip.PrefixFrom(netip.AddrFrom4(a), NodeNet.Bits())
}

// NodeName returns the short name of node i: "node1", "node2", ...
func NodeName(i int) string { return "node" + strconv.Itoa(i) }

// DefaultRunDir returns the run directory of the lab called name.
func DefaultRunDir(name string) string { return filepath.Join(DefaultRunRoot, name) }

var nameRE = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]*[a-z0-9])?$`)

// Config describes a lab to create.
type Config struct {
	// Name prefixes every namespace of the lab (<Name>-router, <Name>-node1,
	// ...): lower-case letters, digits and dashes, at most 32 characters.
	// Two labs with different names can run side by side.
	Name string
	// Nodes is the number of nodes, 1..MaxNodes.
	Nodes int
	// RunDir is the absolute path of the directory holding the lab's state
	// file (usually DefaultRunDir(Name)). It identifies the lab for Load and
	// Down.
	RunDir string
	// Logger receives progress and cleanup messages; nil discards them.
	Logger *slog.Logger
}

// Validate checks c and reports the first problem.
func (c *Config) Validate() error {
	switch {
	case c == nil:
		return fmt.Errorf("lab config is nil")
	case !nameRE.MatchString(c.Name) || len(c.Name) > maxNameLen:
		return fmt.Errorf("lab name %q: want 1-%d lower-case letters, digits or dashes, not starting or ending with a dash", c.Name, maxNameLen)
	case c.Nodes < 1 || c.Nodes > MaxNodes:
		return fmt.Errorf("lab nodes %d: want 1..%d", c.Nodes, MaxNodes)
	case c.RunDir == "" || !filepath.IsAbs(c.RunDir) || filepath.Clean(c.RunDir) == "/":
		return fmt.Errorf("lab run directory %q: want an absolute path other than /", c.RunDir)
	}
	return nil
}

func loggerOrDiscard(l *slog.Logger) *slog.Logger {
	if l == nil {
		return slog.New(slog.DiscardHandler)
	}
	return l
}
