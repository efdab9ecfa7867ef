package pki

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/util/validation"
)

const (
	// DefaultClusterDomain is the cluster DNS domain used when Config.ClusterDomain is empty.
	DefaultClusterDomain = "cluster.local"
	// DefaultServiceIP is the ClusterIP of the "kubernetes" Service, the first
	// address of the default service CIDR 10.96.0.0/12.
	DefaultServiceIP = "10.96.0.1"
)

// Config says where the credentials live and which names the API server's
// serving certificate must cover.
type Config struct {
	// Dir is the server's data directory. Credentials go to Dir/pki and
	// the admin kubeconfig to Dir/kubeconfig. Required.
	Dir string
	// ServerURL is the https URL clients use to reach the API server. It is
	// written into the admin kubeconfig, and its host is added to the
	// serving certificate's SANs. Required.
	ServerURL string
	// NodeIPs are the server node's addresses; each becomes an IP SAN.
	NodeIPs []net.IP
	// ExtraSANs are further DNS names or IP addresses for the serving
	// certificate, such as a load balancer in front of several servers.
	ExtraSANs []string
	// ClusterDomain is the cluster DNS domain, for the
	// kubernetes.default.svc.<domain> SAN. Empty means DefaultClusterDomain.
	ClusterDomain string
	// ServiceIP is the ClusterIP of the "kubernetes" Service (the first
	// address of the service CIDR). Nil means DefaultServiceIP.
	ServiceIP net.IP
	// Now returns the current time, for certificate validity. Nil means
	// time.Now; tests set it to check renewal.
	Now func() time.Time
}

// Validate reports every problem with c at once.
func (c Config) Validate() error {
	var errs []error
	if c.Dir == "" {
		errs = append(errs, errors.New("dir is required"))
	}
	if _, err := serverHost(c.ServerURL); err != nil {
		errs = append(errs, err)
	}
	for i, ip := range c.NodeIPs {
		if ip.To16() == nil {
			errs = append(errs, fmt.Errorf("node IP %d is not a valid address", i))
		}
	}
	if c.ServiceIP != nil && c.ServiceIP.To16() == nil {
		errs = append(errs, errors.New("service IP is not a valid address"))
	}
	for _, san := range c.ExtraSANs {
		if net.ParseIP(san) != nil {
			continue
		}
		if msgs := validation.IsDNS1123Subdomain(strings.TrimPrefix(san, "*.")); len(msgs) > 0 {
			errs = append(errs, fmt.Errorf("extra SAN %q is neither an IP address nor a DNS name: %s", san, strings.Join(msgs, "; ")))
		}
	}
	if c.ClusterDomain != "" {
		if msgs := validation.IsDNS1123Subdomain(c.ClusterDomain); len(msgs) > 0 {
			errs = append(errs, fmt.Errorf("cluster domain %q: %s", c.ClusterDomain, strings.Join(msgs, "; ")))
		}
	}
	return errors.Join(errs...)
}

// serverHost returns the host of an https server URL.
func serverHost(serverURL string) (string, error) {
	if serverURL == "" {
		return "", errors.New("server URL is required")
	}
	u, err := url.Parse(serverURL)
	if err != nil {
		return "", fmt.Errorf("server URL: %w", err)
	}
	if u.Scheme != "https" || u.Hostname() == "" {
		return "", fmt.Errorf("server URL %q must be https://host[:port]", serverURL)
	}
	return u.Hostname(), nil
}

// withDefaults returns c with empty optional fields filled in.
func (c Config) withDefaults() Config {
	if c.ClusterDomain == "" {
		c.ClusterDomain = DefaultClusterDomain
	}
	if c.ServiceIP == nil {
		c.ServiceIP = net.ParseIP(DefaultServiceIP)
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	return c
}

// servingSANs returns the DNS names and IPs the serving certificate must cover.
func (c Config) servingSANs() (dnsNames []string, ips []net.IP) {
	dnsNames = []string{
		"localhost",
		"kubernetes",
		"kubernetes.default",
		"kubernetes.default.svc",
		"kubernetes.default.svc." + c.ClusterDomain,
	}
	ips = []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback, c.ServiceIP}
	ips = append(ips, c.NodeIPs...)
	extra := c.ExtraSANs
	if host, err := serverHost(c.ServerURL); err == nil {
		extra = append([]string{host}, extra...)
	}
	for _, san := range extra {
		if ip := net.ParseIP(san); ip != nil {
			ips = append(ips, ip)
		} else {
			dnsNames = append(dnsNames, san)
		}
	}
	return dedupeNames(dnsNames), dedupeIPs(ips)
}

func dedupeNames(names []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, n := range names {
		n = strings.ToLower(n)
		if !seen[n] {
			seen[n] = true
			out = append(out, n)
		}
	}
	return out
}

func dedupeIPs(ips []net.IP) []net.IP {
	var out []net.IP
	for _, ip := range ips {
		if !containsIP(out, ip) {
			out = append(out, ip)
		}
	}
	return out
}

func containsIP(ips []net.IP, ip net.IP) bool {
	for _, have := range ips {
		if have.Equal(ip) {
			return true
		}
	}
	return false
}
