package runtime

import (
	"errors"
	"fmt"
	"io/fs"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"sync"
)

// Gateway returns the podCIDR's first address, which the node bridge holds
// and every pod routes through.
func Gateway(podCIDR netip.Prefix) netip.Addr { return podCIDR.Masked().Addr().Next() }

// podAddrs calls yield for each address a pod may get from podCIDR, lowest
// first: everything after the gateway, up to but excluding the broadcast
// address. It stops when yield returns false.
func podAddrs(podCIDR netip.Prefix, yield func(netip.Addr) bool) {
	p := podCIDR.Masked()
	for a := Gateway(p).Next(); a.IsValid() && p.Contains(a); a = a.Next() {
		if !p.Contains(a.Next()) { // a is the broadcast address
			return
		}
		if !yield(a) {
			return
		}
	}
}

// errPoolExhausted reports that every pod address of the node is taken.
var errPoolExhausted = errors.New("no free pod IP left")

// IsPoolExhausted reports whether err means the node's podCIDR is full.
func IsPoolExhausted(err error) bool { return errors.Is(err, errPoolExhausted) }

// hostLocalIPAM hands out pod IPs from a podCIDR and persists each lease as
// a file named after the IP in dir, holding the pod UID. Creating the file
// with O_EXCL is the allocation, so two allocations (even from two
// processes) can never share an IP, and leases survive restarts. Like CNI's
// host-local plugin, it hands out addresses round-robin, starting after the
// last one it reserved (recorded in lastReservedFile), so that a deleted
// pod's replacement gets a new IP rather than the one just released.
type hostLocalIPAM struct {
	dir     string
	podCIDR netip.Prefix
	mu      sync.Mutex // serializes this process's scans of dir
}

func newHostLocalIPAM(dir string, podCIDR netip.Prefix) (*hostLocalIPAM, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("create IPAM directory: %w", err)
	}
	return &hostLocalIPAM{dir: dir, podCIDR: podCIDR.Masked()}, nil
}

// Allocate returns uid's lease, creating one at the lowest free address if
// it has none.
func (m *hostLocalIPAM) Allocate(uid string) (netip.Addr, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if ip, ok, err := m.lookupLocked(uid); err != nil || ok {
		return ip, err
	}
	var (
		got    netip.Addr
		errOut error
	)
	for _, a := range m.scanOrder() {
		f, err := os.OpenFile(filepath.Join(m.dir, a.String()), os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
		if errors.Is(err, fs.ErrExist) {
			continue
		}
		if err != nil {
			errOut = fmt.Errorf("create IP lease %s: %w", a, err)
			break
		}
		_, werr := f.WriteString(uid)
		if cerr := f.Close(); werr == nil {
			werr = cerr
		}
		if werr != nil {
			_ = os.Remove(f.Name())
			errOut = fmt.Errorf("write IP lease %s: %w", a, werr)
			break
		}
		got = a
		// Best effort: a lost hint only means the scan starts earlier.
		_ = writeFileAtomic(filepath.Join(m.dir, lastReservedFile), []byte(a.String()))
		break
	}
	if errOut != nil {
		return netip.Addr{}, errOut
	}
	if !got.IsValid() {
		return netip.Addr{}, fmt.Errorf("allocate an IP from %s: %w", m.podCIDR, errPoolExhausted)
	}
	return got, nil
}

// lastReservedFile records the last address handed out (CNI host-local's
// name for it); it is not an IP, so lease listings skip it.
const lastReservedFile = "last_reserved_ip.0"

// scanOrder lists the pod addresses starting after the last reserved one
// and wrapping around.
func (m *hostLocalIPAM) scanOrder() []netip.Addr {
	var all []netip.Addr
	podAddrs(m.podCIDR, func(a netip.Addr) bool { all = append(all, a); return true })
	data, err := os.ReadFile(filepath.Join(m.dir, lastReservedFile))
	if err != nil {
		return all
	}
	last, err := netip.ParseAddr(strings.TrimSpace(string(data)))
	if err != nil {
		return all
	}
	for i, a := range all {
		if a == last {
			return append(append([]netip.Addr{}, all[i+1:]...), all[:i+1]...)
		}
	}
	return all
}

// writeFileAtomic writes data to path through a temporary file and rename.
func writeFileAtomic(path string, data []byte) error {
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, data, 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// Lookup returns uid's lease, if any.
func (m *hostLocalIPAM) Lookup(uid string) (netip.Addr, bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.lookupLocked(uid)
}

// Release deletes every lease held by uid. Releasing nothing is not an
// error.
func (m *hostLocalIPAM) Release(uid string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	leases, err := m.leases()
	if err != nil {
		return err
	}
	for ip, owner := range leases {
		if owner != uid {
			continue
		}
		if err := os.Remove(filepath.Join(m.dir, ip.String())); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("release IP %s: %w", ip, err)
		}
	}
	return nil
}

// Leases returns every lease: IP -> pod UID.
func (m *hostLocalIPAM) Leases() (map[netip.Addr]string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.leases()
}

func (m *hostLocalIPAM) lookupLocked(uid string) (netip.Addr, bool, error) {
	leases, err := m.leases()
	if err != nil {
		return netip.Addr{}, false, err
	}
	for ip, owner := range leases {
		if owner == uid {
			return ip, true, nil
		}
	}
	return netip.Addr{}, false, nil
}

// leases reads the lease files; names that are not IPs are ignored.
func (m *hostLocalIPAM) leases() (map[netip.Addr]string, error) {
	ents, err := os.ReadDir(m.dir)
	if err != nil {
		return nil, fmt.Errorf("read IPAM directory: %w", err)
	}
	out := make(map[netip.Addr]string, len(ents))
	for _, e := range ents {
		ip, err := netip.ParseAddr(e.Name())
		if err != nil || !e.Type().IsRegular() {
			continue
		}
		b, err := os.ReadFile(filepath.Join(m.dir, e.Name()))
		if errors.Is(err, fs.ErrNotExist) {
			continue // released meanwhile
		}
		if err != nil {
			return nil, fmt.Errorf("read IP lease %s: %w", ip, err)
		}
		out[ip] = strings.TrimSpace(string(b))
	}
	return out, nil
}
