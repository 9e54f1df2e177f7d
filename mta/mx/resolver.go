package mx

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/netip"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/miekg/dns"
)

// Options configures a Resolver. Zero values take the defaults in brackets.
type Options struct {
	Server      string        // resolver host:port [first nameserver of /etc/resolv.conf]
	Timeout     time.Duration // per DNS query [5s]; a Lookup makes two rounds (MX, then A+AAAA)
	MinTTL      time.Duration // floor on cached answers [30s]
	MaxTTL      time.Duration // ceiling on cached answers [1h]
	NegativeTTL time.Duration // NXDOMAIN, NODATA, null MX without TTL [5m]
	ErrorTTL    time.Duration // SERVFAIL and timeouts, so a dead resolver is not hammered [5s]
	Port        int           // destination port put in Host.Port [25]
	MaxEntries  int           // cached names per kind (domains, hosts) [100000]
	Parallel    int           // hosts resolved at once per lookup [8]
}

// Host is one mail host to connect to.
type Host struct {
	Name  string // lowercased, no trailing dot; an IP literal for explicit routes to an address
	Pref  uint16
	Addrs []netip.Addr // IPv4 first, then IPv6
	Port  uint16
}

// Result is where mail for a domain goes. A Result may be shared with other
// callers through the cache: never modify it.
type Result struct {
	Domain   string
	Hosts    []Host // preference order, then name; hosts without any address left out
	Site     string // SiteName of every MX host name ("" for a null MX)
	NullMX   bool   // the domain accepts no mail (RFC 7505); Lookup also returns ErrNullMX
	Implicit bool   // no MX: the domain's own A/AAAA (RFC 5321 section 5.1), or a domain literal
	Expires  time.Time
}

// Shuffled returns Hosts with each run of equal preference in random order,
// as RFC 5321 section 5.1 asks of senders. The Result is not changed.
func (res *Result) Shuffled() []Host {
	out := append([]Host(nil), res.Hosts...)
	for i := 0; i < len(out); {
		j := i + 1
		for j < len(out) && out[j].Pref == out[i].Pref {
			j++
		}
		run := out[i:j]
		rand.Shuffle(len(run), func(a, b int) { run[a], run[b] = run[b], run[a] })
		i = j
	}
	return out
}

// Resolver looks up and caches MX results. It is safe for concurrent use.
type Resolver struct {
	opts     Options
	server   string
	udp, tcp *dns.Client
	now      func() time.Time // tests move time

	mu      sync.RWMutex
	domains map[string]*domainEntry
	hosts   map[string]*hostEntry

	domainFlight flight[*domainEntry]
	hostFlight   flight[*hostEntry]
}

type domainEntry struct {
	res     *Result
	err     error
	expires time.Time
}

type hostEntry struct {
	addrs   []netip.Addr
	err     error
	expires time.Time
}

func (e *domainEntry) expiry() time.Time { return e.expires }
func (e *hostEntry) expiry() time.Time   { return e.expires }

// New returns a Resolver. It never fails: a missing /etc/resolv.conf falls
// back to 127.0.0.1:53 and shows up as lookup errors.
func New(opts Options) *Resolver {
	opts = withDefaults(opts)
	r := &Resolver{
		opts:    opts,
		server:  opts.Server,
		udp:     &dns.Client{Net: "udp", UDPSize: ednsSize},
		tcp:     &dns.Client{Net: "tcp"},
		now:     time.Now,
		domains: map[string]*domainEntry{},
		hosts:   map[string]*hostEntry{},
	}
	if r.server == "" {
		r.server = systemServer()
	}
	return r
}

func withDefaults(o Options) Options {
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&o.Timeout, 5*time.Second)
	def(&o.MinTTL, 30*time.Second)
	def(&o.MaxTTL, time.Hour)
	def(&o.NegativeTTL, 5*time.Minute)
	def(&o.ErrorTTL, 5*time.Second)
	o.MaxTTL = max(o.MaxTTL, o.MinTTL)
	if o.Port <= 0 || o.Port > 65535 {
		o.Port = 25
	}
	if o.MaxEntries <= 0 {
		o.MaxEntries = 100000
	}
	if o.Parallel <= 0 {
		o.Parallel = 8
	}
	return o
}

func systemServer() string {
	cfg, err := dns.ClientConfigFromFile("/etc/resolv.conf")
	if err != nil || len(cfg.Servers) == 0 {
		return "127.0.0.1:53"
	}
	return netip.AddrPortFrom(netip.MustParseAddr(cfg.Servers[0]).Unmap(), portOf(cfg.Port)).String()
}

func portOf(s string) uint16 {
	var p uint16
	if _, err := fmt.Sscan(s, &p); err != nil || p == 0 {
		return 53
	}
	return p
}

// Lookup returns where mail for domain goes. A null MX returns both a Result
// with NullMX set and a permanent *Error wrapping ErrNullMX, so a caller that
// only checks the error still bounces. Every other failure is an *Error
// (errors.Is finds ErrNXDomain, ErrNoAddress, ErrServFail, ErrTimeout) or the
// caller's context error.
func (r *Resolver) Lookup(ctx context.Context, domain string) (*Result, error) {
	name, err := normalize(domain)
	if err != nil {
		return nil, permanent(domain, err)
	}
	if lit, ok := r.literal(name); ok {
		return lit, nil
	}
	r.mu.RLock()
	e := r.domains[name]
	r.mu.RUnlock()
	if e == nil || !r.now().Before(e.expires) {
		e, err = r.domainFlight.do(ctx, name, func() (*domainEntry, error) {
			e := r.resolveDomain(name)
			put(r, r.domains, name, e)
			return e, nil
		})
		if err != nil {
			return nil, err
		}
	}
	return e.res, e.err
}

// literal handles an address literal domain ("[192.0.2.1]", "[IPv6:2001:db8::1]").
func (r *Resolver) literal(name string) (*Result, bool) {
	if !strings.HasPrefix(name, "[") || !strings.HasSuffix(name, "]") {
		return nil, false
	}
	s := strings.TrimPrefix(name[1:len(name)-1], "ipv6:")
	a, err := netip.ParseAddr(s)
	if err != nil {
		return nil, false
	}
	h := Host{Name: name, Addrs: []netip.Addr{a.Unmap()}, Port: uint16(r.opts.Port)}
	return &Result{Domain: name, Hosts: []Host{h}, Site: name, Implicit: true,
		Expires: r.now().Add(r.opts.MaxTTL)}, true
}

// store caches an entry, making room first when the cache is full: expired
// entries go, then arbitrary ones (a cache miss only costs a query).
func put[E interface{ expiry() time.Time }](r *Resolver, m map[string]E, key string, e E) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(m) >= r.opts.MaxEntries {
		now := r.now()
		for k, v := range m {
			if !now.Before(v.expiry()) {
				delete(m, k)
			}
		}
		for k := range m {
			if len(m) < r.opts.MaxEntries*9/10 {
				break
			}
			delete(m, k)
		}
	}
	m[key] = e
}

func sortHosts(hosts []Host) {
	sort.Slice(hosts, func(i, j int) bool {
		if hosts[i].Pref != hosts[j].Pref {
			return hosts[i].Pref < hosts[j].Pref
		}
		return hosts[i].Name < hosts[j].Name
	})
}
