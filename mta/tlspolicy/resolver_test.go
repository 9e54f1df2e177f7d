package tlspolicy

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/wasmta/wasmta/internal/testdns"
	"github.com/wasmta/wasmta/mta/dane"
	"github.com/wasmta/wasmta/mta/dnsquery"
)

// clock is a settable time for Resolver.Now.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// TestResolverDANE: DANE is asked of a validating resolver only; answers
// are kept DANETTL, a failed lookup at most 30 s, so that a fixed record
// is seen soon.
func TestResolverDANE(t *testing.T) {
	c := makeCerts(t)
	d := testdns.Start(t)
	tlsa := "_25._tcp.mx.a.test"
	d.SetMX("a.test", 300, testdns.MX{Pref: 10, Host: "mx.a.test"})
	d.SetA("mx.a.test", 300, "127.0.0.1")
	d.SetRecords(tlsa, dns.TypeTLSA, dane.For(3, 1, 1, c.valid.PeerCertificates[0]).RR())
	for _, n := range []string{"a.test", "mx.a.test", tlsa} {
		d.SetSecure(n, true)
	}
	clk := &clock{t: time.Now()}
	client := func(validating bool) *dnsquery.Client {
		return &dnsquery.Client{Server: d.Addr(), Timeout: 2 * time.Second, Validating: validating}
	}
	ctx := context.Background()
	policy := func(r *Resolver) *Policy { return r.Policy(ctx, "A.test.", []string{"mx.a.test"}, false) }

	if p := policy(&Resolver{}); p.Type() != TypeNoPolicy || p.Domain != "a.test" {
		t.Errorf("without a DANE client: %s for %q, want none for a.test", p.Type(), p.Domain)
	}
	if p := policy(&Resolver{DANE: client(false)}); p.Type() != TypeNoPolicy || d.Queries(tlsa, dns.TypeTLSA) != 0 {
		t.Errorf("a resolver not said to validate: %s, %d TLSA queries; want none, 0", p.Type(), d.Queries(tlsa, dns.TypeTLSA))
	}
	r := &Resolver{DANE: client(true), DANETTL: time.Minute, Now: clk.now}
	steps := []struct {
		name    string
		advance time.Duration
		rcode   int // of the TLSA name, before the step
		typ     string
		queries int  // TLSA queries so far
		failed  bool // the host is refused: its TLSA lookup failed
	}{
		{"first lookup", 0, 0, TypeTLSA, 1, false},
		{"kept", 59 * time.Second, 0, TypeTLSA, 1, false},
		{"expired, asked again, fails", 2 * time.Second, dns.RcodeServerFailure, TypeTLSA, 2, true},
		{"a failure is kept 30 s", 29 * time.Second, 0, TypeTLSA, 2, true},
		{"then asked again", 2 * time.Second, 0, TypeTLSA, 3, false},
	}
	for _, s := range steps {
		clk.add(s.advance)
		d.SetRcode(tlsa, s.rcode)
		p := policy(r)
		if p.Type() != s.typ || d.Queries(tlsa, dns.TypeTLSA) != s.queries {
			t.Fatalf("%s: %s after %d TLSA queries, want %s after %d", s.name, p.Type(), d.Queries(tlsa, dns.TypeTLSA), s.typ, s.queries)
		}
		if f := p.Admit("mx.a.test"); (f != nil) != s.failed || s.failed && f.Result != ResultDNSSECInvalid {
			t.Errorf("%s: Admit = %v, want a dnssec-invalid failure: %v", s.name, f, s.failed)
		}
	}
}
