package runtime

import (
	"fmt"
	"strconv"
	"strings"
)

// HostPort is one parsed hostPort reservation.
type HostPort struct {
	// Protocol is "TCP", "UDP" or "SCTP".
	Protocol string
	// Port is 1..65535.
	Port int
}

// String formats the port as users see it in errors: "8080/TCP".
func (h HostPort) String() string { return fmt.Sprintf("%d/%s", h.Port, h.Protocol) }

// ParseHostPort parses "TCP/8080" (the contract's form); "8080/TCP" and a
// lower-case protocol are accepted too. A bare port means TCP.
func ParseHostPort(s string) (HostPort, error) {
	proto, port := "TCP", s
	if a, b, ok := strings.Cut(s, "/"); ok {
		proto, port = a, b
		if _, err := strconv.Atoi(a); err == nil {
			proto, port = b, a
		}
	}
	proto = strings.ToUpper(strings.TrimSpace(proto))
	switch proto {
	case "TCP", "UDP", "SCTP":
	default:
		return HostPort{}, fmt.Errorf("hostPort %q: unknown protocol %q", s, proto)
	}
	n, err := strconv.Atoi(strings.TrimSpace(port))
	if err != nil || n < 1 || n > 65535 {
		return HostPort{}, fmt.Errorf("hostPort %q: port must be 1-65535", s)
	}
	return HostPort{Protocol: proto, Port: n}, nil
}

// parseHostPorts parses and de-duplicates a sandbox's hostPorts.
func parseHostPorts(specs []string) ([]HostPort, error) {
	var out []HostPort
	seen := map[HostPort]bool{}
	for _, s := range specs {
		hp, err := ParseHostPort(s)
		if err != nil {
			return nil, err
		}
		if !seen[hp] {
			seen[hp] = true
			out = append(out, hp)
		}
	}
	return out, nil
}

// errHostPortInUse is the error users see when a hostPort is taken.
func errHostPortInUse(hp HostPort, by string) error {
	if by != "" {
		return fmt.Errorf("hostPort %s is already in use on this node (by pod %s)", hp, by)
	}
	return fmt.Errorf("hostPort %s is already in use on this node", hp)
}
