package engine

import (
	"context"
	"crypto/x509"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/wasmta/wasmta/mta/dnsquery"
	"github.com/wasmta/wasmta/mta/egress"
	"github.com/wasmta/wasmta/mta/events"
	"github.com/wasmta/wasmta/mta/mtasts"
	"github.com/wasmta/wasmta/mta/tlspolicy"
	"github.com/wasmta/wasmta/mta/tlsrpt"
)

// tlsPolicies are the recipient domains' transport security policies:
// MTA-STS (cached in the spool) and DANE.
type tlsPolicies struct {
	sts *mtasts.Resolver
	res *tlspolicy.Resolver // nil: neither is on
	rpt *tlsrpt.Reporter    // TLS reports (tlsreport.go); nil: off
	// roots verify MX certificates (MTA-STS, REQUIRETLS); nil: the system's
	roots *x509.CertPool
}

// initTLSPolicy builds the resolvers the [delivery] keys mta_sts, dane
// and tls_roots ask for; it needs the spool (the MTA-STS cache).
func (e *Engine) initTLSPolicy() error {
	d := e.conf().Delivery
	roots, err := e.tlsRoots()
	if err != nil {
		return err
	}
	e.tlsp.roots = roots
	if !d.MTASTS && !d.DANE {
		return nil
	}
	server := addrString(d.DNSServer)
	if server == "" {
		server = dnsquery.SystemServer()
	}
	r := &tlspolicy.Resolver{Port: d.Port, Roots: roots}
	if d.MTASTS {
		r.STS = mtasts.New(mtasts.Options{DNS: &dnsquery.Client{Server: server, Timeout: d.DNSTimeout},
			Store: e.spool, Roots: roots, HTTPSPort: int(d.MTASTSPort), Logger: e.log})
	}
	if d.DANE {
		r.DANE = &dnsquery.Client{Server: server, Timeout: d.DNSTimeout, Validating: true}
	}
	e.tlsp.sts, e.tlsp.res = r.STS, r
	return e.initTLSReports(server)
}

// tlsRoots reads tls_roots; without it the roots of the delivery TLS
// configuration a test gives, else the system's (nil).
func (e *Engine) tlsRoots() (*x509.CertPool, error) {
	path := e.conf().Delivery.TLSRoots
	if path == "" {
		if e.opts.DeliveryTLS != nil {
			return e.opts.DeliveryTLS.RootCAs, nil
		}
		return nil, nil
	}
	pem, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("engine: delivery.tls_roots: %w", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("engine: delivery.tls_roots: %s holds no PEM certificate", path)
	}
	return pool, nil
}

// TLSPolicy is the policy of domain on path p: only for mail that goes to
// the domain's own MX hosts (a route to explicit hosts or to another
// domain's MX is the operator's choice, which MTA-STS and DANE do not
// cover).
func (h *handler) TLSPolicy(ctx context.Context, p *egress.Path, domain string) *tlspolicy.Policy {
	e := (*Engine)(h)
	if strings.HasPrefix(p.Key.Site, "route:") {
		return &tlspolicy.Policy{Domain: domain, Explicit: true, Roots: e.tlsp.roots}
	}
	if e.tlsp.res == nil {
		return &tlspolicy.Policy{Domain: domain, Roots: e.tlsp.roots}
	}
	res, err := e.mx.Lookup(ctx, domain)
	if err != nil || res.Site != p.Key.Site {
		return &tlspolicy.Policy{Domain: domain, Explicit: true, Roots: e.tlsp.roots}
	}
	names := make([]string, len(res.Hosts))
	for i, h := range res.Hosts {
		names[i] = h.Name
	}
	return e.tlsp.res.Policy(ctx, domain, names, res.Implicit)
}

// withTLSCheck adds what the domain's policy said to a record.
func withTLSCheck(r *events.Record, c *egress.TLSCheck) {
	if c == nil || c.Mode == "none" && c.Failure == nil {
		return
	}
	if r.TLS == nil {
		r.TLS = &events.TLS{}
	}
	if c.Mode != "none" {
		r.TLS.Policy = c.Mode
	}
	if f := c.Failure; f != nil {
		r.TLS.Failure, r.TLS.Detail = f.Result, f.Error()
	}
}

// stsRefreshInterval is how often cached MTA-STS policies close to
// expiry are fetched again.
const stsRefreshInterval = time.Hour
