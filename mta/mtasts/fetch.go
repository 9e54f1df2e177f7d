package mtasts

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"strconv"
	"strings"

	"github.com/miekg/dns"
)

// MaxPolicySize is the largest policy body read (RFC 8461 section 3.3
// suggests 64 KiB).
const MaxPolicySize = 64 << 10

// Errors of a discovery, for reports (RFC 8460 result types).
var (
	ErrNoRecord = errors.New("no MTA-STS TXT record")
	ErrFetch    = errors.New("policy fetch failed")     // sts-policy-fetch-error
	ErrWebPKI   = errors.New("policy host certificate") // sts-webpki-invalid
)

// txtID looks up "_mta-sts.<domain>" and returns the id of its one valid
// record. ErrNoRecord covers NXDOMAIN, NODATA and anything but exactly one
// record starting with v=STSv1 (section 3.1); other errors are DNS failures.
func (r *Resolver) txtID(ctx context.Context, domain string) (string, uint32, error) {
	a, err := r.dns.Query(ctx, "_mta-sts."+domain, dns.TypeTXT)
	if err != nil {
		return "", 0, err
	}
	var ids []string
	var bad error
	for _, rr := range a.Records {
		v := strings.Join(rr.(*dns.TXT).Txt, "")
		if !strings.HasPrefix(v, "v=STSv1") {
			continue // other TXT records at the name are discarded
		}
		id, err := ParseTXT(v)
		if err != nil {
			bad = err
		}
		ids = append(ids, id)
	}
	switch {
	case len(ids) != 1:
		return "", a.TTL, fmt.Errorf("%w: %d STSv1 records at _mta-sts.%s", ErrNoRecord, len(ids), domain)
	case bad != nil:
		return "", a.TTL, fmt.Errorf("%w: %v", ErrNoRecord, bad)
	}
	return ids[0], a.TTL, nil
}

// fetch gets and parses the policy of domain over HTTPS.
func (r *Resolver) fetch(ctx context.Context, domain string) (*Policy, error) {
	ctx, cancel := context.WithTimeout(ctx, r.opts.FetchTimeout)
	defer cancel()
	host := "mta-sts." + domain
	url := "https://" + host + "/.well-known/mta-sts.txt"
	if r.opts.HTTPSPort != 443 {
		url = "https://" + net.JoinHostPort(host, strconv.Itoa(r.opts.HTTPSPort)) + "/.well-known/mta-sts.txt"
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrFetch, err)
	}
	resp, err := r.http.Do(req)
	if err != nil {
		var ce *tls.CertificateVerificationError
		if errors.As(err, &ce) {
			return nil, fmt.Errorf("%w: %s: %v", ErrWebPKI, host, ce.Err)
		}
		return nil, fmt.Errorf("%w: %s: %v", ErrFetch, url, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%w: %s: HTTP %d (redirects are not followed)", ErrFetch, url, resp.StatusCode)
	}
	if mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type")); mt != "text/plain" {
		return nil, fmt.Errorf("%w: %s: media type %q, want text/plain", ErrFetch, url, mt)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, MaxPolicySize+1))
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrFetch, url, err)
	}
	if len(body) > MaxPolicySize {
		return nil, fmt.Errorf("%w: %s: policy larger than %d bytes", ErrFetch, url, MaxPolicySize)
	}
	p, err := Parse(body)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", url, err)
	}
	return p, nil
}

// newHTTPClient makes the client of policy fetches: certificates checked
// against the roots, the policy host resolved with the configured DNS
// server, no redirects (section 3.3), no proxy from the environment.
func (r *Resolver) newHTTPClient() *http.Client {
	tr := &http.Transport{
		TLSClientConfig:       &tls.Config{RootCAs: r.opts.Roots, MinVersion: tls.VersionTLS12},
		DialContext:           r.dialPolicyHost,
		TLSHandshakeTimeout:   r.opts.FetchTimeout,
		ResponseHeaderTimeout: r.opts.FetchTimeout,
		MaxIdleConns:          16,
		IdleConnTimeout:       30e9,
	}
	return &http.Client{
		Transport:     tr,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// dialPolicyHost resolves the policy host with the same DNS server as the
// rest of delivery (so that tests and split-horizon setups agree) and
// connects to the first address that answers.
func (r *Resolver) dialPolicyHost(ctx context.Context, network, addr string) (net.Conn, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, err
	}
	var ips []string
	for _, qt := range []uint16{dns.TypeA, dns.TypeAAAA} {
		a, err := r.dns.Query(ctx, host, qt)
		if err != nil {
			return nil, err
		}
		for _, rr := range a.Records {
			switch v := rr.(type) {
			case *dns.A:
				ips = append(ips, v.A.String())
			case *dns.AAAA:
				ips = append(ips, v.AAAA.String())
			}
		}
	}
	if len(ips) == 0 {
		return nil, fmt.Errorf("mtasts: %s has no address", host)
	}
	var d net.Dialer
	var errs []error
	for _, ip := range ips {
		c, err := d.DialContext(ctx, network, net.JoinHostPort(ip, port))
		if err == nil {
			return c, nil
		}
		errs = append(errs, err)
	}
	return nil, errors.Join(errs...)
}
