package nftables

import (
	"crypto/sha256"
	"encoding/base32"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/svcnet/svcnet/pkg/proxy/model"
)

// Base chains, attached to netfilter hooks. Each is named "<type>-<hook>".
const (
	filterPreroutingChain     = "filter-prerouting"
	filterInputChain          = "filter-input"
	filterForwardChain        = "filter-forward"
	filterOutputChain         = "filter-output"
	filterOutputPostDNATChain = "filter-output-post-dnat"
	natPreroutingChain        = "nat-prerouting"
	natOutputChain            = "nat-output"
	natPostroutingChain       = "nat-postrouting"
)

// Service dispatch: from a destination to the Service port's chain.
const (
	servicesChain       = "services"
	serviceIPsMap       = "service-ips"
	serviceNodePortsMap = "service-nodeports"
	// nodePortIPsSet holds the node addresses that accept NodePort
	// traffic when NodePortAddresses is set.
	nodePortIPsSet = "nodeport-ips"
)

// Refusals: Services without endpoints, wrong ports, unallocated IPs.
const (
	endpointsCheckChain    = "endpoints-check"
	noEndpointServicesMap  = "no-endpoint-services"
	noEndpointNodePortsMap = "no-endpoint-nodeports"
	clusterIPsCheckChain   = "cluster-ips-check"
	clusterIPsSet          = "cluster-ips"
	rejectChain            = "reject-chain"
)

// loadBalancerSourceRanges.
const (
	firewallCheckChain = "firewall-check"
	firewallIPsMap     = "firewall-ips"
)

// Masquerading: chains mark packets, postrouting masquerades marked ones.
const (
	markMasqChain     = "mark-for-masquerade"
	masqueradingChain = "masquerading"
)

// Prefixes of per-Service-port and per-endpoint objects. Their names all
// contain a "/", which no fixed name above does.
const (
	// serviceChainPrefix names the chain that spreads traffic over all of
	// a port's endpoints (traffic policy Cluster), and its counter.
	serviceChainPrefix = "service-"
	// localChainPrefix names the chain over the node's own endpoints
	// (traffic policy Local).
	localChainPrefix = "local-"
	// externalChainPrefix names the entry chain for NodePort, external IP
	// and LoadBalancer IP traffic.
	externalChainPrefix = "external-"
	// firewallChainPrefix names the loadBalancerSourceRanges check.
	firewallChainPrefix = "firewall-"
	// endpointChainPrefix names the chain (and counter) of one endpoint.
	endpointChainPrefix = "endpoint-"
	// affinitySetPrefix names the ClientIP affinity set of one endpoint.
	affinitySetPrefix = "affinity-"
)

// maxNameBase keeps every generated name under nftables' limit with the
// longest prefix in front.
const maxNameBase = 256 - 16

// portNames are the names of one Service port's objects.
type portNames struct {
	service, local, external, firewall string
}

func namesForPort(p *model.ServicePort) portNames {
	base := hashedName(portBase(p.Name))
	return portNames{
		service:  serviceChainPrefix + base,
		local:    localChainPrefix + base,
		external: externalChainPrefix + base,
		firewall: firewallChainPrefix + base,
	}
}

// portBase is "namespace/name/protocol/port". Kubernetes names use only
// [a-z0-9-], so "/" separates them unambiguously and all of it is valid in
// an nftables name.
func portBase(n model.ServicePortName) string {
	return n.Namespace + "/" + n.Name + "/" + strings.ToLower(string(n.Protocol)) + "/" + n.Port
}

// endpointBase is portBase followed by "__ip/port"; IPv6 colons become
// dots, since nftables names cannot hold colons.
func endpointBase(p *model.ServicePort, ep *model.Endpoint) string {
	ip := strings.ReplaceAll(ep.Addr.Addr().String(), ":", ".")
	return portBase(p.Name) + "__" + ip + "/" + strconv.Itoa(int(ep.Addr.Port()))
}

func endpointChainName(p *model.ServicePort, ep *model.Endpoint) string {
	return endpointChainPrefix + hashedName(endpointBase(p, ep))
}

// affinitySetName also hashes the timeout, so a changed timeout makes a new
// set (an existing set's timeout cannot be changed in place) and the rules
// that use it change with it.
func affinitySetName(p *model.ServicePort, ep *model.Endpoint, timeout time.Duration) string {
	base := endpointBase(p, ep)
	return affinitySetPrefix + hashedNameWith(base, fmt.Sprintf("%s#%d", base, int64(timeout.Seconds())))
}

// hashedName prefixes name with 8 characters of its hash: names stay unique
// when they must be cut, and look different at a glance when they differ
// only in one digit.
func hashedName(name string) string { return hashedNameWith(name, name) }

func hashedNameWith(name, hashInput string) string {
	sum := sha256.Sum256([]byte(hashInput))
	out := base32.StdEncoding.EncodeToString(sum[:])[:8] + "-" + name
	if len(out) > maxNameBase {
		out = out[:maxNameBase-3] + "..."
	}
	return out
}

// isServiceObject reports whether name belongs to a Service port or an
// endpoint rather than to the fixed skeleton.
func isServiceObject(name string) bool { return strings.Contains(name, "/") }
