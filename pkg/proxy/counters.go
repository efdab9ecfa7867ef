package proxy

import (
	"context"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// counterCollector exports the nft counters of Service ports and endpoints
// as metrics. It reads them at scrape time with one "list counters".
// Counter names carry their labels ("service-HASH-ns/name/proto/port",
// "endpoint-HASH-ns/name/proto/port__ip/port"), so no index is kept.
type counterCollector struct {
	p                        *Proxier
	svcPackets, svcBytes     *prometheus.Desc
	endpointPackets, epBytes *prometheus.Desc
	scrapeTimeout            time.Duration
}

func newCounterCollector(p *Proxier) *counterCollector {
	svc := []string{"namespace", "service", "protocol", "port"}
	ep := append(append([]string{}, svc...), "endpoint")
	desc := func(name, help string, labels []string) *prometheus.Desc {
		return prometheus.NewDesc(metricsNamespace+"_"+name, help, labels, nil)
	}
	return &counterCollector{
		p: p,
		svcPackets: desc("service_packets_total",
			"Packets counted in a Service port's chains: the first packet of each new connection (NAT chains see no other).", svc),
		svcBytes:        desc("service_bytes_total", "Bytes of the packets in service_packets_total.", svc),
		endpointPackets: desc("endpoint_packets_total", "New connections DNATed to an endpoint (their first packets).", ep),
		epBytes:         desc("endpoint_bytes_total", "Bytes of the packets in endpoint_packets_total.", ep),
		scrapeTimeout:   5 * time.Second,
	}
}

// Describe implements prometheus.Collector.
func (c *counterCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.svcPackets
	ch <- c.svcBytes
	ch <- c.endpointPackets
	ch <- c.epBytes
}

// Collect implements prometheus.Collector.
func (c *counterCollector) Collect(ch chan<- prometheus.Metric) {
	if !c.p.programmed.Load() {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), c.scrapeTimeout)
	defer cancel()
	counters, err := c.p.nft.ListCounters(ctx)
	if err != nil {
		c.p.log.Warn("reading nftables counters failed", "err", err)
		return
	}
	for _, k := range counters {
		if k == nil || k.Packets == nil || k.Bytes == nil {
			continue
		}
		labels, isEndpoint, ok := parseCounterName(k.Name)
		if !ok {
			continue
		}
		pk, by := c.svcPackets, c.svcBytes
		if isEndpoint {
			pk, by = c.endpointPackets, c.epBytes
		}
		ch <- prometheus.MustNewConstMetric(pk, prometheus.CounterValue, float64(*k.Packets), labels...)
		ch <- prometheus.MustNewConstMetric(by, prometheus.CounterValue, float64(*k.Bytes), labels...)
	}
}

// parseCounterName reads the labels back from a counter's name.
func parseCounterName(name string) (labels []string, isEndpoint, ok bool) {
	var rest string
	switch {
	case strings.HasPrefix(name, "service-"):
		rest = strings.TrimPrefix(name, "service-")
	case strings.HasPrefix(name, "endpoint-"):
		rest, isEndpoint = strings.TrimPrefix(name, "endpoint-"), true
	default:
		return nil, false, false
	}
	_, rest, found := strings.Cut(rest, "-") // the hash
	if !found || strings.HasSuffix(rest, "...") {
		return nil, false, false
	}
	svcPart, epPart, hasEP := strings.Cut(rest, "__")
	parts := strings.Split(svcPart, "/")
	if len(parts) != 4 || hasEP != isEndpoint {
		return nil, false, false
	}
	labels = []string{parts[0], parts[1], parts[2], parts[3]}
	if isEndpoint {
		ip, port, found := strings.Cut(epPart, "/")
		addr, err := netip.ParseAddr(ip)
		if err != nil {
			addr, err = netip.ParseAddr(strings.ReplaceAll(ip, ".", ":"))
		}
		if _, perr := strconv.Atoi(port); !found || err != nil || perr != nil {
			return nil, false, false
		}
		labels = append(labels, netip.AddrPortFrom(addr, mustPort(port)).String())
	}
	return labels, isEndpoint, true
}

func mustPort(s string) uint16 {
	n, _ := strconv.Atoi(s)
	return uint16(n)
}
