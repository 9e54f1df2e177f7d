package mtasts

import (
	"context"
	"crypto/tls"
	"errors"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wasmta/wasmta/internal/selfsigned"
	"github.com/wasmta/wasmta/internal/testdns"
	"github.com/wasmta/wasmta/internal/teststs"
	"github.com/wasmta/wasmta/mta/dnsquery"
	"github.com/wasmta/wasmta/mta/spool"
)

const enforceBody = "version: STSv1\r\nmode: enforce\r\nmx: mx.example.test\r\nmx: *.backup.test\r\nmax_age: 86400\r\n"

// site is example.test's policy host (a real HTTPS server on loopback with
// a certificate of a test CA) and DNS.
type site struct {
	dns *testdns.Server
	ca  *selfsigned.CA
	sts *teststs.Server
}

func newSite(t *testing.T, cert func(ca *selfsigned.CA) tls.Certificate) *site {
	t.Helper()
	ca, err := selfsigned.NewCA("test CA")
	if err != nil {
		t.Fatal(err)
	}
	s := &site{dns: testdns.Start(t), ca: ca, sts: teststs.Start(t, cert(ca))}
	s.set(200, enforceBody, "")
	s.dns.SetA("mta-sts.example.test", 60, "127.0.0.1")
	s.dns.SetTXT("_mta-sts.example.test", 60, "v=STSv1; id=one;")
	return s
}

func validCert(t *testing.T) func(ca *selfsigned.CA) tls.Certificate {
	return func(ca *selfsigned.CA) tls.Certificate {
		c, err := ca.Issue(time.Now().Add(-time.Hour), time.Now().Add(time.Hour), "mta-sts.example.test")
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
}

func (s *site) set(status int, body, contentType string) {
	r := teststs.Response{Status: status, Body: body, ContentType: contentType}
	if status == http.StatusFound {
		r.Redirect = "https://elsewhere.test/policy"
	}
	s.sts.Set("example.test", r)
}

func (s *site) fetches() int { return s.sts.Fetches("example.test") }

// clock is a test's time, moved by hand.
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

func openStore(t *testing.T, dir string) *spool.Store {
	t.Helper()
	st, err := spool.Open(filepath.Join(dir, "spool"), spool.Options{MinFreeBytes: -1, BallastBytes: -1})
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func (s *site) resolver(store Store, clk *clock) *Resolver {
	return New(Options{DNS: &dnsquery.Client{Server: s.dns.Addr(), Timeout: 2 * time.Second},
		Store: store, Roots: s.ca.Pool, HTTPSPort: s.sts.Port(), FetchTimeout: 5 * time.Second, Now: clk.now})
}

func TestLookupFetchesAndCaches(t *testing.T) {
	s := newSite(t, validCert(t))
	dir := t.TempDir()
	st := openStore(t, dir)
	clk := &clock{t: time.Now()}
	r := s.resolver(st, clk)
	ctx := context.Background()

	res := r.Lookup(ctx, "Example.TEST.")
	if res.Policy == nil || res.Source != "fetched" || res.Policy.Mode != ModeEnforce || res.ID != "one" {
		t.Fatalf("first lookup = %+v", res)
	}
	if !res.Policy.Matches("mx.example.test") || !res.Policy.Matches("a.backup.test") || res.Policy.Matches("evil.test") {
		t.Errorf("policy patterns wrong: %v", res.Policy.MX)
	}
	if got := res.Expires.Sub(res.Fetched); got != 24*time.Hour {
		t.Errorf("expires after %v, want max_age 24h", got)
	}
	r.Lookup(ctx, "example.test")
	if n := s.fetches(); n != 1 {
		t.Errorf("%d fetches after two lookups within the TXT TTL, want 1", n)
	}
	if n := s.dns.Queries("_mta-sts.example.test", 16); n != 1 {
		t.Errorf("%d TXT queries, want 1", n)
	}

	// The TXT answer is stale, the id unchanged: the cached policy, no fetch.
	clk.add(2 * time.Minute)
	if res := r.Lookup(ctx, "example.test"); res.Source != "cache" || res.Policy == nil {
		t.Errorf("same id: %+v, want the cached policy", res)
	}
	if n := s.fetches(); n != 1 {
		t.Errorf("%d fetches with an unchanged id, want 1", n)
	}

	// A new id: fetched again, the new policy replaces the old.
	s.set(200, strings.Replace(enforceBody, "enforce", "testing", 1), "text/plain")
	s.dns.SetTXT("_mta-sts.example.test", 60, "v=STSv1; id=two;")
	clk.add(2 * time.Minute)
	if res := r.Lookup(ctx, "example.test"); res.Source != "fetched" || res.ID != "two" || res.Policy.Mode != ModeTesting {
		t.Errorf("new id: %+v, want the testing policy fetched", res)
	}

	// A restart: a new resolver on the same Pebble store has the policy
	// without fetching it.
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	st = openStore(t, dir)
	defer st.Close()
	r2 := s.resolver(st, clk)
	if res := r2.Lookup(ctx, "example.test"); res.Source != "cache" || res.ID != "two" || res.Policy.Mode != ModeTesting {
		t.Errorf("after reopening the store: %+v, want the cached testing policy", res)
	}
	if n := s.fetches(); n != 2 {
		t.Errorf("%d fetches, want 2 (the restart fetched again)", n)
	}
	if all, _ := r2.Cached(); len(all) != 1 || all[0].Domain != "example.test" {
		t.Errorf("Cached = %+v", all)
	}
}

func TestLookupKeepsCachedPolicyWhenDiscoveryFails(t *testing.T) {
	s := newSite(t, validCert(t))
	st := openStore(t, t.TempDir())
	defer st.Close()
	clk := &clock{t: time.Now()}
	r := s.resolver(st, clk)
	ctx := context.Background()
	if res := r.Lookup(ctx, "example.test"); res.Source != "fetched" {
		t.Fatalf("first lookup: %+v", res)
	}
	steps := []struct {
		name string
		do   func()
		err  error
	}{
		{"fetch fails with a new id", func() {
			s.dns.SetTXT("_mta-sts.example.test", 60, "v=STSv1; id=three;")
			s.set(500, "oops", "text/plain")
		}, ErrFetch},
		{"TXT record removed", func() { s.dns.Clear("_mta-sts.example.test") }, ErrNoRecord},
		{"DNS server failure", func() { s.dns.SetRcode("_mta-sts.example.test", 2) }, dnsquery.ErrServFail},
	}
	for _, step := range steps {
		step.do()
		clk.add(10 * time.Minute)
		res := r.Lookup(ctx, "example.test")
		if res.Policy == nil || res.Source != "cache" || res.ID != "one" || !errors.Is(res.Err, step.err) {
			t.Errorf("%s: %+v (err %v), want the cached policy and %v", step.name, res, res.Err, step.err)
		}
	}
	// Past max_age the cached policy is gone: no policy.
	clk.add(25 * time.Hour)
	if res := r.Lookup(ctx, "example.test"); res.Policy != nil {
		t.Errorf("after max_age: %+v, want no policy", res)
	}
}

func TestLookupWithoutPolicy(t *testing.T) {
	tests := []struct {
		name  string
		setup func(s *site)
		err   error
	}{
		{"no TXT record", func(s *site) { s.dns.Clear("_mta-sts.example.test") }, ErrNoRecord},
		{"two STSv1 records", func(s *site) {
			s.dns.SetTXT("_mta-sts.example.test", 60, "v=STSv1; id=a;", "v=STSv1; id=b;")
		}, ErrNoRecord},
		{"HTTP 404", func(s *site) { s.set(404, "", "text/plain") }, ErrFetch},
		{"redirect not followed", func(s *site) { s.set(http.StatusFound, "", "") }, ErrFetch},
		{"not text/plain", func(s *site) { s.set(200, enforceBody, "text/html") }, ErrFetch},
		{"larger than 64 KiB", func(s *site) {
			s.set(200, enforceBody+strings.Repeat("x: "+strings.Repeat("y", 97)+"\n", 700), "text/plain")
		}, ErrFetch},
		{"invalid policy", func(s *site) { s.set(200, "version: STSv1\nmode: enforce\n", "text/plain") }, ErrInvalid},
		{"policy host without address", func(s *site) { s.dns.Clear("mta-sts.example.test") }, ErrFetch},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newSite(t, validCert(t))
			tt.setup(s)
			r := s.resolver(nil, &clock{t: time.Now()})
			res := r.Lookup(context.Background(), "example.test")
			if res.Policy != nil || !errors.Is(res.Err, tt.err) {
				t.Errorf("Lookup = %+v (err %v), want no policy and %v", res, res.Err, tt.err)
			}
		})
	}
}

func TestLookupChecksPolicyHostCertificate(t *testing.T) {
	tests := []struct {
		name string
		cert func(t *testing.T, ca *selfsigned.CA) (tls.Certificate, error)
	}{
		{"self-signed", func(t *testing.T, _ *selfsigned.CA) (tls.Certificate, error) {
			return selfsigned.Certificate(time.Hour, "mta-sts.example.test")
		}},
		{"other host name", func(t *testing.T, ca *selfsigned.CA) (tls.Certificate, error) {
			return ca.Issue(time.Now().Add(-time.Hour), time.Now().Add(time.Hour), "www.example.test")
		}},
		{"expired", func(t *testing.T, ca *selfsigned.CA) (tls.Certificate, error) {
			return ca.Issue(time.Now().Add(-48*time.Hour), time.Now().Add(-time.Hour), "mta-sts.example.test")
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newSite(t, func(ca *selfsigned.CA) tls.Certificate {
				c, err := tt.cert(t, ca)
				if err != nil {
					t.Fatal(err)
				}
				return c
			})
			res := s.resolver(nil, &clock{t: time.Now()}).Lookup(context.Background(), "example.test")
			if res.Policy != nil || !errors.Is(res.Err, ErrWebPKI) {
				t.Errorf("Lookup = %+v (err %v), want no policy and ErrWebPKI", res, res.Err)
			}
		})
	}
}

func TestRefreshFetchesPoliciesAboutToExpire(t *testing.T) {
	s := newSite(t, validCert(t))
	st := openStore(t, t.TempDir())
	defer st.Close()
	clk := &clock{t: time.Now()}
	r := s.resolver(st, clk)
	ctx := context.Background()
	first := r.Lookup(ctx, "example.test")
	if n, err := r.Refresh(ctx); n != 0 || err != nil {
		t.Errorf("Refresh of a fresh policy = %d, %v; want 0", n, err)
	}
	clk.add(20 * time.Hour) // within the last quarter of max_age
	if n, err := r.Refresh(ctx); n != 1 || err != nil {
		t.Fatalf("Refresh = %d, %v; want 1", n, err)
	}
	if n := s.fetches(); n != 2 {
		t.Errorf("%d fetches, want 2", n)
	}
	res := r.Lookup(ctx, "example.test")
	if !res.Expires.After(first.Expires) {
		t.Errorf("refreshed policy expires %v, not after %v", res.Expires, first.Expires)
	}
	if n := s.fetches(); n != 2 {
		t.Errorf("the lookup after a refresh fetched again (%d fetches)", n)
	}
}
