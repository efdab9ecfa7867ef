package nodeipam

import (
	"errors"
	"fmt"
	"math/big"
	"net/netip"
)

// maxSubnetBits bounds the size of a CIDRSet to 2^16 subnets, as
// Kubernetes does, so that its bitmap stays small.
const maxSubnetBits = 16

// errFull is returned by AllocateNext when every subnet is taken.
var errFull = errors.New("no free pod CIDR left in the cluster CIDR")

// IsFull reports whether err says that the cluster CIDR is exhausted.
func IsFull(err error) bool { return errors.Is(err, errFull) }

// errOutside is returned for a prefix that is not inside the cluster CIDR.
var errOutside = errors.New("prefix is outside the cluster CIDR")

// IsOutside reports whether err says that a prefix lies outside the
// cluster CIDR.
func IsOutside(err error) bool { return errors.Is(err, errOutside) }

// CIDRSet hands out the subnets of size maskSize of one cluster CIDR,
// lowest free first. It is a plain data structure: it does no I/O and is
// not safe for concurrent use.
type CIDRSet struct {
	cluster  netip.Prefix
	maskSize int
	// used has bit i set when subnet i (in address order) is taken.
	used  big.Int
	count int // number of subnets
	taken int
}

// NewCIDRSet returns an empty set of the /maskSize subnets of cluster.
func NewCIDRSet(cluster netip.Prefix, maskSize int) (*CIDRSet, error) {
	if !cluster.IsValid() {
		return nil, fmt.Errorf("invalid cluster CIDR %v", cluster)
	}
	cluster = cluster.Masked()
	if maskSize < cluster.Bits() || maskSize > cluster.Addr().BitLen() {
		return nil, fmt.Errorf("node mask size /%d must lie between the cluster CIDR's /%d and /%d", maskSize, cluster.Bits(), cluster.Addr().BitLen())
	}
	if maskSize-cluster.Bits() > maxSubnetBits {
		return nil, fmt.Errorf("node mask size /%d is more than %d bits longer than the cluster CIDR %v", maskSize, maxSubnetBits, cluster)
	}
	return &CIDRSet{cluster: cluster, maskSize: maskSize, count: 1 << (maskSize - cluster.Bits())}, nil
}

// Size returns the number of subnets in the set.
func (s *CIDRSet) Size() int { return s.count }

// Used returns the number of subnets taken.
func (s *CIDRSet) Used() int { return s.taken }

// AllocateNext takes the lowest free subnet.
func (s *CIDRSet) AllocateNext() (netip.Prefix, error) {
	for i := 0; i < s.count; i++ {
		if s.used.Bit(i) == 0 {
			s.used.SetBit(&s.used, i, 1)
			s.taken++
			return s.subnet(i), nil
		}
	}
	return netip.Prefix{}, fmt.Errorf("allocating a /%d from %v: %w", s.maskSize, s.cluster, errFull)
}

// Occupy marks every subnet that p overlaps as taken. It is idempotent,
// so that the set can be rebuilt from the podCIDRs that nodes already have.
func (s *CIDRSet) Occupy(p netip.Prefix) error {
	first, last, err := s.indexes(p)
	if err != nil {
		return err
	}
	for i := first; i <= last; i++ {
		if s.used.Bit(i) == 0 {
			s.used.SetBit(&s.used, i, 1)
			s.taken++
		}
	}
	return nil
}

// Release frees every subnet that p overlaps. Releasing a free subnet is
// not an error.
func (s *CIDRSet) Release(p netip.Prefix) error {
	first, last, err := s.indexes(p)
	if err != nil {
		return err
	}
	for i := first; i <= last; i++ {
		if s.used.Bit(i) == 1 {
			s.used.SetBit(&s.used, i, 0)
			s.taken--
		}
	}
	return nil
}

// Contains reports whether p lies inside the cluster CIDR.
func (s *CIDRSet) Contains(p netip.Prefix) bool {
	return p.IsValid() && p.Addr().BitLen() == s.cluster.Addr().BitLen() &&
		p.Bits() >= s.cluster.Bits() && s.cluster.Contains(p.Addr())
}

// indexes returns the range of subnet indexes that p overlaps.
func (s *CIDRSet) indexes(p netip.Prefix) (int, int, error) {
	if !s.Contains(p) {
		return 0, 0, fmt.Errorf("%v in %v: %w", p, s.cluster, errOutside)
	}
	p = p.Masked()
	offset := new(big.Int).Sub(addrInt(p.Addr()), addrInt(s.cluster.Addr()))
	hostBits := uint(s.cluster.Addr().BitLen() - s.maskSize)
	first := int(new(big.Int).Rsh(offset, hostBits).Int64())
	last := first
	if p.Bits() < s.maskSize {
		last = first + 1<<(s.maskSize-p.Bits()) - 1
	}
	return first, last, nil
}

// subnet returns the i-th subnet.
func (s *CIDRSet) subnet(i int) netip.Prefix {
	hostBits := uint(s.cluster.Addr().BitLen() - s.maskSize)
	offset := new(big.Int).Lsh(big.NewInt(int64(i)), hostBits)
	addr := intAddr(new(big.Int).Add(addrInt(s.cluster.Addr()), offset), s.cluster.Addr().Is4())
	return netip.PrefixFrom(addr, s.maskSize)
}

func addrInt(a netip.Addr) *big.Int {
	return new(big.Int).SetBytes(a.AsSlice())
}

func intAddr(n *big.Int, is4 bool) netip.Addr {
	if is4 {
		var b [4]byte
		n.FillBytes(b[:])
		return netip.AddrFrom4(b)
	}
	var b [16]byte
	n.FillBytes(b[:])
	return netip.AddrFrom16(b)
}
