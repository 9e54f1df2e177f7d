package mx

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"sync"

	"github.com/miekg/dns"
)

// hostsAddrs resolves names in parallel, at most opts.Parallel at once, and
// returns their entries in the same order. It always completes: failures are
// in the entries.
func (r *Resolver) hostsAddrs(ctx context.Context, names []string) []*hostEntry {
	out := make([]*hostEntry, len(names))
	if len(names) == 1 {
		out[0] = r.hostAddrs(ctx, names[0])
		return out
	}
	sem := make(chan struct{}, r.opts.Parallel)
	var wg sync.WaitGroup
	for i, n := range names {
		sem <- struct{}{}
		wg.Go(func() {
			out[i] = r.hostAddrs(ctx, n)
			<-sem
		})
	}
	wg.Wait()
	return out
}

// hostAddrs returns the cached addresses of one host, resolving them (once
// for all concurrent callers) when missing or expired. When ctx ends first
// the entry holds the context's error and is not cached.
func (r *Resolver) hostAddrs(ctx context.Context, name string) *hostEntry {
	r.mu.RLock()
	e := r.hosts[name]
	r.mu.RUnlock()
	if e != nil && r.now().Before(e.expires) {
		return e
	}
	e, err := r.hostFlight.do(ctx, name, func() (*hostEntry, error) {
		e := r.resolveHost(name)
		put(r, r.hosts, name, e)
		return e, nil
	})
	if err != nil {
		return &hostEntry{err: temporary(name, err)}
	}
	return e
}

type addrAnswer struct {
	addrs []netip.Addr
	ttl   uint32
	err   error
}

// resolveHost asks A and AAAA at once. Addresses of one family are enough;
// a temporary failure of the other only shortens how long they are cached.
func (r *Resolver) resolveHost(name string) *hostEntry {
	var a4, a6 addrAnswer
	var wg sync.WaitGroup
	wg.Go(func() { a4 = r.addrs(name, dns.TypeA) })
	a6 = r.addrs(name, dns.TypeAAAA)
	wg.Wait()
	now := r.now()
	addrs := append(a4.addrs, a6.addrs...)
	if len(addrs) > 0 {
		exp := now.Add(r.ttlOf(ttlOfAnswers(a4, a6)))
		for _, a := range []addrAnswer{a4, a6} {
			if a.err != nil && IsTemporary(a.err) {
				exp = earliest(exp, now.Add(r.opts.ErrorTTL))
			}
		}
		return &hostEntry{addrs: addrs, expires: exp}
	}
	for _, a := range []addrAnswer{a4, a6} {
		if a.err != nil && IsTemporary(a.err) {
			return &hostEntry{err: a.err, expires: now.Add(r.opts.ErrorTTL)}
		}
	}
	cause := a4.err // NXDOMAIN, or nil for NODATA
	if cause == nil {
		cause = fmt.Errorf("%s has no A or AAAA record", name)
	}
	return &hostEntry{err: permanent(name, cause), expires: now.Add(r.opts.NegativeTTL)}
}

func ttlOfAnswers(a4, a6 addrAnswer) uint32 {
	switch {
	case len(a4.addrs) == 0:
		return a6.ttl
	case len(a6.addrs) == 0:
		return a4.ttl
	}
	return min(a4.ttl, a6.ttl)
}

func (r *Resolver) addrs(name string, qtype uint16) addrAnswer {
	rrs, ttl, err := r.query(name, qtype)
	if err != nil {
		return addrAnswer{err: err}
	}
	out := make([]netip.Addr, 0, len(rrs))
	for _, rr := range rrs {
		var ip net.IP
		switch v := rr.(type) {
		case *dns.A:
			ip = v.A
		case *dns.AAAA:
			ip = v.AAAA
		}
		if a, ok := netip.AddrFromSlice(ip); ok && !containsAddr(out, a.Unmap()) {
			out = append(out, a.Unmap())
		}
	}
	return addrAnswer{addrs: out, ttl: ttl}
}

func containsAddr(list []netip.Addr, a netip.Addr) bool {
	for _, b := range list {
		if a == b {
			return true
		}
	}
	return false
}

// LookupHosts resolves an explicit route: each entry is "host", "host:port",
// "192.0.2.1", "192.0.2.1:2525", "[2001:db8::1]:25" or "2001:db8::1". The
// result keeps the given order (Pref is the index) and each entry's port
// (Options.Port when none is given). Hosts that do not resolve are left out;
// when none resolves the error is an *Error, temporary if any failure was.
// A malformed entry is a permanent error for the whole route: it is a
// configuration mistake that retrying will not mend.
func (r *Resolver) LookupHosts(ctx context.Context, hosts []string) ([]Host, error) {
	route := strings.Join(hosts, ",")
	out := make([]Host, len(hosts))
	var names []string
	var idx []int
	for i, spec := range hosts {
		h, err := r.parseHost(spec)
		if err != nil {
			return nil, permanent(route, err)
		}
		h.Pref = uint16(min(i, 65535))
		out[i] = h
		if len(h.Addrs) == 0 {
			names = append(names, h.Name)
			idx = append(idx, i)
		}
	}
	entries := r.hostsAddrs(ctx, names)
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return r.keepResolved(route, out, idx, entries)
}

func (r *Resolver) keepResolved(route string, out []Host, idx []int, entries []*hostEntry) ([]Host, error) {
	var firstErr error
	temp := false
	for k, e := range entries {
		if e.err != nil {
			firstErr = e.err
			temp = temp || IsTemporary(e.err)
			continue
		}
		out[idx[k]].Addrs = e.addrs
	}
	kept := out[:0]
	for _, h := range out {
		if len(h.Addrs) > 0 {
			kept = append(kept, h)
		}
	}
	if len(kept) == 0 {
		return nil, &Error{Domain: route, Temporary: temp, Err: fmt.Errorf("%w: %w", ErrNoAddress, firstErr)}
	}
	return kept, nil
}

// parseHost splits one route entry into a name or address and a port.
func (r *Resolver) parseHost(spec string) (Host, error) {
	s := strings.TrimSpace(spec)
	port := uint16(r.opts.Port)
	if a, err := netip.ParseAddr(s); err == nil { // bare IPv4 or IPv6
		return Host{Name: a.Unmap().String(), Addrs: []netip.Addr{a.Unmap()}, Port: port}, nil
	}
	host := s
	if h, p, err := net.SplitHostPort(s); err == nil {
		n, perr := strconv.ParseUint(p, 10, 16)
		if perr != nil || n == 0 {
			return Host{}, fmt.Errorf("%w: bad port in %q", ErrBadName, spec)
		}
		host, port = h, uint16(n)
	} else if strings.HasPrefix(s, "[") && strings.HasSuffix(s, "]") {
		host = s[1 : len(s)-1]
	}
	if a, err := netip.ParseAddr(host); err == nil {
		return Host{Name: a.Unmap().String(), Addrs: []netip.Addr{a.Unmap()}, Port: port}, nil
	}
	name, err := normalize(host)
	if err != nil || strings.HasPrefix(name, "[") {
		return Host{}, fmt.Errorf("%w: %q", ErrBadName, spec)
	}
	return Host{Name: name, Port: port}, nil
}
