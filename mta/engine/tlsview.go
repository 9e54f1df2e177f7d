package engine

import (
	"context"
	"sort"
	"strings"
	"time"

	"github.com/wasmta/wasmta/mta/tlspolicy"
)

// TLSPolicyInfo is the transport security policy in force for a
// recipient domain, for operators.
type TLSPolicyInfo struct {
	Domain  string
	Mode    string    // "dane", "mta-sts enforce", "mta-sts testing", "none"
	Source  string    // "dane", "mta-sts fetched", "mta-sts cache", or "" without a policy
	ID      string    // the MTA-STS policy id
	MX      []string  // the policy's MX patterns, or the MX hosts with TLSA records
	Expires time.Time // when the cached MTA-STS policy lapses; zero otherwise
	Problem string    // what went wrong finding it (a failed fetch ...)
}

// TLSPolicyOf returns the policy in force for domain, as delivery would
// apply it now (from the caches, looking up what they lack).
func (e *Engine) TLSPolicyOf(ctx context.Context, domain string) TLSPolicyInfo {
	domain = strings.ToLower(strings.TrimSuffix(domain, "."))
	info := TLSPolicyInfo{Domain: domain, Mode: "none"}
	if e.tlsp.res == nil {
		info.Problem = "MTA-STS and DANE are off ([delivery] mta_sts, dane)"
		return info
	}
	res, err := e.mx.Lookup(ctx, domain)
	if err != nil {
		info.Problem = err.Error()
		return info
	}
	names := make([]string, len(res.Hosts))
	for i, h := range res.Hosts {
		names[i] = h.Name
	}
	return infoOf(e.tlsp.res.Policy(ctx, domain, names, res.Implicit))
}

func infoOf(p *tlspolicy.Policy) TLSPolicyInfo {
	info := TLSPolicyInfo{Domain: p.Domain, Mode: p.Mode(), MX: p.MXHosts()}
	switch p.Type() {
	case tlspolicy.TypeTLSA:
		info.Source = "dane"
		sort.Strings(info.MX)
	case tlspolicy.TypeSTS:
		info.Source, info.ID, info.Expires = "mta-sts "+p.STS.Source, p.STS.ID, p.STS.Expires
	}
	if p.STS.Err != nil {
		info.Problem = p.STS.Err.Error()
	}
	return info
}

// CachedTLSPolicies lists the MTA-STS policies in the cache, by domain.
func (e *Engine) CachedTLSPolicies() ([]TLSPolicyInfo, error) {
	if e.tlsp.sts == nil {
		return nil, nil
	}
	all, err := e.tlsp.sts.Cached()
	if err != nil {
		return nil, err
	}
	out := make([]TLSPolicyInfo, 0, len(all))
	for _, r := range all {
		r.Source = "cache"
		out = append(out, infoOf(&tlspolicy.Policy{Domain: r.Domain, STS: r}))
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Domain < out[j].Domain })
	return out, nil
}
