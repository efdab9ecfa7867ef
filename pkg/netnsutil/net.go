package netnsutil

import (
	"context"
	"fmt"
	"net"
	"net/netip"

	"github.com/vishvananda/netlink"
)

// Listen opens a listening socket inside the namespace at nsPath. addr must be
// an IP literal with a port ("192.0.2.11:6443", "127.0.0.1:0", "[::1]:0"), so
// that no name resolution runs outside the namespace. The listener can be
// used from any goroutine.
func Listen(nsPath, network, addr string) (net.Listener, error) {
	if err := checkLiteral(addr); err != nil {
		return nil, err
	}
	var ln net.Listener
	err := Do(nsPath, func() error {
		var err error
		ln, err = net.Listen(network, addr)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("listen on %s in %s: %w", addr, nsPath, err)
	}
	return ln, nil
}

// ListenPacket is Listen for packet sockets (udp).
func ListenPacket(nsPath, network, addr string) (net.PacketConn, error) {
	if err := checkLiteral(addr); err != nil {
		return nil, err
	}
	var pc net.PacketConn
	err := Do(nsPath, func() error {
		var err error
		pc, err = net.ListenPacket(network, addr)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("listen on %s in %s: %w", addr, nsPath, err)
	}
	return pc, nil
}

// Dial connects to addr (an IP literal with a port) from inside the namespace
// at nsPath. The socket is created on the namespace's thread; the connection
// can then be used from any goroutine.
func Dial(ctx context.Context, nsPath, network, addr string) (net.Conn, error) {
	if err := checkLiteral(addr); err != nil {
		return nil, err
	}
	var c net.Conn
	err := Do(nsPath, func() error {
		var d net.Dialer
		var err error
		c, err = d.DialContext(ctx, network, addr)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("dial %s in %s: %w", addr, nsPath, err)
	}
	return c, nil
}

// Handle opens a netlink handle whose sockets live in the namespace at nsPath,
// so every call on it reads or changes that namespace only. Close it when
// done.
func Handle(nsPath string) (*netlink.Handle, error) {
	var h *netlink.Handle
	err := Do(nsPath, func() error {
		var err error
		h, err = netlink.NewHandle()
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("netlink handle in %s: %w", nsPath, err)
	}
	return h, nil
}

func checkLiteral(addr string) error {
	if _, err := netip.ParseAddrPort(addr); err != nil {
		return fmt.Errorf("address %q must be an IP literal with a port: %w", addr, err)
	}
	return nil
}
