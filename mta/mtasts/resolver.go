package mtasts

import (
	"context"
	"crypto/x509"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/wasmta/wasmta/mta/dnsquery"
)

// Store is the durable key-value space of the cache: the spool's aux
// namespace (*spool.Store). A Get of a missing key returns an error.
type Store interface {
	GetAux(ns string, key []byte) ([]byte, error)
	PutAux(ns string, key, val []byte, sync bool) error
	DeleteAux(ns string, key []byte, sync bool) error
	ScanAux(ns string, prefix []byte, fn func(key, val []byte) error) error
}

// Options configures a Resolver. Zero values take the defaults in brackets.
type Options struct {
	DNS          *dnsquery.Client // resolver of TXT and policy host lookups (required)
	Store        Store            // durable cache; nil keeps policies in memory only
	Roots        *x509.CertPool   // roots of the policy host's certificate [system]
	HTTPSPort    int              // port of the policy host [443]; tests use another
	FetchTimeout time.Duration    // whole fetch [20s]
	MinCheck     time.Duration    // floor on the time a TXT answer is trusted [1m]
	MaxCheck     time.Duration    // ceiling on it [1h]
	ErrorCheck   time.Duration    // after a DNS failure [30s]
	// RefreshBefore: Refresh fetches again a policy that expires within
	// this time [1/4 of its max_age, at most 1 day].
	RefreshBefore time.Duration
	Logger        *slog.Logger
	Now           func() time.Time // tests move time [time.Now]
}

// Result is the policy in force for a domain.
type Result struct {
	Domain  string
	Policy  *Policy // nil: no policy
	ID      string  // the policy id of the TXT record it was fetched under
	Fetched time.Time
	Expires time.Time // Fetched + max_age: the cache drops it then
	// Source says where Policy comes from: "fetched" (just now), "cache",
	// or "" without a policy.
	Source string
	// Err is the discovery problem met on the way, kept for reports even
	// when a cached policy was used (a failed fetch, a bad certificate).
	Err error
}

// Resolver finds and caches policies. It is safe for concurrent use.
type Resolver struct {
	opts Options
	dns  *dnsquery.Client
	http *http.Client
	log  *slog.Logger

	mu     sync.Mutex
	mem    map[string]*entry
	flight map[string]chan struct{}
}

type entry struct {
	res        Result
	checkUntil time.Time // no TXT lookup before
}

// New returns a Resolver.
func New(opts Options) *Resolver {
	if opts.HTTPSPort <= 0 {
		opts.HTTPSPort = 443
	}
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&opts.FetchTimeout, 20*time.Second)
	def(&opts.MinCheck, time.Minute)
	def(&opts.MaxCheck, time.Hour)
	def(&opts.ErrorCheck, 30*time.Second)
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	r := &Resolver{opts: opts, dns: opts.DNS, log: opts.Logger,
		mem: map[string]*entry{}, flight: map[string]chan struct{}{}}
	r.http = r.newHTTPClient()
	return r
}

// Lookup returns the policy in force for domain, from memory while the
// last TXT answer is fresh, else after a TXT lookup (and a fetch when the
// id is new). It never fails: a domain whose policy cannot be found has
// none (RFC 8461 section 5.1), and Result.Err says why.
func (r *Resolver) Lookup(ctx context.Context, domain string) Result {
	domain = strings.ToLower(strings.TrimSuffix(domain, "."))
	for {
		r.mu.Lock()
		now := r.opts.Now()
		if e := r.mem[domain]; e != nil && now.Before(e.checkUntil) {
			res := e.res
			r.mu.Unlock()
			return live(res, now)
		}
		if ch, ok := r.flight[domain]; ok {
			r.mu.Unlock()
			select {
			case <-ch:
				continue
			case <-ctx.Done():
				return Result{Domain: domain, Err: ctx.Err()}
			}
		}
		ch := make(chan struct{})
		r.flight[domain] = ch
		r.mu.Unlock()
		res, until := r.discover(ctx, domain, false)
		r.mu.Lock()
		r.mem[domain] = &entry{res: res, checkUntil: until}
		delete(r.flight, domain)
		close(ch)
		r.mu.Unlock()
		return res
	}
}

// live drops a policy that expired while it was held in memory.
func live(res Result, now time.Time) Result {
	if res.Policy != nil && !now.Before(res.Expires) {
		return Result{Domain: res.Domain, Err: errors.New("mtasts: cached policy expired")}
	}
	return res
}

// discover applies section 5.1; force fetches even when the id is known
// (a proactive refresh). It returns until when the answer holds.
func (r *Resolver) discover(ctx context.Context, domain string, force bool) (Result, time.Time) {
	now := r.opts.Now()
	cached, cerr := r.load(domain, now)
	if cerr != nil {
		r.log.Warn("mta-sts cache unreadable", "domain", domain, "err", cerr)
	}
	id, ttl, err := r.txtID(ctx, domain)
	check := now.Add(min(max(time.Duration(ttl)*time.Second, r.opts.MinCheck), r.opts.MaxCheck))
	switch {
	case err != nil && !errors.Is(err, ErrNoRecord):
		check = now.Add(r.opts.ErrorCheck)
		fallthrough
	case err != nil:
		// No TXT record or no answer: a cached policy stays in force until it expires.
		if cached != nil {
			cached.Source, cached.Err = "cache", err
			return *cached, minTime(check, cached.Expires)
		}
		return Result{Domain: domain, Err: err}, check
	case cached != nil && cached.ID == id && !force:
		cached.Source = "cache"
		return *cached, minTime(check, cached.Expires)
	}
	p, ferr := r.fetch(ctx, domain)
	if ferr != nil {
		r.log.Info("mta-sts policy fetch failed", "domain", domain, "err", ferr)
		if cached != nil {
			cached.Source, cached.Err = "cache", ferr
			return *cached, minTime(now.Add(r.opts.ErrorCheck*4), cached.Expires)
		}
		return Result{Domain: domain, ID: id, Err: ferr}, now.Add(r.opts.ErrorCheck * 4)
	}
	res := Result{Domain: domain, Policy: p, ID: id, Fetched: now, Expires: now.Add(p.MaxAge), Source: "fetched"}
	if err := r.save(res); err != nil {
		r.log.Warn("mta-sts cache not saved", "domain", domain, "err", err)
	}
	return res, minTime(check, res.Expires)
}

func minTime(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}
