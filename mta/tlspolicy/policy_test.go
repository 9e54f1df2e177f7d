package tlspolicy

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"testing"
	"time"

	"github.com/wasmta/wasmta/internal/selfsigned"
	"github.com/wasmta/wasmta/mta/dane"
	"github.com/wasmta/wasmta/mta/mtasts"
)

// certs are what the MX hosts of these tests present, as TLS states.
type certs struct {
	ca                                          *selfsigned.CA
	valid, mismatch, expired, selfSig, otherKey *tls.ConnectionState
	validCert                                   tls.Certificate
}

func state(t *testing.T, c tls.Certificate) *tls.ConnectionState {
	t.Helper()
	st := &tls.ConnectionState{}
	for _, der := range c.Certificate {
		x, err := x509.ParseCertificate(der)
		if err != nil {
			t.Fatal(err)
		}
		st.PeerCertificates = append(st.PeerCertificates, x)
	}
	return st
}

func makeCerts(t *testing.T) certs {
	t.Helper()
	ca, err := selfsigned.NewCA("tlspolicy test CA")
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	issue := func(from, to time.Time, host string) tls.Certificate {
		c, err := ca.Issue(from, to, host)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	self, err := selfsigned.Certificate(time.Hour, "mx.a.test")
	if err != nil {
		t.Fatal(err)
	}
	c := certs{ca: ca, validCert: issue(now.Add(-time.Hour), now.Add(time.Hour), "mx.a.test")}
	c.valid = state(t, c.validCert)
	c.mismatch = state(t, issue(now.Add(-time.Hour), now.Add(time.Hour), "other.test"))
	c.expired = state(t, issue(now.Add(-48*time.Hour), now.Add(-time.Hour), "mx.a.test"))
	c.selfSig = state(t, self)
	c.otherKey = state(t, issue(now.Add(-time.Hour), now.Add(time.Hour), "mx.a.test"))
	return c
}

func sts(c certs, mode mtasts.Mode, mx ...string) *Policy {
	return &Policy{Domain: "a.test", Roots: c.ca.Pool,
		STS: mtasts.Result{Domain: "a.test", Policy: &mtasts.Policy{Mode: mode, MX: mx, MaxAge: time.Hour}}}
}

// daneOf: a.test's MX answer is authenticated and mx.a.test has host.
func daneOf(host dane.Host) *Policy {
	host.Name = "mx.a.test"
	return &Policy{Domain: "a.test", DANE: dane.Result{Domain: "a.test", Secure: true,
		Hosts: map[string]dane.Host{"mx.a.test": host}}}
}

func with(p *Policy, f func(*Policy)) *Policy {
	cp := *p
	f(&cp)
	return &cp
}

var (
	require    = func(p *Policy) { p.Require = true }
	relax      = func(p *Policy) { p.Relax = true }
	requireTLS = func(p *Policy) { p.RequireTLS = true }
	explicit   = func(p *Policy) { p.Explicit = true }
)

// TestAdmit: which MX hosts may be tried, and whether a refusal stops
// delivery or is only reported.
func TestAdmit(t *testing.T) {
	c := makeCerts(t)
	lookupFailed := daneOf(dane.Host{Err: errors.New("SERVFAIL")})
	for _, tc := range []struct {
		name     string
		pol      *Policy
		host     string
		result   string // "" admitted without remark
		enforced bool
	}{
		{"no policy", nil, "mx.a.test", "", false},
		{"sts enforce, named", sts(c, mtasts.ModeEnforce, "mx.a.test"), "MX.A.TEST.", "", false},
		{"sts enforce, wildcard", sts(c, mtasts.ModeEnforce, "*.a.test"), "mx.a.test", "", false},
		{"sts enforce, wildcard is one label", sts(c, mtasts.ModeEnforce, "*.a.test"), "x.mx.a.test", ResultValidationFailure, true},
		{"sts enforce, not named", sts(c, mtasts.ModeEnforce, "mx.b.test"), "mx.a.test", ResultValidationFailure, true},
		{"sts testing, not named", sts(c, mtasts.ModeTesting, "mx.b.test"), "mx.a.test", ResultValidationFailure, false},
		{"sts testing, required", with(sts(c, mtasts.ModeTesting, "mx.b.test"), require), "mx.a.test", ResultValidationFailure, true},
		{"sts enforce, relaxed", with(sts(c, mtasts.ModeEnforce, "mx.b.test"), relax), "mx.a.test", ResultValidationFailure, false},
		{"sts none", sts(c, mtasts.ModeNone, "mx.b.test"), "mx.a.test", "", false},
		{"dane, TLSA lookup failed", lookupFailed, "mx.a.test", ResultDNSSECInvalid, true},
		{"dane, TLSA lookup failed, relaxed", with(lookupFailed, relax), "mx.a.test", ResultDNSSECInvalid, false},
		{"dane, another host", lookupFailed, "mx2.a.test", "", false},
		{"requiretls, no authentication", with(&Policy{Domain: "a.test"}, requireTLS), "mx.a.test", ResultValidationFailure, true},
		{"requiretls, sts testing names it", with(sts(c, mtasts.ModeTesting, "mx.a.test"), requireTLS), "mx.a.test", "", false},
		{"requiretls, sts testing does not", with(sts(c, mtasts.ModeTesting, "mx.b.test"), requireTLS), "mx.a.test", ResultValidationFailure, true},
		{"requiretls, DNSSEC MX", with(daneOf(dane.Host{}), requireTLS), "mx.a.test", "", false},
		{"requiretls, route", with(&Policy{Domain: "a.test"}, func(p *Policy) { requireTLS(p); explicit(p) }), "relay.test", "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := tc.pol.Admit(tc.host)
			if got := result(f); got != tc.result || f != nil && f.Enforced != tc.enforced {
				t.Fatalf("Admit = %v, want %q enforced=%v", f, tc.result, tc.enforced)
			}
			if f != nil && tc.pol.RequireTLS != f.RequireTLS {
				t.Errorf("failure RequireTLS = %v under a policy with RequireTLS %v", f.RequireTLS, tc.pol.RequireTLS)
			}
		})
	}
}

func result(f *Failure) string {
	if f == nil {
		return ""
	}
	return f.Result
}

// TestNeedTLS: a session must not fall back to clear under DANE, an
// enforced MTA-STS policy or REQUIRETLS; it may under testing, none, or a
// relaxed policy.
func TestNeedTLS(t *testing.T) {
	c := makeCerts(t)
	for _, tc := range []struct {
		name string
		pol  *Policy
		want bool
	}{
		{"no policy", nil, false},
		{"empty policy", &Policy{Domain: "a.test"}, false},
		{"sts enforce", sts(c, mtasts.ModeEnforce, "mx.a.test"), true},
		{"sts testing", sts(c, mtasts.ModeTesting, "mx.a.test"), false},
		{"sts testing, required", with(sts(c, mtasts.ModeTesting, "mx.a.test"), require), true},
		{"sts enforce, relaxed", with(sts(c, mtasts.ModeEnforce, "mx.a.test"), relax), false},
		{"sts none, required", with(sts(c, mtasts.ModeNone), require), false},
		{"dane records", daneOf(dane.Host{Records: []dane.Record{dane.For(3, 1, 1, c.valid.PeerCertificates[0])}}), true},
		{"dane, only unusable records", daneOf(dane.Host{Unusable: true}), true},
		{"dane, relaxed", with(daneOf(dane.Host{Unusable: true}), relax), false},
		{"requiretls", with(&Policy{Domain: "a.test"}, requireTLS), true},
		{"requiretls beats relax", with(sts(c, mtasts.ModeEnforce, "mx.a.test"), func(p *Policy) { relax(p); requireTLS(p) }), true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.pol.NeedTLS("mx.a.test"); got != tc.want {
				t.Fatalf("NeedTLS = %v, want %v", got, tc.want)
			}
		})
	}
}
