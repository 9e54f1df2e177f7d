package tlspolicy

import (
	"context"
	"crypto/x509"
	"sync"
	"time"

	"github.com/wasmta/wasmta/mta/dane"
	"github.com/wasmta/wasmta/mta/dnsquery"
	"github.com/wasmta/wasmta/mta/mtasts"
)

// Resolver gathers the policy of a domain. Zero fields turn a part off:
// without STS no MTA-STS, without a validating DANE client no DANE.
type Resolver struct {
	STS   *mtasts.Resolver
	DANE  *dnsquery.Client // must be Validating for DANE to apply
	Port  uint16           // delivery port, in TLSA names [25]
	Roots *x509.CertPool   // of MX certificates under MTA-STS [system]
	// DANETTL is how long a domain's DANE answers are kept [5m]: TLSA
	// lookups are several queries per MX host, too many per message.
	DANETTL time.Duration
	Now     func() time.Time

	mu   sync.Mutex
	dane map[string]daneEntry
}

type daneEntry struct {
	res     dane.Result
	expires time.Time
}

// Policy returns the policy of domain, whose MX host names are hosts (the
// domain itself when implicit: it has no MX).
func (r *Resolver) Policy(ctx context.Context, domain string, hosts []string, implicit bool) *Policy {
	p := &Policy{Domain: canon(domain), Roots: r.Roots}
	p.DANE = r.daneOf(ctx, p.Domain, hosts, implicit)
	if r.STS != nil && !p.DANE.Active() {
		p.STS = r.STS.Lookup(ctx, p.Domain)
	}
	return p
}

// lookupFailed: the MX answer or a host's address or TLSA answer could
// not be had (SERVFAIL, bogus, a timeout); it is asked again sooner.
func lookupFailed(res dane.Result) bool {
	if res.Err != nil {
		return true
	}
	for _, h := range res.Hosts {
		if h.Err != nil {
			return true
		}
	}
	return false
}

func (r *Resolver) now() time.Time {
	if r.Now != nil {
		return r.Now()
	}
	return time.Now()
}

func (r *Resolver) daneOf(ctx context.Context, domain string, hosts []string, implicit bool) dane.Result {
	if r.DANE == nil || !r.DANE.Validating {
		return dane.Result{Domain: domain}
	}
	now := r.now()
	r.mu.Lock()
	e, ok := r.dane[domain]
	r.mu.Unlock()
	if ok && now.Before(e.expires) {
		return e.res
	}
	port := r.Port
	if port == 0 {
		port = 25
	}
	res := dane.Lookup(ctx, r.DANE, domain, hosts, port, implicit)
	ttl := r.DANETTL
	if ttl <= 0 {
		ttl = 5 * time.Minute
	}
	if lookupFailed(res) {
		ttl = min(ttl, 30*time.Second)
	}
	r.mu.Lock()
	if r.dane == nil {
		r.dane = map[string]daneEntry{}
	}
	r.dane[domain] = daneEntry{res: res, expires: now.Add(ttl)}
	r.mu.Unlock()
	return res
}
