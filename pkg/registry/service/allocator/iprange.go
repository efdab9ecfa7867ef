package allocator

import (
	"encoding/binary"
	"fmt"
	"math"
	"math/bits"
	"net/netip"
)

const (
	// maxIPv4HostBits limits IPv4 ranges to a /12, as Kubernetes does for
	// service CIDRs; the bitmap of a /12 is 128 KiB.
	maxIPv4HostBits = 20
	// maxIPv6Items caps the IPv6 bitmap at 2^16 bits, as Kubernetes does;
	// addresses past the first 65535 of a larger prefix are never handed out.
	maxIPv6Items = 1 << 16
)

// IPRange allocates the usable addresses of one CIDR. The network address is
// never used and neither is the IPv4 broadcast address. IPv6 ranges are capped
// at the first 65535 usable addresses. IPv4 ranges may be at most a /12.
type IPRange struct {
	Bitmap[netip.Addr]
	prefix netip.Prefix
}

var _ Range[netip.Addr] = (*IPRange)(nil)

// NewCIDRRange returns an empty range over cidr. Host bits in cidr are ignored.
func NewCIDRRange(cidr netip.Prefix) (*IPRange, error) {
	if !cidr.IsValid() {
		return nil, fmt.Errorf("creating IP range: invalid prefix %v", cidr)
	}
	cidr = cidr.Masked()
	hostBits := cidr.Addr().BitLen() - cidr.Bits()

	var size int
	if cidr.Addr().Is4() {
		if hostBits > maxIPv4HostBits {
			return nil, fmt.Errorf("creating IP range %s: IPv4 prefix must be /%d or longer", cidr, 32-maxIPv4HostBits)
		}
		size = 1<<hostBits - 2 // network and broadcast
	} else {
		size = maxIPv6Items
		if hostBits < 16 {
			size = 1 << hostBits
		}
		size-- // network (subnet-router anycast) address
	}
	if size <= 0 {
		return nil, fmt.Errorf("creating IP range %s: no usable addresses", cidr)
	}

	total := uint64(math.MaxUint64)
	if hostBits < 64 {
		total = 1 << hostBits
	}
	r := &IPRange{prefix: cidr}
	r.init(ipCodec{base: cidr.Addr().Next(), size: size}, cidr.String(), size, staticBand(total, 16, 256))
	return r, nil
}

// Prefix returns the CIDR the range was made from, masked.
func (r *IPRange) Prefix() netip.Prefix { return r.prefix }

// ipCodec maps the address base+n to offset n.
type ipCodec struct {
	base netip.Addr
	size int
}

func (c ipCodec) offset(a netip.Addr) (int, bool) {
	if c.base.Is4() {
		// net.IP values often arrive as IPv4-mapped IPv6 addresses.
		a = a.Unmap()
		if !a.Is4() {
			return 0, false
		}
		b4, a4 := c.base.As4(), a.As4()
		d := binary.BigEndian.Uint32(a4[:]) - binary.BigEndian.Uint32(b4[:])
		return int(d), uint64(d) < uint64(c.size)
	}
	if !a.Is6() {
		return 0, false
	}
	bh, bl := split128(c.base.WithZone(""))
	ah, al := split128(a.WithZone(""))
	lo, borrow := bits.Sub64(al, bl, 0)
	hi, _ := bits.Sub64(ah, bh, borrow)
	if hi != 0 || lo >= uint64(c.size) {
		return 0, false
	}
	return int(lo), true
}

func (c ipCodec) item(offset int) netip.Addr {
	if c.base.Is4() {
		b4 := c.base.As4()
		var out [4]byte
		binary.BigEndian.PutUint32(out[:], binary.BigEndian.Uint32(b4[:])+uint32(offset))
		return netip.AddrFrom4(out)
	}
	hi, lo := split128(c.base)
	lo, carry := bits.Add64(lo, uint64(offset), 0)
	hi += carry
	var out [16]byte
	binary.BigEndian.PutUint64(out[:8], hi)
	binary.BigEndian.PutUint64(out[8:], lo)
	return netip.AddrFrom16(out)
}

// split128 returns the high and low 64 bits of an IPv6 address.
func split128(a netip.Addr) (hi, lo uint64) {
	b := a.As16()
	return binary.BigEndian.Uint64(b[:8]), binary.BigEndian.Uint64(b[8:])
}
