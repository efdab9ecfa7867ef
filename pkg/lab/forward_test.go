package lab

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/svcnet/svcnet/pkg/netnsutil"
)

// TestForward carries TCP connections from the host's loopback to a listener
// inside node1 on the API server's address.
func TestForward(t *testing.T) {
	requireLab(t)
	l := upLab(t, 2)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	api := l.APIServerAddr()
	ln, err := netnsutil.Listen(l.Nodes()[0].Path, "tcp", api.String())
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go echoServer(ln)

	f, err := l.Forward(ctx, "127.0.0.1:0", "node1", api.Port())
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	t.Logf("forwarding %s -> %s in node1", f.Addr(), api)

	// Several concurrent connections, each a few request/response rounds
	// and a half-close.
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := echoRounds(f.Addr().String(), i, 5); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()

	// Nothing listens on node2:6443: the client sees its connection closed.
	f2, err := l.Forward(ctx, "127.0.0.1:0", "node2", api.Port())
	if err != nil {
		t.Fatal(err)
	}
	c, err := net.Dial("tcp", f2.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	_ = c.SetDeadline(time.Now().Add(5 * time.Second))
	if n, err := c.Read(make([]byte, 1)); err != io.EOF {
		t.Errorf("read from a forward to nothing: %d, %v; want EOF", n, err)
	}
	c.Close()
	f2.Close()

	// Close ends open connections and the listener.
	open, err := net.Dial("tcp", f.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer open.Close()
	if _, err := fmt.Fprintln(open, "ping"); err != nil {
		t.Fatal(err)
	}
	if _, err := bufio.NewReader(open).ReadString('\n'); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	_ = open.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := open.Read(make([]byte, 1)); err == nil {
		t.Error("a forwarded connection survived Close")
	}
	if c, err := net.DialTimeout("tcp", f.Addr().String(), time.Second); err == nil {
		c.Close()
		t.Error("the forwarder still accepts after Close")
	}

	if _, err := Forward(ctx, "0.0.0.0:0", l.Nodes()[0].Path, api.String(), nil); err == nil {
		t.Error("Forward listened on a non-loopback address")
	}
}

// echoServer answers each line with "echo: " + line, until the client
// half-closes, then says "bye".
func echoServer(ln net.Listener) {
	for {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		go func() {
			defer c.Close()
			r := bufio.NewReader(c)
			for {
				line, err := r.ReadString('\n')
				if err != nil {
					_, _ = io.WriteString(c, "bye\n")
					return
				}
				_, _ = io.WriteString(c, "echo: "+line)
			}
		}()
	}
}

func echoRounds(addr string, id, rounds int) error {
	c, err := net.Dial("tcp", addr)
	if err != nil {
		return err
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	r := bufio.NewReader(c)
	for j := range rounds {
		msg := fmt.Sprintf("conn %d round %d\n", id, j)
		if _, err := io.WriteString(c, msg); err != nil {
			return err
		}
		got, err := r.ReadString('\n')
		if err != nil || got != "echo: "+msg {
			return fmt.Errorf("conn %d: got %q, %v; want %q", id, got, err, "echo: "+msg)
		}
	}
	if err := c.(*net.TCPConn).CloseWrite(); err != nil {
		return err
	}
	rest, err := io.ReadAll(r)
	if err != nil || strings.TrimSpace(string(rest)) != "bye" {
		return fmt.Errorf("conn %d after half-close: %q, %v", id, rest, err)
	}
	return nil
}
