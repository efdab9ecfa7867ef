package pki

import (
	"net"
	"strings"
	"testing"
)

func TestConfigValidate(t *testing.T) {
	valid := Config{Dir: "/var/lib/svcnet", ServerURL: "https://127.0.0.1:6443"}
	tests := []struct {
		name    string
		mutate  func(*Config)
		wantErr string
	}{
		{name: "minimal", mutate: func(*Config) {}},
		{name: "everything", mutate: func(c *Config) {
			c.NodeIPs = []net.IP{net.ParseIP("192.0.2.10"), net.ParseIP("2001:db8::10")}
			c.ExtraSANs = []string{"api.example.com", "*.lb.example.com", "203.0.113.7", "2001:db8::7"}
			c.ClusterDomain = "corp.local"
			c.ServiceIP = net.ParseIP("10.43.0.1")
		}},
		{name: "no dir", mutate: func(c *Config) { c.Dir = "" }, wantErr: "dir is required"},
		{name: "no server URL", mutate: func(c *Config) { c.ServerURL = "" }, wantErr: "server URL is required"},
		{name: "http server URL", mutate: func(c *Config) { c.ServerURL = "http://127.0.0.1:6443" }, wantErr: "must be https"},
		{name: "server URL without host", mutate: func(c *Config) { c.ServerURL = "https:///x" }, wantErr: "must be https"},
		{name: "bad node IP", mutate: func(c *Config) { c.NodeIPs = []net.IP{{1, 2, 3}} }, wantErr: "node IP 0"},
		{name: "bad SAN", mutate: func(c *Config) { c.ExtraSANs = []string{"not a name"} }, wantErr: `extra SAN "not a name"`},
		{name: "bad cluster domain", mutate: func(c *Config) { c.ClusterDomain = "Cluster_Local" }, wantErr: "cluster domain"},
		{name: "bad service IP", mutate: func(c *Config) { c.ServiceIP = net.IP{10} }, wantErr: "service IP"},
		{name: "all problems at once", mutate: func(c *Config) { c.Dir, c.ServerURL = "", "" }, wantErr: "dir is required\nserver URL is required"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := valid
			tt.mutate(&c)
			err := c.Validate()
			switch {
			case tt.wantErr == "" && err != nil:
				t.Fatalf("Validate() = %v, want nil", err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Fatalf("Validate() = %v, want error containing %q", err, tt.wantErr)
			}
		})
	}
}
