package mx

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/miekg/dns"
	"golang.org/x/net/idna"
)

// normalize lowercases a domain, drops a trailing dot and turns an IDN into
// its A-label form, which is what DNS knows.
func normalize(domain string) (string, error) {
	name := strings.TrimSuffix(strings.TrimSpace(domain), ".")
	if strings.HasPrefix(name, "[") {
		return strings.ToLower(name), nil
	}
	for i := 0; i < len(name); i++ {
		if name[i] >= 0x80 {
			a, err := idna.Lookup.ToASCII(name)
			if err != nil {
				return "", fmt.Errorf("%w: %v", ErrBadName, err)
			}
			name = a
			break
		}
	}
	name = strings.ToLower(name)
	if name == "" || len(name) > 253 {
		return "", ErrBadName
	}
	if _, ok := dns.IsDomainName(name); !ok {
		return "", ErrBadName
	}
	return name, nil
}

type mxRecord struct {
	pref uint16
	host string
}

// resolveDomain does the uncached work of Lookup: MX, then the addresses of
// every exchanger in parallel.
func (r *Resolver) resolveDomain(name string) *domainEntry {
	rrs, ttl, err := r.query(name, dns.TypeMX)
	now := r.now()
	if err != nil {
		return &domainEntry{err: err, expires: now.Add(r.failTTL(err))}
	}
	recs := make([]mxRecord, 0, len(rrs))
	for _, rr := range rrs {
		m := rr.(*dns.MX)
		recs = append(recs, mxRecord{m.Preference, strings.ToLower(strings.TrimSuffix(m.Mx, "."))})
	}
	if len(recs) == 1 && recs[0].host == "" {
		res := &Result{Domain: name, NullMX: true, Expires: now.Add(r.ttlOf(ttl))}
		return &domainEntry{res: res, err: permanent(name, ErrNullMX), expires: res.Expires}
	}
	res := &Result{Domain: name, Expires: now.Add(r.ttlOf(ttl))}
	recs = usable(recs)
	if len(recs) == 0 {
		// RFC 5321 5.1: no MX means the domain itself is the only host.
		res.Implicit = true
		recs = []mxRecord{{0, name}}
	}
	return r.compose(res, recs)
}

// usable drops null-MX entries mixed with real ones (RFC 7505 says a null
// MX must be alone; ignore it otherwise) and keeps the best preference of a
// host listed twice.
func usable(recs []mxRecord) []mxRecord {
	best := make(map[string]int, len(recs))
	out := recs[:0]
	for _, m := range recs {
		if m.host == "" {
			continue
		}
		if i, ok := best[m.host]; ok {
			out[i].pref = min(out[i].pref, m.pref)
			continue
		}
		best[m.host] = len(out)
		out = append(out, m)
	}
	return out
}

// compose fills res with the addresses of recs and decides the outcome.
func (r *Resolver) compose(res *Result, recs []mxRecord) *domainEntry {
	names := make([]string, len(recs))
	for i, m := range recs {
		names[i] = m.host
	}
	entries := r.hostsAddrs(context.Background(), names) // detached: see flight
	res.Site = res.Domain
	if !res.Implicit {
		res.Site = SiteName(names)
	}
	var errs []error
	temp := false
	for i, e := range entries {
		res.Expires = earliest(res.Expires, e.expires)
		if e.err != nil {
			errs = append(errs, e.err)
			temp = temp || IsTemporary(e.err)
			continue
		}
		res.Hosts = append(res.Hosts, Host{Name: recs[i].host, Pref: recs[i].pref, Addrs: e.addrs, Port: uint16(r.opts.Port)})
	}
	if len(res.Hosts) == 0 {
		err := &Error{Domain: res.Domain, Temporary: temp, Err: fmt.Errorf("%w: %w", ErrNoAddress, errors.Join(errs...))}
		return &domainEntry{err: err, expires: earliest(res.Expires, r.now().Add(r.failTTL(err)))}
	}
	sortHosts(res.Hosts)
	return &domainEntry{res: res, expires: res.Expires}
}

func earliest(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}
