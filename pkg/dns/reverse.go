package dns

import (
	"net/netip"
	"strings"
)

// reverseAddr parses a complete reverse name, d.c.b.a.in-addr.arpa. or
// the 32 nibbles of an ip6.arpa. name; ok is false for anything else,
// including partial names.
func reverseAddr(lower string) (netip.Addr, bool) {
	switch {
	case strings.HasSuffix(lower, ".in-addr.arpa."):
		rest := strings.TrimSuffix(lower, ".in-addr.arpa.")
		var b [4]byte
		for i := 0; i < 4; i++ {
			j := strings.LastIndexByte(rest, '.')
			label := rest[j+1:]
			v, ok := octet(label)
			if !ok || (i < 3) == (j < 0) {
				return netip.Addr{}, false
			}
			b[i] = v
			if j >= 0 {
				rest = rest[:j]
			}
		}
		return netip.AddrFrom4(b), true
	case strings.HasSuffix(lower, ".ip6.arpa."):
		rest := strings.TrimSuffix(lower, ".ip6.arpa.")
		if len(rest) != 63 {
			return netip.Addr{}, false
		}
		var b [16]byte
		for i := 0; i < 32; i++ {
			// Nibble i (from the most significant) is at the far end.
			pos := 62 - 2*i
			if pos > 0 && rest[pos-1] != '.' {
				return netip.Addr{}, false
			}
			v, ok := hexNibble(rest[pos])
			if !ok {
				return netip.Addr{}, false
			}
			b[i/2] |= v << (4 * (1 - i%2))
		}
		return netip.AddrFrom16(b), true
	}
	return netip.Addr{}, false
}

// octet parses a decimal label 0-255 without leading zeros.
func octet(s string) (byte, bool) {
	if s == "" || len(s) > 3 || (len(s) > 1 && s[0] == '0') {
		return 0, false
	}
	v := 0
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
		v = v*10 + int(s[i]-'0')
	}
	if v > 255 {
		return 0, false
	}
	return byte(v), true
}

func hexNibble(c byte) (byte, bool) {
	switch {
	case c >= '0' && c <= '9':
		return c - '0', true
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10, true
	}
	return 0, false
}
