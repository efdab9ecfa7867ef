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
// processes) can never share an IP, and leases survive restarts. The lowest
// free address is given out first.
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
	podAddrs(m.podCIDR, func(a netip.Addr) bool {
		f, err := os.OpenFile(filepath.Join(m.dir, a.String()), os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
		if errors.Is(err, fs.ErrExist) {
			return true
		}
		if err != nil {
			errOut = fmt.Errorf("create IP lease %s: %w", a, err)
			return false
		}
		_, werr := f.WriteString(uid)
		if cerr := f.Close(); werr == nil {
			werr = cerr
		}
		if werr != nil {
			_ = os.Remove(f.Name())
			errOut = fmt.Errorf("write IP lease %s: %w", a, werr)
			return false
		}
		got = a
		return false
	})
	if errOut != nil {
		return netip.Addr{}, errOut
	}
	if !got.IsValid() {
		return netip.Addr{}, fmt.Errorf("allocate an IP from %s: %w", m.podCIDR, errPoolExhausted)
	}
	return got, nil
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
