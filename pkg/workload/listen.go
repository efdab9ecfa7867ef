package workload

// httpAddrs returns the addresses an HTTP workload listens on: --address
// (default 0.0.0.0) with each --port, or with def when no port was given.
// Bad values are usage errors.
func httpAddrs(o options, def int) ([]string, error) {
	ports, err := o.httpPorts(def)
	if err != nil {
		return nil, usageError{err}
	}
	addrs, err := o.listenAddrs(ports)
	if err != nil {
		return nil, usageError{err}
	}
	return addrs, nil
}
