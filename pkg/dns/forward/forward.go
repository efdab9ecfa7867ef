package forward

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"strconv"
	"time"

	"github.com/miekg/dns"
	"github.com/prometheus/client_golang/prometheus"
)

// Defaults for Config.
const (
	DefaultTimeout      = 2 * time.Second
	DefaultQueryTimeout = 5 * time.Second
	// udpSize is the EDNS0 buffer size offered to upstreams; replies are
	// truncated again to each client's own buffer by the server.
	udpSize = 1232
)

// Config configures a Forwarder.
type Config struct {
	// Upstreams are the resolvers to ask, as IP:port, in order. Required.
	Upstreams []string
	// Timeout bounds one exchange with one upstream (DefaultTimeout when
	// zero).
	Timeout time.Duration
	// QueryTimeout bounds one query over all upstreams
	// (DefaultQueryTimeout when zero).
	QueryTimeout time.Duration
	// CacheSize is the number of cached replies; zero disables the cache.
	CacheSize int
	// MaxTTL and MaxNegativeTTL cap how long positive and negative
	// replies are cached (DefaultMaxTTL and DefaultMaxNegativeTTL when
	// zero).
	MaxTTL, MaxNegativeTTL time.Duration
	// Registerer receives the forwarding and cache metrics; nil keeps them
	// unregistered.
	Registerer prometheus.Registerer
	// Logger logs upstream failures at debug level; nil discards.
	Logger *slog.Logger
	// Now is the cache's clock; nil is time.Now.
	Now func() time.Time
}

// Validate checks c and fills in defaults.
func (c *Config) Validate() error {
	if len(c.Upstreams) == 0 {
		return errors.New("no upstream resolvers")
	}
	for _, u := range c.Upstreams {
		if _, err := netip.ParseAddrPort(u); err != nil {
			return fmt.Errorf("upstream %q: want IP:port: %w", u, err)
		}
	}
	if c.Timeout < 0 || c.QueryTimeout < 0 || c.CacheSize < 0 || c.MaxTTL < 0 || c.MaxNegativeTTL < 0 {
		return errors.New("negative timeout, cache size or TTL")
	}
	if c.Timeout == 0 {
		c.Timeout = DefaultTimeout
	}
	if c.QueryTimeout == 0 {
		c.QueryTimeout = DefaultQueryTimeout
	}
	if c.MaxTTL == 0 {
		c.MaxTTL = DefaultMaxTTL
	}
	if c.MaxNegativeTTL == 0 {
		c.MaxNegativeTTL = DefaultMaxNegativeTTL
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return nil
}

// Forwarder answers queries from upstream resolvers through a Cache.
type Forwarder struct {
	upstreams []string
	timeout   time.Duration // per query
	udp, tcp  *dns.Client
	cache     *Cache
	log       *slog.Logger
	m         *metrics
}

// New returns a Forwarder.
func New(c Config) (*Forwarder, error) {
	if err := c.Validate(); err != nil {
		return nil, fmt.Errorf("forwarder configuration: %w", err)
	}
	f := &Forwarder{
		upstreams: append([]string(nil), c.Upstreams...),
		timeout:   c.QueryTimeout,
		udp:       &dns.Client{Net: "udp", Timeout: c.Timeout, UDPSize: udpSize},
		tcp:       &dns.Client{Net: "tcp", Timeout: c.Timeout},
		cache:     NewCache(c.CacheSize, c.MaxTTL, c.MaxNegativeTTL, c.Now),
		log:       c.Logger,
	}
	m, err := newMetrics(c.Registerer, f.cache)
	if err != nil {
		return nil, err
	}
	f.m = m
	return f, nil
}

// Name is the handler name in metrics.
func (f *Forwarder) Name() string { return "forward" }

// Upstreams returns a copy of the upstream list.
func (f *Forwarder) Upstreams() []string { return append([]string(nil), f.upstreams...) }

// Cache returns the reply cache.
func (f *Forwarder) Cache() *Cache { return f.cache }

// ServeDNS answers req from the cache or from the first upstream that
// answers. It fails only when no upstream answers at all.
func (f *Forwarder) ServeDNS(ctx context.Context, req *dns.Msg) (*dns.Msg, error) {
	if m := f.cache.Get(req); m != nil {
		f.m.cacheHits.Inc()
		return m, nil
	}
	f.m.cacheMisses.Inc()
	ctx, cancel := context.WithTimeout(ctx, f.timeout)
	defer cancel()
	resp, err := f.exchange(ctx, req)
	if err != nil {
		return nil, err
	}
	f.cache.Put(req, resp)
	resp.Id = req.Id
	return resp, nil
}

// exchange asks the upstreams in order. A SERVFAIL or REFUSED reply moves
// on to the next upstream but is returned if no upstream does better.
func (f *Forwarder) exchange(ctx context.Context, req *dns.Msg) (*dns.Msg, error) {
	if len(req.Question) != 1 {
		return nil, errors.New("forwarding: not one question")
	}
	q := req.Question[0]
	out := new(dns.Msg)
	out.Id = dns.Id()
	out.RecursionDesired = true
	out.CheckingDisabled = req.CheckingDisabled
	out.Question = []dns.Question{q}
	do := false
	if opt := req.IsEdns0(); opt != nil {
		do = opt.Do()
	}
	out.SetEdns0(udpSize, do)

	var last *dns.Msg
	var errs []error
	for _, u := range f.upstreams {
		resp, err := f.exchangeOne(ctx, u, out)
		if err != nil {
			f.log.Debug("upstream failed", "upstream", u, "name", q.Name, "err", err)
			errs = append(errs, fmt.Errorf("asking %s: %w", u, err))
			if ctx.Err() != nil {
				break
			}
			continue
		}
		if resp.Rcode == dns.RcodeServerFailure || resp.Rcode == dns.RcodeRefused {
			last = resp
			continue
		}
		return resp, nil
	}
	if last != nil {
		return last, nil
	}
	return nil, fmt.Errorf("forwarding %s: %w", q.Name, errors.Join(errs...))
}

// exchangeOne asks one upstream over UDP, and over TCP if the UDP reply
// is truncated.
func (f *Forwarder) exchangeOne(ctx context.Context, upstream string, m *dns.Msg) (*dns.Msg, error) {
	start := time.Now()
	resp, _, err := f.udp.ExchangeContext(ctx, m, upstream)
	if err == nil && resp.Truncated {
		f.m.tcpRetries.Inc()
		resp, _, err = f.tcp.ExchangeContext(ctx, m, upstream)
	}
	f.m.duration.WithLabelValues(upstream).Observe(time.Since(start).Seconds())
	if err != nil {
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			f.m.requests.WithLabelValues(upstream, "timeout").Inc()
		} else {
			f.m.requests.WithLabelValues(upstream, "error").Inc()
		}
		return nil, err
	}
	f.m.requests.WithLabelValues(upstream, rcodeLabel(resp.Rcode)).Inc()
	return resp, nil
}

func rcodeLabel(rcode int) string {
	if s, ok := dns.RcodeToString[rcode]; ok {
		return s
	}
	return strconv.Itoa(rcode)
}
