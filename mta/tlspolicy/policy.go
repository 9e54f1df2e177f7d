package tlspolicy

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/wasmta/wasmta/mta/dane"
	"github.com/wasmta/wasmta/mta/mtasts"
)

// Result types of RFC 8460 section 4.3.
const (
	ResultStartTLSNotSupported = "starttls-not-supported"
	ResultCertHostMismatch     = "certificate-host-mismatch"
	ResultCertExpired          = "certificate-expired"
	ResultCertNotTrusted       = "certificate-not-trusted"
	ResultValidationFailure    = "validation-failure"
	ResultTLSAInvalid          = "tlsa-invalid"
	ResultDNSSECInvalid        = "dnssec-invalid"
	ResultDANERequired         = "dane-required"
	ResultSTSPolicyFetchError  = "sts-policy-fetch-error"
	ResultSTSPolicyInvalid     = "sts-policy-invalid"
	ResultSTSWebPKIInvalid     = "sts-webpki-invalid"
)

// Policy types of RFC 8460 section 4.4 ("policy-type").
const (
	TypeSTS      = "sts"
	TypeTLSA     = "tlsa"
	TypeNoPolicy = "no-policy-found"
)

// Policy is what a recipient domain asks of delivery.
type Policy struct {
	Domain string
	STS    mtasts.Result // STS.Policy nil: none
	DANE   dane.Result
	Roots  *x509.CertPool // of MX certificates under MTA-STS; nil = the system's
	// Require makes a testing (or absent) MTA-STS policy count as enforced
	// and a failure of DANE or STS stop delivery; Relax reports failures
	// without stopping delivery. They come from the shape hook (per site).
	Require, Relax bool
	// RequireTLS: the message was submitted with REQUIRETLS (RFC 8689):
	// every check is mandatory, the MX host must be authenticated (DNSSEC
	// or an MTA-STS policy naming it) and its certificate valid, whatever
	// the domain publishes (requiretls.go).
	RequireTLS bool
	// Explicit: the hosts come from a route (a smart host), not from the
	// domain's MX: they need no authentication by DNSSEC or MTA-STS.
	Explicit bool
}

// Failure is a failed policy check of one MX host.
type Failure struct {
	Result   string // RFC 8460 result type
	Host     string // the MX host
	Detail   string
	Enforced bool // delivery must not go on with this host
	// RequireTLS: the failure is REQUIRETLS's: the message is returned
	// (5.7.30) rather than tried again.
	RequireTLS bool
}

func (f *Failure) Error() string { return f.Host + ": " + f.Result + ": " + f.Detail }

// Type is the RFC 8460 policy type in force.
func (p *Policy) Type() string {
	switch {
	case p == nil:
		return TypeNoPolicy
	case p.DANE.Active():
		return TypeTLSA
	case p.sts() != nil:
		return TypeSTS
	}
	return TypeNoPolicy
}

// sts returns the MTA-STS policy when it asks for something (not "none").
func (p *Policy) sts() *mtasts.Policy {
	if p.STS.Policy == nil || p.STS.Policy.Mode == mtasts.ModeNone {
		return nil
	}
	return p.STS.Policy
}

func (p *Policy) stsEnforced() bool {
	s := p.sts()
	return s != nil && (s.Mode == mtasts.ModeEnforce || p.Require) && !p.Relax
}

// Admit says whether host may be tried; a non-nil Failure that is not
// Enforced is only reported.
func (p *Policy) Admit(host string) *Failure {
	if p == nil {
		return nil
	}
	host = canon(host)
	f := p.admit(host)
	if p.RequireTLS {
		return p.requireAdmit(host, f)
	}
	return f
}

func (p *Policy) admit(host string) *Failure {
	if h, ok := p.DANE.Host(host); ok {
		if h.Err != nil {
			return &Failure{Result: ResultDNSSECInvalid, Host: host, Detail: h.Err.Error(), Enforced: !p.Relax}
		}
		return nil
	}
	if s := p.sts(); s != nil && !s.Matches(host) {
		return &Failure{Result: ResultValidationFailure, Host: host, Enforced: p.stsEnforced(),
			Detail: fmt.Sprintf("MX host is not in the MTA-STS policy of %s (mx: %s)", p.Domain, strings.Join(s.MX, ", "))}
	}
	return nil
}

// NeedTLS says whether a session with host must use TLS (DANE, or an
// enforced MTA-STS policy): opportunistic TLS must not fall back to clear.
func (p *Policy) NeedTLS(host string) bool {
	if p == nil || p.Relax {
		return p != nil && p.RequireTLS
	}
	if p.RequireTLS {
		return true
	}
	if h, ok := p.DANE.Host(canon(host)); ok {
		return h.Secure()
	}
	return p.stsEnforced()
}

// Check applies the policy to a session with host; st is nil without TLS.
func (p *Policy) Check(host string, st *tls.ConnectionState, now time.Time) *Failure {
	if p == nil {
		return nil
	}
	host = canon(host)
	f := p.check(host, st, now)
	if p.RequireTLS {
		return p.requireCheck(host, st, now, f)
	}
	return f
}

func (p *Policy) check(host string, st *tls.ConnectionState, now time.Time) *Failure {
	if f := p.admit(host); f != nil {
		return f
	}
	if h, ok := p.DANE.Host(host); ok {
		return p.checkDANE(h, st, now)
	}
	if s := p.sts(); s != nil {
		return p.checkSTS(host, st, now)
	}
	return nil
}

func (p *Policy) checkDANE(h dane.Host, st *tls.ConnectionState, now time.Time) *Failure {
	enforced := !p.Relax
	if st == nil {
		return &Failure{Result: ResultStartTLSNotSupported, Host: h.Name, Enforced: enforced,
			Detail: "DANE TLSA records are published but the session is not encrypted"}
	}
	if len(h.Records) == 0 {
		return nil // only unusable records: encryption is all that is asked
	}
	if err := dane.Verify(h.Records, st.PeerCertificates, h.Name, now); err != nil {
		return &Failure{Result: ResultTLSAInvalid, Host: h.Name, Detail: err.Error(), Enforced: enforced}
	}
	return nil
}

func (p *Policy) checkSTS(host string, st *tls.ConnectionState, now time.Time) *Failure {
	enforced := p.stsEnforced()
	if st == nil {
		return &Failure{Result: ResultStartTLSNotSupported, Host: host, Enforced: enforced,
			Detail: "the MTA-STS policy of " + p.Domain + " asks for TLS and the session is not encrypted"}
	}
	return verifyPKIX(p.Roots, host, st, now, enforced)
}

// verifyPKIX checks the server's chain against roots and host's name.
func verifyPKIX(roots *x509.CertPool, host string, st *tls.ConnectionState, now time.Time, enforced bool) *Failure {
	if len(st.PeerCertificates) == 0 {
		return &Failure{Result: ResultValidationFailure, Host: host, Detail: "no certificate presented", Enforced: enforced}
	}
	inter := x509.NewCertPool()
	for _, c := range st.PeerCertificates[1:] {
		inter.AddCert(c)
	}
	_, err := st.PeerCertificates[0].Verify(x509.VerifyOptions{Roots: roots, Intermediates: inter,
		DNSName: host, CurrentTime: now})
	if err != nil {
		return &Failure{Result: certResult(err), Host: host, Detail: err.Error(), Enforced: enforced}
	}
	return nil
}

// certResult maps a certificate error to its RFC 8460 result type.
func certResult(err error) string {
	var he x509.HostnameError
	var ua x509.UnknownAuthorityError
	var ci x509.CertificateInvalidError
	switch {
	case errors.As(err, &he):
		return ResultCertHostMismatch
	case errors.As(err, &ua):
		return ResultCertNotTrusted
	case errors.As(err, &ci) && ci.Reason == x509.Expired:
		return ResultCertExpired
	}
	return ResultValidationFailure
}

// DialFailure is the failure of a session that had to use TLS and could
// not: the server offered no STARTTLS, or the handshake failed.
func (p *Policy) DialFailure(host string, notOffered bool, err error) *Failure {
	r := ResultValidationFailure
	if notOffered {
		r = ResultStartTLSNotSupported
	}
	return &Failure{Result: r, Host: canon(host), Detail: err.Error(), Enforced: true, RequireTLS: p.RequireTLS}
}

func canon(host string) string { return strings.ToLower(strings.TrimSuffix(host, ".")) }

// Strings are the policy as RFC 8460 reports quote it ("policy-string"):
// the MTA-STS policy's lines, or the TLSA records in presentation form.
func (p *Policy) Strings() []string {
	switch p.Type() {
	case TypeSTS:
		return strings.Split(strings.TrimSuffix(p.sts().String(), "\n"), "\n")
	case TypeTLSA:
		var out []string
		for _, h := range p.DANE.Hosts {
			for _, r := range h.Records {
				out = append(out, r.String())
			}
		}
		return out
	}
	return nil
}

// MXHosts are the MX patterns of an MTA-STS policy, or the MX hosts with
// DANE records ("mx-host" of RFC 8460 reports).
func (p *Policy) MXHosts() []string {
	switch p.Type() {
	case TypeSTS:
		return p.sts().MX
	case TypeTLSA:
		var out []string
		for name, h := range p.DANE.Hosts {
			if h.Secure() {
				out = append(out, name)
			}
		}
		return out
	}
	return nil
}
