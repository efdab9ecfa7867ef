package allocator

import (
	"fmt"
	"strconv"
	"strings"
)

// PortRange allocates ports from a contiguous range, such as the NodePort
// range 30000-32767.
type PortRange struct {
	Bitmap[int]
	base int
}

var _ Range[int] = (*PortRange)(nil)

// NewPortRange returns an empty range of size ports starting at base.
// The range must lie within 1-65535.
func NewPortRange(base, size int) (*PortRange, error) {
	if base < 1 || size < 1 || base+size-1 > 65535 {
		return nil, fmt.Errorf("creating port range: base %d and size %d must describe ports within 1-65535", base, size)
	}
	r := &PortRange{base: base}
	spec := fmt.Sprintf("%d-%d", base, base+size-1)
	r.init(portCodec{base: base, size: size}, spec, size, staticBand(uint64(size), 32, 128))
	return r, nil
}

// ParsePortRange returns an empty range for "first-last" (both inclusive,
// e.g. "30000-32767") or for a single port "first".
func ParsePortRange(s string) (*PortRange, error) {
	first, last, found := strings.Cut(strings.TrimSpace(s), "-")
	lo, err := strconv.Atoi(strings.TrimSpace(first))
	if err != nil {
		return nil, fmt.Errorf("parsing port range %q: %w", s, err)
	}
	hi := lo
	if found {
		if hi, err = strconv.Atoi(strings.TrimSpace(last)); err != nil {
			return nil, fmt.Errorf("parsing port range %q: %w", s, err)
		}
	}
	if hi < lo {
		return nil, fmt.Errorf("parsing port range %q: last port is below first", s)
	}
	r, err := NewPortRange(lo, hi-lo+1)
	if err != nil {
		return nil, fmt.Errorf("parsing port range %q: %w", s, err)
	}
	return r, nil
}

// Base returns the first port of the range.
func (r *PortRange) Base() int { return r.base }

// portCodec maps port base+n to offset n.
type portCodec struct {
	base, size int
}

func (c portCodec) offset(port int) (int, bool) {
	d := port - c.base
	return d, d >= 0 && d < c.size
}

func (c portCodec) item(offset int) int { return c.base + offset }
