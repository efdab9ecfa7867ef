package workload

import (
	"slices"
	"testing"
	"time"
)

func TestParseOptions(t *testing.T) {
	tests := []struct {
		name       string
		args       []string
		wantPorts  []int
		wantHTTP   int
		wantUDP    int
		wantAddr   string
		wantPos    []string
		wantTCP    bool
		wantErr    bool
		wantPortEr bool
	}{
		{name: "none", wantHTTP: 8080, wantUDP: 8081, wantAddr: "0.0.0.0"},
		{name: "agent ports", args: []string{"--port", "80", "--port", "8080", "--port=80"}, wantPorts: []int{80, 8080}, wantHTTP: 8080, wantUDP: 8081, wantAddr: "0.0.0.0"},
		{name: "agnhost args", args: []string{"--port", "8080", "netexec", "--http-port=9000", "--udp-port", "-1"}, wantPorts: []int{8080}, wantHTTP: 9000, wantUDP: -1, wantAddr: "0.0.0.0", wantPos: []string{"netexec"}},
		{name: "single dash and address", args: []string{"-port", "81", "-address=127.0.0.1"}, wantPorts: []int{81}, wantHTTP: 8080, wantUDP: 8081, wantAddr: "127.0.0.1"},
		{name: "unknown flags kept", args: []string{"--verbose", "-c", "sleep 5", "--", "--port", "1"}, wantHTTP: 8080, wantUDP: 8081, wantAddr: "0.0.0.0", wantPos: []string{"-c", "sleep 5", "--port", "1"}},
		{name: "bool flag", args: []string{"--tcp", "--close=false"}, wantHTTP: 8080, wantUDP: 8081, wantAddr: "0.0.0.0", wantTCP: true},
		{name: "missing value", args: []string{"--port"}, wantErr: true},
		{name: "bad bool", args: []string{"--tcp=maybe"}, wantErr: true},
		{name: "bad port", args: []string{"--port", "http"}, wantPortEr: true},
		{name: "port out of range", args: []string{"--port", "70000"}, wantPortEr: true},
		{name: "port -1 only for off switches", args: []string{"--port", "-1"}, wantPortEr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o, err := parseOptions(tt.args)
			if (err != nil) != tt.wantErr {
				t.Fatalf("parseOptions(%q) error = %v, want error %v", tt.args, err, tt.wantErr)
			}
			if err != nil {
				return
			}
			ports, err := o.ports("port")
			if (err != nil) != tt.wantPortEr {
				t.Fatalf("ports error = %v, want error %v", err, tt.wantPortEr)
			}
			if err != nil {
				return
			}
			httpPort, _ := o.port("http-port", 8080)
			udpPort, _ := o.port("udp-port", 8081)
			addr, _ := o.address()
			if !slices.Equal(ports, tt.wantPorts) || httpPort != tt.wantHTTP || udpPort != tt.wantUDP || addr != tt.wantAddr {
				t.Errorf("ports %v http %d udp %d addr %q; want %v %d %d %q", ports, httpPort, udpPort, addr, tt.wantPorts, tt.wantHTTP, tt.wantUDP, tt.wantAddr)
			}
			if !slices.Equal(o.positional, tt.wantPos) {
				t.Errorf("positional = %q, want %q", o.positional, tt.wantPos)
			}
			if got := o.boolean("tcp", false); got != tt.wantTCP {
				t.Errorf("tcp = %v, want %v", got, tt.wantTCP)
			}
		})
	}
}

func TestSleepDuration(t *testing.T) {
	tests := []struct {
		args   []string
		want   time.Duration
		wantOK bool
	}{
		{args: nil},
		{args: []string{"sleep", "3600"}, want: time.Hour, wantOK: true},
		{args: []string{"3600"}, want: time.Hour, wantOK: true},
		{args: []string{"sleep", "1.5"}, want: 1500 * time.Millisecond, wantOK: true},
		{args: []string{"sleep", "10m"}, want: 10 * time.Minute, wantOK: true},
		{args: []string{"sleep", "2h"}, want: 2 * time.Hour, wantOK: true},
		{args: []string{"sleep", "1d"}, want: 24 * time.Hour, wantOK: true},
		{args: []string{"sleep", "infinity"}},
		{args: []string{"sleep", "nan"}},
		{args: []string{"sleep", "-5"}},
		{args: []string{"sh", "-c", "sleep 5; echo hi"}},
		{args: []string{"sleep"}},
	}
	for _, tt := range tests {
		got, ok := sleepDuration(tt.args)
		if got != tt.want || ok != tt.wantOK {
			t.Errorf("sleepDuration(%q) = %v, %v; want %v, %v", tt.args, got, ok, tt.want, tt.wantOK)
		}
	}
}
