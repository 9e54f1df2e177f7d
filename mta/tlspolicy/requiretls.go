package tlspolicy

import (
	"crypto/tls"
	"time"
)

// ForMessage returns the policy as it applies to one message: REQUIRETLS
// (RFC 8689) makes every check mandatory and adds its own; without it, a
// "TLS-Required: No" header field (section 4.2) relaxes the domain's
// policy: failures are reported, delivery goes on. p is not changed.
func (p *Policy) ForMessage(requireTLS, tlsOptional bool) *Policy {
	if p == nil || !requireTLS && !tlsOptional {
		return p
	}
	cp := *p
	if requireTLS {
		cp.RequireTLS, cp.Relax = true, false
	} else {
		cp.Relax = true
	}
	return &cp
}

// Key names the policy for sharing a session: one session satisfies one
// key (the domain and the message's options).
func (p *Policy) Key() string {
	if p == nil {
		return ""
	}
	switch {
	case p.RequireTLS:
		return p.Domain + "|requiretls"
	case p.Relax:
		return p.Domain + "|relaxed"
	case p.Require:
		return p.Domain + "|enforced"
	}
	return p.Domain
}

// requireAdmit: under REQUIRETLS a host must be authenticated (section 5,
// step 1): an MX answer validated by DNSSEC, or an MTA-STS policy naming
// the host, or a route the operator chose.
func (p *Policy) requireAdmit(host string, f *Failure) *Failure {
	if f != nil {
		return mandatory(f)
	}
	if p.DANE.Secure || p.Explicit {
		return nil
	}
	if s := p.STS.Policy; s != nil && s.Mode != "none" && s.Matches(host) {
		return nil
	}
	return &Failure{Result: ResultValidationFailure, Host: host, Enforced: true, RequireTLS: true,
		Detail: "REQUIRETLS: the MX host is authenticated neither by DNSSEC nor by an MTA-STS policy of " + p.Domain}
}

// requireCheck: under REQUIRETLS the session must be TLS with a
// certificate valid for the host (DANE where it has records, else PKIX),
// whatever the domain's policy mode (section 5, step 2).
func (p *Policy) requireCheck(host string, st *tls.ConnectionState, now time.Time, f *Failure) *Failure {
	if f == nil {
		f = p.requireAdmit(host, nil)
	}
	if f != nil {
		return mandatory(f)
	}
	if st == nil {
		return &Failure{Result: ResultStartTLSNotSupported, Host: host, Enforced: true, RequireTLS: true,
			Detail: "REQUIRETLS: the session is not encrypted"}
	}
	h, dane := p.DANE.Host(host)
	switch {
	case dane && len(h.Records) > 0:
		return nil // verified by its TLSA records
	case !dane && p.sts() != nil:
		return nil // verified against the roots by the MTA-STS check
	}
	if f := verifyPKIX(p.Roots, host, st, now, true); f != nil {
		return mandatory(f)
	}
	return nil
}

func mandatory(f *Failure) *Failure {
	cp := *f
	cp.Enforced, cp.RequireTLS = true, true
	return &cp
}
