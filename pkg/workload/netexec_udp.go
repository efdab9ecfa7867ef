package workload

import (
	"context"
	"net"
	"strings"
)

// serveUDP answers agnhost's UDP commands until pc is closed: "hostname"
// gets the host name, "echo <msg>" gets msg back and "clientip" gets the
// sender's ip:port. Like agnhost, it trims and lower-cases each datagram
// first, so "echo Hello" answers "hello"; anything else gets no answer.
func (n *netexec) serveUDP(ctx context.Context, pc net.PacketConn) {
	defer n.udpReady.Store(false)
	buf := make([]byte, 2048)
	for {
		size, from, err := pc.ReadFrom(buf)
		if err != nil {
			if ctx.Err() == nil {
				n.log.printf("netexec: UDP server stopped: %v", err)
			}
			return
		}
		reply, ok := n.udpReply(strings.ToLower(strings.TrimSpace(string(buf[:size]))), from)
		if !ok {
			n.log.printf("netexec: unknown UDP command from %s", from)
			continue
		}
		n.log.printf("netexec: UDP %q from %s", firstWord(string(buf[:size])), from)
		if _, err := pc.WriteTo([]byte(reply), from); err != nil {
			n.log.printf("netexec: UDP reply to %s failed: %v", from, err)
		}
	}
}

// udpReply answers one UDP command.
func (n *netexec) udpReply(cmd string, from net.Addr) (string, bool) {
	switch {
	case cmd == "hostname":
		name, _ := n.host.hostname()
		return name, true
	case cmd == "clientip":
		return from.String(), true
	case strings.HasPrefix(cmd, "echo "):
		return strings.TrimPrefix(cmd, "echo "), true
	}
	return "", false
}

// firstWord returns the command word of a datagram, for the log.
func firstWord(s string) string {
	f := strings.Fields(s)
	if len(f) == 0 {
		return ""
	}
	return strings.ToLower(f[0])
}
