package dane

import (
	"context"
	"encoding/hex"
	"fmt"
	"strconv"

	"github.com/miekg/dns"

	"github.com/wasmta/wasmta/mta/dnsquery"
)

// Host is what DANE says about one MX host.
type Host struct {
	Name    string
	Records []Record // usable records; authenticated TLS is required when non-empty
	// Unusable: TLSA records were published but none is usable: TLS is
	// required, without authentication (RFC 7672 section 2.2).
	Unusable bool
	// Err: the TLSA lookup failed; the host must not be used for now
	// (section 2.2.1). RFC 8460 result type "dnssec-invalid".
	Err error
}

// Secure reports whether the host has DANE at all (TLS required).
func (h Host) Secure() bool { return len(h.Records) > 0 || h.Unusable }

// Result is DANE for a domain: empty (Secure false) when it has none.
type Result struct {
	Domain string
	Secure bool // the MX answer was DNSSEC-authenticated
	Hosts  map[string]Host
	// Err: the domain's MX answer could not be had again to check its
	// authenticity (the lookup failed).
	Err error
}

// Host returns what DANE says about host name (lowercase, no final dot).
func (r Result) Host(name string) (Host, bool) {
	h, ok := r.Hosts[name]
	return h, ok && (h.Secure() || h.Err != nil)
}

// Active reports whether some host of the domain has DANE.
func (r Result) Active() bool {
	for _, h := range r.Hosts {
		if h.Secure() || h.Err != nil {
			return true
		}
	}
	return false
}

// Lookup finds the TLSA records of the MX hosts of domain, delivered to
// on port. hosts are the domain's MX host names (or the domain itself when
// it has no MX); implicit says so (the secure question is then the
// address one). With a client that does not validate it asks nothing.
func Lookup(ctx context.Context, c *dnsquery.Client, domain string, hosts []string, port uint16, implicit bool) Result {
	res := Result{Domain: domain}
	if c == nil || !c.Validating {
		return res
	}
	qtype := dns.TypeMX
	if implicit {
		qtype = dns.TypeA
	}
	a, err := c.Query(ctx, domain, qtype)
	if err != nil {
		res.Err = err
		return res
	}
	if !a.Secure {
		return res // an insecure MX: no DANE (section 2.2)
	}
	res.Secure, res.Hosts = true, make(map[string]Host, len(hosts))
	for _, h := range hosts {
		res.Hosts[h] = lookupHost(ctx, c, h, port)
	}
	return res
}

func lookupHost(ctx context.Context, c *dnsquery.Client, host string, port uint16) Host {
	h := Host{Name: host}
	// TLSA records count only for a host whose address is authenticated
	// (section 2.2.2).
	a, err := c.Query(ctx, host, dns.TypeA)
	if err == nil && !a.Secure {
		return h
	}
	if err != nil {
		h.Err = err
		return h
	}
	name := "_" + strconv.Itoa(int(port)) + "._tcp." + host
	t, err := c.Query(ctx, name, dns.TypeTLSA)
	switch {
	case err != nil:
		h.Err = fmt.Errorf("dane: TLSA %s: %w", name, err)
		return h
	case !t.Secure || len(t.Records) == 0:
		return h // not signed, or no records: opportunistic TLS
	}
	for _, rr := range t.Records {
		r, err := parseTLSA(rr.(*dns.TLSA))
		if err == nil && r.Usable() {
			h.Records = append(h.Records, r)
		}
	}
	h.Unusable = len(h.Records) == 0
	return h
}

func parseTLSA(rr *dns.TLSA) (Record, error) {
	data, err := hex.DecodeString(rr.Certificate)
	if err != nil {
		return Record{}, err
	}
	return Record{Usage: rr.Usage, Selector: rr.Selector, Matching: rr.MatchingType, Data: data}, nil
}

// RR makes the DNS record of r, for a test zone.
func (r Record) RR() *dns.TLSA {
	return &dns.TLSA{Usage: r.Usage, Selector: r.Selector, MatchingType: r.Matching,
		Certificate: fmt.Sprintf("%x", r.Data)}
}
