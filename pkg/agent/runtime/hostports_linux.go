//go:build linux

package runtime

import (
	"errors"
	"fmt"
	"io"
	"net"

	"golang.org/x/sys/unix"
)

// reserveHostPorts claims ports for pod uid: a port recorded by another
// sandbox's state file is refused, and so is one that some other process
// on the node holds. The runtime keeps a socket bound on each TCP and UDP
// port in the node's namespace for as long as the pod lives (as the kubelet
// used to), so nothing else can take it meanwhile. Call with l.mu free.
func (l *Linux) reserveHostPorts(uid string, ports []HostPort) error {
	if len(ports) == 0 {
		return nil
	}
	l.stateMu.Lock()
	defer l.stateMu.Unlock()
	if err := l.checkRegistry(uid, ports); err != nil {
		return err
	}
	l.mu.Lock()
	held := len(l.ports[uid]) > 0
	l.mu.Unlock()
	if held {
		return nil
	}
	var socks []io.Closer
	for _, hp := range ports {
		s, err := l.bindHostPort(hp)
		if err != nil {
			closeAll(socks)
			return err
		}
		if s != nil {
			socks = append(socks, s)
		}
	}
	l.mu.Lock()
	l.ports[uid] = socks
	l.mu.Unlock()
	return nil
}

// checkRegistry refuses ports that another sandbox's state file records.
// Call with stateMu held.
func (l *Linux) checkRegistry(uid string, ports []HostPort) error {
	uids, err := l.store.UIDs()
	if err != nil {
		return err
	}
	want := map[HostPort]bool{}
	for _, hp := range ports {
		want[hp] = true
	}
	for _, other := range uids {
		if other == uid {
			continue
		}
		rec, ok, err := l.store.Load(other)
		if err != nil || !ok {
			continue // a broken or vanished file holds nothing
		}
		for _, hp := range rec.HostPorts {
			if want[hp] {
				return errHostPortInUse(hp, rec.Namespace+"/"+rec.Name)
			}
		}
	}
	return nil
}

// bindHostPort binds hp on every address of the node's namespace. SCTP is
// reserved in the registry only.
func (l *Linux) bindHostPort(hp HostPort) (io.Closer, error) {
	var c io.Closer
	addr := fmt.Sprintf("0.0.0.0:%d", hp.Port)
	err := l.inNode(func() error {
		var err error
		switch hp.Protocol {
		case "TCP":
			c, err = net.Listen("tcp4", addr)
		case "UDP":
			c, err = net.ListenPacket("udp4", addr)
		}
		return err
	})
	if errors.Is(err, unix.EADDRINUSE) {
		return nil, errHostPortInUse(hp, "")
	}
	if err != nil {
		return nil, fmt.Errorf("reserve hostPort %s: %w", hp, err)
	}
	return c, nil
}

// releaseHostPorts closes the sockets held for uid.
func (l *Linux) releaseHostPorts(uid string) {
	l.mu.Lock()
	socks := l.ports[uid]
	delete(l.ports, uid)
	l.mu.Unlock()
	closeAll(socks)
}

func closeAll(cs []io.Closer) {
	for _, c := range cs {
		_ = c.Close()
	}
}
