package forward

import (
	"strings"
	"sync"
	"time"

	"github.com/miekg/dns"
)

// Cache limits: the longest a reply is kept, positive and negative.
const (
	DefaultMaxTTL         = time.Hour
	DefaultMaxNegativeTTL = 30 * time.Minute
)

// Cache is a bounded cache of upstream replies, safe for concurrent use.
// When full, it evicts an expired entry if it finds one among a few, or
// else an arbitrary one.
type Cache struct {
	mu      sync.Mutex
	entries map[cacheKey]*cacheEntry
	size    int
	maxTTL  time.Duration
	maxNeg  time.Duration
	now     func() time.Time
}

type cacheKey struct {
	name         string // lower case
	qtype        uint16
	qclass       uint16
	dnssecOK, cd bool
}

type cacheEntry struct {
	msg     *dns.Msg
	stored  time.Time
	expires time.Time
}

// NewCache returns a cache of at most size entries; now is its clock
// (time.Now when nil).
func NewCache(size int, maxTTL, maxNegativeTTL time.Duration, now func() time.Time) *Cache {
	if now == nil {
		now = time.Now
	}
	return &Cache{
		entries: make(map[cacheKey]*cacheEntry),
		size:    size,
		maxTTL:  maxTTL,
		maxNeg:  maxNegativeTTL,
		now:     now,
	}
}

func keyOf(req *dns.Msg) (cacheKey, bool) {
	if len(req.Question) != 1 {
		return cacheKey{}, false
	}
	q := req.Question[0]
	k := cacheKey{name: strings.ToLower(q.Name), qtype: q.Qtype, qclass: q.Qclass, cd: req.CheckingDisabled}
	if opt := req.IsEdns0(); opt != nil {
		k.dnssecOK = opt.Do()
	}
	return k, true
}

// Get returns a copy of the cached reply to req, with its ID and question
// taken from req and its TTLs reduced by its age, or nil.
func (c *Cache) Get(req *dns.Msg) *dns.Msg {
	k, ok := keyOf(req)
	if !ok || c.size <= 0 {
		return nil
	}
	now := c.now()
	c.mu.Lock()
	e := c.entries[k]
	if e != nil && !now.Before(e.expires) {
		delete(c.entries, k)
		e = nil
	}
	c.mu.Unlock()
	if e == nil {
		return nil
	}
	m := e.msg.Copy()
	m.Id = req.Id
	m.Question = append(m.Question[:0], req.Question...)
	age := uint32(now.Sub(e.stored) / time.Second)
	for _, section := range [][]dns.RR{m.Answer, m.Ns, m.Extra} {
		for _, rr := range section {
			h := rr.Header()
			if h.Rrtype == dns.TypeOPT {
				continue
			}
			if h.Ttl > age {
				h.Ttl -= age
			} else {
				h.Ttl = 0
			}
		}
	}
	return m
}

// Put stores the reply to req if it can be cached: NOERROR with records,
// or NXDOMAIN/NODATA with an SOA, untruncated, with a TTL above zero.
func (c *Cache) Put(req, resp *dns.Msg) {
	k, ok := keyOf(req)
	if !ok || c.size <= 0 {
		return
	}
	ttl, ok := c.ttl(resp)
	if !ok {
		return
	}
	now := c.now()
	e := &cacheEntry{msg: resp.Copy(), stored: now, expires: now.Add(ttl)}
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, exists := c.entries[k]; !exists && len(c.entries) >= c.size {
		c.evict(now)
	}
	c.entries[k] = e
}

// Len is the number of entries, expired ones included.
func (c *Cache) Len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.entries)
}

func (c *Cache) evict(now time.Time) {
	var victim cacheKey
	n := 0
	for k, e := range c.entries {
		victim = k
		if !now.Before(e.expires) || n == 8 {
			break
		}
		n++
	}
	delete(c.entries, victim)
}

// ttl is how long resp may be cached.
func (c *Cache) ttl(resp *dns.Msg) (time.Duration, bool) {
	if resp.Truncated {
		return 0, false
	}
	var secs uint32
	var limit time.Duration
	switch {
	case resp.Rcode == dns.RcodeSuccess && len(resp.Answer) > 0:
		secs, limit = minTTL(resp), c.maxTTL
	case resp.Rcode == dns.RcodeSuccess || resp.Rcode == dns.RcodeNameError:
		soa := findSOA(resp.Ns)
		if soa == nil {
			return 0, false
		}
		secs, limit = min(soa.Hdr.Ttl, soa.Minttl), c.maxNeg
	default:
		return 0, false
	}
	if secs == 0 {
		return 0, false
	}
	return min(time.Duration(secs)*time.Second, limit), true
}

func minTTL(m *dns.Msg) uint32 {
	first := true
	var v uint32
	for _, section := range [][]dns.RR{m.Answer, m.Ns, m.Extra} {
		for _, rr := range section {
			h := rr.Header()
			if h.Rrtype == dns.TypeOPT {
				continue
			}
			if first || h.Ttl < v {
				v, first = h.Ttl, false
			}
		}
	}
	return v
}

func findSOA(rrs []dns.RR) *dns.SOA {
	for _, rr := range rrs {
		if soa, ok := rr.(*dns.SOA); ok {
			return soa
		}
	}
	return nil
}
