package tlsrpt

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/miekg/dns"

	"github.com/wasmta/wasmta/mta/dnsquery"
)

// ErrNoRecord: the domain publishes no (single, valid) TLSRPT record.
var ErrNoRecord = errors.New("no TLSRPT record")

// ParseTXT reads a "_smtp._tls" TXT record (RFC 8460 section 3):
// "v=TLSRPTv1; rua=mailto:a@example.com,https://r.example.com/tlsrpt" and
// returns its mailto and https URIs; other schemes are left out.
func ParseTXT(txt string) ([]*url.URL, error) {
	fields := strings.Split(txt, ";")
	if strings.TrimSpace(fields[0]) != "v=TLSRPTv1" {
		return nil, fmt.Errorf("tlsrpt: record does not start with v=TLSRPTv1")
	}
	var out []*url.URL
	for _, f := range fields[1:] {
		k, v, ok := strings.Cut(strings.TrimSpace(f), "=")
		if !ok || strings.TrimSpace(k) != "rua" {
			continue
		}
		for _, u := range strings.Split(v, ",") {
			p, err := url.Parse(strings.TrimSpace(u))
			if err != nil {
				continue
			}
			switch {
			case p.Scheme == "mailto" && strings.Contains(p.Opaque, "@"):
				out = append(out, p)
			case p.Scheme == "https" && p.Host != "":
				out = append(out, p)
			}
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("tlsrpt: no mailto or https rua in %q", txt)
	}
	return out, nil
}

// lookupRUA finds the report destinations of domain.
func lookupRUA(ctx context.Context, c *dnsquery.Client, domain string) ([]*url.URL, error) {
	a, err := c.Query(ctx, "_smtp._tls."+domain, dns.TypeTXT)
	if err != nil {
		return nil, err
	}
	var recs []string
	for _, rr := range a.Records {
		v := strings.Join(rr.(*dns.TXT).Txt, "")
		if strings.HasPrefix(v, "v=TLSRPTv1") {
			recs = append(recs, v)
		}
	}
	if len(recs) != 1 {
		return nil, fmt.Errorf("%w: %d records at _smtp._tls.%s", ErrNoRecord, len(recs), domain)
	}
	rua, err := ParseTXT(recs[0])
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrNoRecord, err)
	}
	return rua, nil
}
