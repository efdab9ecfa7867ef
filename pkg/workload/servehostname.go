package workload

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
)

// serveHostnamePort is agnhost serve-hostname's default port.
const serveHostnamePort = 9376

// runServeHostname answers the host name on every request, as agnhost's
// serve-hostname and the old serve_hostname image do: over HTTP by
// default, or raw over TCP (--tcp) and UDP (--udp). --close adds
// "Connection: close" to HTTP answers.
func runServeHostname(ctx context.Context, p *proc) error {
	tcp, udp, doHTTP := p.opts.boolean("tcp", false), p.opts.boolean("udp", false), p.opts.boolean("http", true)
	if !p.opts.isSet("http") && (tcp || udp) {
		doHTTP = false
	}
	if doHTTP && (tcp || udp) {
		return usageError{errors.New("can't serve TCP/UDP mode and HTTP mode at the same time")}
	}
	addrs, err := httpAddrs(p.opts, serveHostnamePort)
	if err != nil {
		return err
	}
	hostname, err := p.host.hostname()
	if err != nil {
		return fmt.Errorf("reading hostname: %w", err)
	}
	if doHTTP {
		return serveHTTP(ctx, p, addrs, hostnameHandler(hostname, p.opts.boolean("close", false)))
	}
	return serveRaw(ctx, p, addrs, hostname, tcp, udp)
}

// hostnameHandler answers hostname, without a newline, on every path.
func hostnameHandler(hostname string, closeConn bool) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		if closeConn {
			w.Header().Set("Connection", "close")
		}
		fmt.Fprint(w, hostname)
	})
}

// serveRaw writes hostname to every TCP connection and answers every UDP
// datagram with it, until ctx ends.
func serveRaw(ctx context.Context, p *proc, addrs []string, hostname string, tcp, udp bool) error {
	var closers []func() error
	defer func() {
		for _, c := range closers {
			c()
		}
	}()
	if tcp {
		lns, err := listenAll(ctx, "tcp", addrs)
		if err != nil {
			return err
		}
		for _, ln := range lns {
			closers = append(closers, ln.Close)
			p.log.printf("serve-hostname: serving TCP on %s", ln.Addr())
			go acceptHostname(p, ln, hostname)
		}
	}
	if udp {
		var lc net.ListenConfig
		for _, a := range addrs {
			pc, err := lc.ListenPacket(ctx, "udp", a)
			if err != nil {
				return fmt.Errorf("listening on UDP %s: %w", a, err)
			}
			closers = append(closers, pc.Close)
			p.log.printf("serve-hostname: serving UDP on %s", pc.LocalAddr())
			go answerHostname(p, pc, hostname)
		}
	}
	<-ctx.Done()
	return nil
}

// acceptHostname writes hostname to each connection and closes it.
func acceptHostname(p *proc, ln net.Listener, hostname string) {
	for {
		conn, err := ln.Accept()
		if err != nil {
			return
		}
		p.log.printf("TCP request from %s", conn.RemoteAddr())
		conn.Write([]byte(hostname))
		conn.Close()
	}
}

// answerHostname answers each datagram with hostname.
func answerHostname(p *proc, pc net.PacketConn, hostname string) {
	buf := make([]byte, 16)
	for {
		_, from, err := pc.ReadFrom(buf)
		if err != nil {
			return
		}
		p.log.printf("UDP request from %s", from)
		pc.WriteTo([]byte(hostname), from)
	}
}
