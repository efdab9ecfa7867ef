package agent

import (
	"bytes"
	"fmt"
	"net/netip"
	"strings"

	corev1 "k8s.io/api/core/v1"
)

// maxHostnameLen is the longest hostname the kubelet gives a pod.
const maxHostnameLen = 63

// podHostname returns the pod's hostname (spec.hostname, or the pod name
// cut to 63 characters without a trailing '-' or '.') and its domain
// (<subdomain>.<ns>.svc.<clusterDomain> when spec.subdomain is set).
func podHostname(pod *corev1.Pod, clusterDomain string) (hostname, domain string) {
	hostname = pod.Spec.Hostname
	if hostname == "" {
		hostname = pod.Name
		if len(hostname) > maxHostnameLen {
			hostname = strings.TrimRight(hostname[:maxHostnameLen], "-.")
		}
	}
	if pod.Spec.Subdomain != "" {
		domain = fmt.Sprintf("%s.%s.svc.%s", pod.Spec.Subdomain, pod.Namespace, clusterDomain)
	}
	return hostname, domain
}

// hostsFile renders the pod's /etc/hosts as the kubelet's
// managedHostsFileContent does: the localhost entries, the pod's own
// address (when ip is valid) with its FQDN when it has a subdomain, and the
// pod's hostAliases.
func hostsFile(ip netip.Addr, hostname, domain string, aliases []corev1.HostAlias) string {
	var b bytes.Buffer
	b.WriteString("# Kubernetes-managed hosts file.\n")
	b.WriteString("127.0.0.1\tlocalhost\n")
	b.WriteString("::1\tlocalhost ip6-localhost ip6-loopback\n")
	b.WriteString("fe00::0\tip6-localnet\n")
	b.WriteString("fe00::0\tip6-mcastprefix\n")
	b.WriteString("fe00::1\tip6-allnodes\n")
	b.WriteString("fe00::2\tip6-allrouters\n")
	if ip.IsValid() {
		if domain != "" {
			fmt.Fprintf(&b, "%s\t%s.%s\t%s\n", ip, hostname, domain, hostname)
		} else {
			fmt.Fprintf(&b, "%s\t%s\n", ip, hostname)
		}
	}
	if len(aliases) > 0 {
		b.WriteString("\n# Entries added by HostAliases.\n")
		for _, a := range aliases {
			fmt.Fprintf(&b, "%s\t%s\n", a.IP, strings.Join(a.Hostnames, "\t"))
		}
	}
	return b.String()
}
