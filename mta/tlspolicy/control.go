package tlspolicy

import "github.com/wasmta/wasmta/mta/mtasts"

// WithControl returns the policy as a path applies it (the shape hook's
// tls_policy, ABI v1.5): require makes an MTA-STS policy in testing mode
// stop delivery like one in enforce mode; relax reports every failed
// check and never stops delivery (for DANE too: the operator's choice for
// a destination whose published policy is known to be broken). A domain
// without a policy is left alone: there is nothing to require or relax
// (a path that wants verified TLS everywhere says tls = required_verify).
// p is not changed.
func (p *Policy) WithControl(require, relax bool) *Policy {
	if p == nil || p.Type() == TypeNoPolicy || !require && !relax {
		return p
	}
	cp := *p
	cp.Require, cp.Relax = require && !relax, relax
	return &cp
}

// Mode names the policy in force for people: "dane", "mta-sts enforce",
// "mta-sts testing", "none"; " (enforced)" follows a testing policy that
// is enforced, " (report only)" a policy that does not stop delivery
// (relaxed by the path or by the message's "TLS-Required: No").
func (p *Policy) Mode() string {
	m := p.published()
	switch {
	case m == "none", p.RequireTLS:
		return m
	case p.Relax:
		return m + " (report only)"
	case p.Require && p.Type() == TypeSTS && p.sts().Mode != mtasts.ModeEnforce:
		return m + " (enforced)"
	}
	return m
}

// published names the policy as the domain publishes it.
func (p *Policy) published() string {
	switch p.Type() {
	case TypeTLSA:
		return "dane"
	case TypeSTS:
		return "mta-sts " + string(p.sts().Mode)
	}
	return "none"
}
