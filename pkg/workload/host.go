package workload

import (
	"fmt"
	"net"
	"os"
	"time"
)

// host is what workloads learn about the machine they run on. Main uses
// the real one; tests may swap in fixed answers.
type host struct {
	// hostname returns the host name; in a pod, the pod's name.
	hostname func() (string, error)
	// addrs returns every interface address, as whoami prints them.
	addrs func() ([]string, error)
	// environ returns the environment, as "KEY=value" strings.
	environ func() []string
	// getenv returns one environment variable.
	getenv func(string) string
	// now returns the current time.
	now func() time.Time
}

// systemHost returns the host of this process.
func systemHost() host {
	return host{
		hostname: os.Hostname,
		addrs:    interfaceAddrs,
		environ:  os.Environ,
		getenv:   os.Getenv,
		now:      time.Now,
	}
}

// interfaceAddrs lists the IP of every address of every interface, in
// interface order, as traefik/whoami does.
func interfaceAddrs() ([]string, error) {
	ifaces, err := net.Interfaces()
	if err != nil {
		return nil, fmt.Errorf("listing interfaces: %w", err)
	}
	var ips []string
	for _, iface := range ifaces {
		addrs, err := iface.Addrs()
		if err != nil {
			return nil, fmt.Errorf("listing addresses of %s: %w", iface.Name, err)
		}
		for _, a := range addrs {
			switch v := a.(type) {
			case *net.IPNet:
				ips = append(ips, v.IP.String())
			case *net.IPAddr:
				ips = append(ips, v.IP.String())
			}
		}
	}
	return ips, nil
}
