package workload

import (
	"fmt"
	"net"
	"strconv"
	"strings"
)

// options are the flags of a workload, parsed from everything after its
// name: the agent's --port for each containerPort, then the container's
// own args. Real images ignore args they do not know, and so does the
// parser: unknown flags and plain words are kept in positional, and each
// workload reads only what it understands.
type options struct {
	// values holds every value given for each known flag, in order.
	values map[string][]string
	// positional holds the words that are not known flags or their values.
	positional []string
}

// isBoolFlag reports whether a known flag takes no value (--tcp, or
// --tcp=false).
func isBoolFlag(name string) bool {
	switch name {
	case "tcp", "udp", "http", "close", "verbose":
		return true
	}
	return false
}

// isValueFlag reports whether a known flag takes a value (--port 80, or
// --port=80).
func isValueFlag(name string) bool {
	switch name {
	case "port", "address", "http-port", "udp-port", "name":
		return true
	}
	return false
}

// parseOptions parses args. Flags may start with one or two dashes. A "--"
// ends flag parsing; every word after it is positional.
func parseOptions(args []string) (options, error) {
	o := options{values: map[string][]string{}}
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			o.positional = append(o.positional, args[i+1:]...)
			break
		}
		if len(a) < 2 || a[0] != '-' {
			o.positional = append(o.positional, a)
			continue
		}
		name, value, hasValue := strings.Cut(strings.TrimLeft(a, "-"), "=")
		switch {
		case isBoolFlag(name):
			if !hasValue {
				value = "true"
			}
			if _, err := strconv.ParseBool(value); err != nil {
				return options{}, fmt.Errorf("flag --%s: %w", name, err)
			}
		case isValueFlag(name):
			if !hasValue {
				if i+1 >= len(args) {
					return options{}, fmt.Errorf("flag --%s needs a value", name)
				}
				i++
				value = args[i]
			}
		default:
			o.positional = append(o.positional, a)
			continue
		}
		o.values[name] = append(o.values[name], value)
	}
	return o, nil
}

// isSet reports whether the flag was given at least once.
func (o options) isSet(name string) bool { return len(o.values[name]) > 0 }

// last returns the last value given for the flag, or def.
func (o options) last(name, def string) string {
	if v := o.values[name]; len(v) > 0 {
		return v[len(v)-1]
	}
	return def
}

// boolean returns the last value of a bool flag, or def. parseOptions has
// checked that it parses.
func (o options) boolean(name string, def bool) bool {
	b, err := strconv.ParseBool(o.last(name, strconv.FormatBool(def)))
	return err == nil && b
}

// port returns the last value of a port flag, or def. -1 means "off", as
// agnhost's --udp-port=-1 does.
func (o options) port(name string, def int) (int, error) {
	if !o.isSet(name) {
		return def, nil
	}
	return parsePort(name, o.last(name, ""), true)
}

// ports returns every value of a port flag, without duplicates, in order.
func (o options) ports(name string) ([]int, error) {
	var out []int
	seen := map[int]bool{}
	for _, v := range o.values[name] {
		p, err := parsePort(name, v, false)
		if err != nil {
			return nil, err
		}
		if !seen[p] {
			seen[p] = true
			out = append(out, p)
		}
	}
	return out, nil
}

// parsePort parses a port number in 1..65535, or -1 when allowOff.
func parsePort(flag, v string, allowOff bool) (int, error) {
	p, err := strconv.Atoi(v)
	if err != nil {
		return 0, fmt.Errorf("flag --%s: %w", flag, err)
	}
	if (p < 1 || p > 65535) && !(allowOff && p == -1) {
		return 0, fmt.Errorf("flag --%s: port %d out of range 1-65535", flag, p)
	}
	return p, nil
}

// address returns the IP to listen on: --address (hidden, for tests that
// must stay on loopback), or 0.0.0.0.
func (o options) address() (string, error) {
	a := o.last("address", "0.0.0.0")
	if net.ParseIP(a) == nil {
		return "", fmt.Errorf("flag --address: %q is not an IP address", a)
	}
	return a, nil
}

// listenAddrs returns host:port for each port, on the --address IP.
func (o options) listenAddrs(ports []int) ([]string, error) {
	ip, err := o.address()
	if err != nil {
		return nil, err
	}
	out := make([]string, 0, len(ports))
	for _, p := range ports {
		out = append(out, net.JoinHostPort(ip, strconv.Itoa(p)))
	}
	return out, nil
}

// httpPorts returns the --port values, or def when none was given.
func (o options) httpPorts(def int) ([]int, error) {
	ports, err := o.ports("port")
	if err != nil {
		return nil, err
	}
	if len(ports) == 0 {
		ports = []int{def}
	}
	return ports, nil
}
