//go:build linux

package runtime

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"strconv"
	"syscall"
	"testing"
	"time"
)

// TestMain lets the test binary play the processes the tests need (the
// helper-process pattern of os/exec's tests): run as
// `runtime.test pause ...` it is a pod's pause process, and as
// `runtime.test helper-* ...` one of the small programs below.
func TestMain(m *testing.M) {
	if len(os.Args) > 1 {
		switch os.Args[1] {
		case "pause":
			os.Exit(PauseMain(os.Args[2:]))
		case "helper-listen":
			os.Exit(helperListen(os.Args[2]))
		case "helper-dial":
			os.Exit(helperDial(os.Args[2]))
		case "helper-ignore-term":
			signal.Ignore(syscall.SIGTERM)
			fmt.Println("ignoring SIGTERM")
			time.Sleep(time.Hour)
			os.Exit(0)
		case "helper-exit":
			n, _ := strconv.Atoi(os.Args[2])
			os.Exit(n)
		case "helper-env":
			wd, _ := os.Getwd()
			fmt.Printf("cwd=%s FOO=%s HOSTNAME=%s\n", wd, os.Getenv("FOO"), os.Getenv("HOSTNAME"))
			os.Exit(0)
		case "helper-echo":
			_, _ = io.Copy(os.Stdout, os.Stdin)
			os.Exit(0)
		}
	}
	os.Exit(m.Run())
}

// helperListen serves "hello from <hostname>" on addr until SIGTERM, then
// says so and exits 42, so the tests can tell a graceful exit apart.
func helperListen(addr string) int {
	term := make(chan os.Signal, 1)
	signal.Notify(term, syscall.SIGTERM)
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	fmt.Println("listening on", addr)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			h, _ := os.Hostname()
			fmt.Fprintf(c, "hello from %s\n", h)
			c.Close()
		}
	}()
	<-term
	fmt.Println("got SIGTERM")
	return 42
}

// helperDial prints the first line served at addr.
func helperDial(addr string) int {
	c, err := net.DialTimeout("tcp", addr, 3*time.Second)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(3 * time.Second))
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	fmt.Print(line)
	return 0
}
