package admin

import (
	"context"
	"net/http"
	"time"

	"github.com/wasmta/wasmta/mta/engine"
	"github.com/wasmta/wasmta/mta/message"
)

func registerTLS(s *Server) {
	s.Handle("GET /v1/tls-policies", s.tlsPolicies)
	s.Handle("GET /v1/tls-policies/{domain}", s.tlsPolicy)
}

// TLSPolicy is the transport security policy in force for a domain.
type TLSPolicy struct {
	Domain  string     `json:"domain"`
	Mode    string     `json:"mode"`             // dane, mta-sts enforce, mta-sts testing, none
	Source  string     `json:"source,omitempty"` // dane, mta-sts fetched, mta-sts cache
	ID      string     `json:"id,omitempty"`     // MTA-STS policy id
	MX      []string   `json:"mx,omitempty"`
	Expires *time.Time `json:"expires,omitempty"`
	Problem string     `json:"problem,omitempty"`
}

func tlsPolicyOf(i engine.TLSPolicyInfo) TLSPolicy {
	out := TLSPolicy{Domain: i.Domain, Mode: i.Mode, Source: i.Source, ID: i.ID, MX: i.MX, Problem: i.Problem}
	if !i.Expires.IsZero() {
		out.Expires = &i.Expires
	}
	return out
}

// tlsPolicies answers GET /v1/tls-policies: the cached MTA-STS policies.
func (s *Server) tlsPolicies(*http.Request) (any, error) {
	all, err := s.eng.CachedTLSPolicies()
	if err != nil {
		return nil, err
	}
	out := make([]TLSPolicy, len(all))
	for i, p := range all {
		out[i] = tlsPolicyOf(p)
	}
	return map[string]any{"policies": out}, nil
}

// tlsPolicy answers GET /v1/tls-policies/{domain}: the policy delivery
// applies to the domain now.
func (s *Server) tlsPolicy(r *http.Request) (any, error) {
	d := r.PathValue("domain")
	if d == "" || len(d) > 253 {
		return nil, Errorf(http.StatusBadRequest, "domain %q: want a domain name", d)
	}
	return tlsPolicyOf(s.eng.TLSPolicyOf(r.Context(), d)), nil
}

// tlsPoliciesOf returns the policies of a message's recipient domains,
// for inspection; lookups are bounded so that inspect stays quick.
func (s *Server) tlsPoliciesOf(ctx context.Context, m *engine.MessageInfo) []TLSPolicy {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	seen := map[string]bool{}
	var out []TLSPolicy
	for _, r := range m.Recipients {
		d := message.Domain(r.Address)
		if seen[d] {
			continue
		}
		seen[d] = true
		out = append(out, tlsPolicyOf(s.eng.TLSPolicyOf(ctx, d)))
	}
	return out
}
