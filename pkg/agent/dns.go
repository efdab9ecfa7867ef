package agent

import (
	"bufio"
	"fmt"
	"net/netip"
	"strings"

	corev1 "k8s.io/api/core/v1"
)

// Limits the kubelet applies to a pod's resolv.conf.
const (
	maxDNSNameservers = 3
	maxDNSSearches    = 32
)

// dnsConfig is a parsed resolv.conf.
type dnsConfig struct {
	Nameservers, Searches, Options []string
}

// parseResolvConf reads the nameserver, search/domain and options lines of
// a resolv.conf.
func parseResolvConf(content string) dnsConfig {
	var c dnsConfig
	sc := bufio.NewScanner(strings.NewReader(content))
	for sc.Scan() {
		line := sc.Text()
		if i := strings.IndexAny(line, "#;"); i >= 0 {
			line = line[:i]
		}
		f := strings.Fields(line)
		if len(f) < 2 {
			continue
		}
		switch f[0] {
		case "nameserver":
			c.Nameservers = append(c.Nameservers, f[1])
		case "search":
			c.Searches = f[1:]
		case "domain":
			c.Searches = []string{f[1]}
		case "options":
			c.Options = append(c.Options, f[1:]...)
		}
	}
	return c
}

// resolvConf renders the pod's /etc/resolv.conf for its dnsPolicy:
//
//   - ClusterFirst (and ClusterFirstWithHostNet): the cluster DNS server,
//     the search path <ns>.svc.<domain> svc.<domain> <domain>, ndots:5.
//     Unlike the kubelet, the node's own search domains are not appended:
//     a lab node's host search path would leak into the cluster.
//   - Default: the node's resolv.conf (nodeResolv).
//   - None: nothing but the pod's dnsConfig.
//
// The pod's dnsConfig is then merged as the kubelet does: nameservers and
// searches are appended without duplicates, and options replace options
// of the same name.
func resolvConf(pod *corev1.Pod, clusterDNS netip.Addr, clusterDomain, nodeResolv string) string {
	var c dnsConfig
	switch pod.Spec.DNSPolicy {
	case corev1.DNSDefault:
		c = parseResolvConf(nodeResolv)
	case corev1.DNSNone:
	default:
		if pod.Spec.HostNetwork && pod.Spec.DNSPolicy != corev1.DNSClusterFirstWithHostNet {
			c = parseResolvConf(nodeResolv)
			break
		}
		c = dnsConfig{
			Nameservers: []string{clusterDNS.String()},
			Searches: []string{
				pod.Namespace + ".svc." + clusterDomain,
				"svc." + clusterDomain,
				clusterDomain,
			},
			Options: []string{"ndots:5"},
		}
	}
	if dc := pod.Spec.DNSConfig; dc != nil {
		c.Nameservers = omitDuplicates(append(c.Nameservers, dc.Nameservers...))
		c.Searches = omitDuplicates(append(c.Searches, dc.Searches...))
		c.Options = mergeDNSOptions(c.Options, dc.Options)
	}
	if len(c.Nameservers) > maxDNSNameservers {
		c.Nameservers = c.Nameservers[:maxDNSNameservers]
	}
	if len(c.Searches) > maxDNSSearches {
		c.Searches = c.Searches[:maxDNSSearches]
	}
	return formatResolvConf(c)
}

func formatResolvConf(c dnsConfig) string {
	var b strings.Builder
	for _, ns := range c.Nameservers {
		fmt.Fprintf(&b, "nameserver %s\n", ns)
	}
	if len(c.Searches) > 0 {
		fmt.Fprintf(&b, "search %s\n", strings.Join(c.Searches, " "))
	}
	if len(c.Options) > 0 {
		fmt.Fprintf(&b, "options %s\n", strings.Join(c.Options, " "))
	}
	return b.String()
}

func omitDuplicates(in []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, s := range in {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}

// mergeDNSOptions overlays the pod's options on the existing ones: an
// option of the same name takes the pod's value; the order is the existing
// options' order, then the pod's new ones.
func mergeDNSOptions(existing []string, pod []corev1.PodDNSConfigOption) []string {
	var names []string
	values := map[string]string{}
	add := func(name, value string) {
		if _, ok := values[name]; !ok {
			names = append(names, name)
		}
		values[name] = value
	}
	for _, op := range existing {
		name, value, _ := strings.Cut(op, ":")
		add(name, value)
	}
	for _, op := range pod {
		v := ""
		if op.Value != nil {
			v = *op.Value
		}
		add(op.Name, v)
	}
	out := make([]string, 0, len(names))
	for _, n := range names {
		if values[n] != "" {
			out = append(out, n+":"+values[n])
		} else {
			out = append(out, n)
		}
	}
	return out
}
