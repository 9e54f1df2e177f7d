package tlspolicy

import (
	"crypto/tls"
	"errors"
	"testing"
	"time"

	"github.com/wasmta/wasmta/mta/dane"
	"github.com/wasmta/wasmta/mta/mtasts"
)

// TestCheck: a session with mx.a.test, presenting a certificate (nil: no
// TLS), against each kind of policy: the RFC 8460 result type of a
// failure, and whether it stops delivery.
func TestCheck(t *testing.T) {
	c := makeCerts(t)
	enforce, trial := sts(c, mtasts.ModeEnforce, "mx.a.test"), sts(c, mtasts.ModeTesting, "mx.a.test")
	ee := daneOf(dane.Host{Records: []dane.Record{dane.For(3, 1, 1, c.valid.PeerCertificates[0])}})
	ta := daneOf(dane.Host{Records: []dane.Record{dane.For(2, 0, 1, c.ca.Cert())}})
	unusable := daneOf(dane.Host{Unusable: true})
	for _, tc := range []struct {
		name     string
		pol      *Policy
		st       *tls.ConnectionState
		result   string
		enforced bool
	}{
		{"no policy, self-signed", nil, c.selfSig, "", false},
		{"no policy, clear", &Policy{Domain: "a.test"}, nil, "", false},
		{"sts enforce, valid", enforce, c.valid, "", false},
		{"sts enforce, another name", enforce, c.mismatch, ResultCertHostMismatch, true},
		{"sts enforce, expired", enforce, c.expired, ResultCertExpired, true},
		{"sts enforce, self-signed", enforce, c.selfSig, ResultCertNotTrusted, true},
		{"sts enforce, clear", enforce, nil, ResultStartTLSNotSupported, true},
		{"sts enforce, no certificate", enforce, &tls.ConnectionState{}, ResultValidationFailure, true},
		{"sts testing, expired", trial, c.expired, ResultCertExpired, false},
		{"sts testing, clear", trial, nil, ResultStartTLSNotSupported, false},
		{"sts testing required, expired", with(trial, require), c.expired, ResultCertExpired, true},
		{"sts enforce relaxed, expired", with(enforce, relax), c.expired, ResultCertExpired, false},
		{"sts none, self-signed", sts(c, mtasts.ModeNone), c.selfSig, "", false},
		{"dane-ee, its key", ee, c.valid, "", false},
		{"dane-ee, another key", ee, c.otherKey, ResultTLSAInvalid, true},
		{"dane-ee, clear", ee, nil, ResultStartTLSNotSupported, true},
		{"dane-ee relaxed, another key", with(ee, relax), c.otherKey, ResultTLSAInvalid, false},
		{"dane-ta, issued by it", ta, c.valid, "", false},
		{"dane-ta, issued for another name", ta, c.mismatch, ResultTLSAInvalid, true},
		{"dane-ta, self-signed", ta, c.selfSig, ResultTLSAInvalid, true},
		{"dane unusable, self-signed", unusable, c.selfSig, "", false},
		{"dane unusable, clear", unusable, nil, ResultStartTLSNotSupported, true},
		{"requiretls, sts testing, expired", with(trial, requireTLS), c.expired, ResultCertExpired, true},
		{"requiretls, route, valid", with(&Policy{Domain: "a.test", Roots: c.ca.Pool}, func(p *Policy) { requireTLS(p); explicit(p) }), c.valid, "", false},
		{"requiretls, route, self-signed", with(&Policy{Domain: "a.test", Roots: c.ca.Pool}, func(p *Policy) { requireTLS(p); explicit(p) }), c.selfSig, ResultCertNotTrusted, true},
		{"requiretls, dane unusable, self-signed", with(unusable, requireTLS), c.selfSig, ResultCertNotTrusted, true},
		{"requiretls, dane-ee, its key", with(ee, requireTLS), c.valid, "", false},
		{"requiretls, clear", with(enforce, requireTLS), nil, ResultStartTLSNotSupported, true},
		{"requiretls, MX not authenticated", with(&Policy{Domain: "a.test", Roots: c.ca.Pool}, requireTLS), c.valid, ResultValidationFailure, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := tc.pol.Check("mx.a.test", tc.st, time.Now())
			if got := result(f); got != tc.result || f != nil && f.Enforced != tc.enforced {
				t.Fatalf("Check = %v, want %q enforced=%v", f, tc.result, tc.enforced)
			}
			if f != nil && (f.Host != "mx.a.test" || f.RequireTLS != tc.pol.RequireTLS) {
				t.Errorf("failure host %q RequireTLS %v", f.Host, f.RequireTLS)
			}
		})
	}
}

// TestDialFailure: a session that had to be TLS and was not is always
// enforced; no STARTTLS is starttls-not-supported, a failed handshake a
// validation failure.
func TestDialFailure(t *testing.T) {
	c := makeCerts(t)
	p := sts(c, mtasts.ModeTesting, "mx.a.test")
	for _, tc := range []struct {
		notOffered bool
		pol        *Policy
		want       string
	}{
		{true, p, ResultStartTLSNotSupported},
		{false, p, ResultValidationFailure},
		{false, with(p, requireTLS), ResultValidationFailure},
	} {
		f := tc.pol.DialFailure("MX.A.TEST.", tc.notOffered, errors.New("handshake"))
		if f.Result != tc.want || !f.Enforced || f.Host != "mx.a.test" || f.RequireTLS != tc.pol.RequireTLS {
			t.Errorf("DialFailure(notOffered %v) = %+v, want %s, enforced", tc.notOffered, f, tc.want)
		}
	}
}
