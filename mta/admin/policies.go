package admin

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/wasmta/wasmta/mta/events"
)

// Policies is what the admin API needs of the policy registry; cmd/wasmta
// adapts the wasm registry to it. Tenant "" is the global module.
type Policies interface {
	Push(ctx context.Context, tenant string, wasm []byte) (PolicyVersion, error)
	Rollback(ctx context.Context, tenant string) (PolicyVersion, error)
	List() []PolicyInfo
}

// Errors a Policies implementation wraps so that the API answers with the
// right status.
var (
	ErrInvalidPolicy = errors.New("invalid policy module") // 422: refused, the running version stays
	ErrNoPrevious    = errors.New("no previous version")   // 409: nothing to roll back to
)

// GlobalTenant names the global module in URLs and in the CLI: "*" is not
// a valid tenant name, so it cannot clash with one.
const GlobalTenant = "*"

// PolicyVersion names a module version in force.
type PolicyVersion struct {
	Tenant  string `json:"tenant"` // "*" = global
	Version int    `json:"version"`
	SHA256  string `json:"sha256"`
	Name    string `json:"name"` // as in records' policy_version
}

// PolicyInfo describes the module in force for one tenant.
type PolicyInfo struct {
	Tenant   string    `json:"tenant"` // "*" = global
	Version  int       `json:"version"`
	SHA256   string    `json:"sha256"`
	Size     int       `json:"size"`
	LoadedAt time.Time `json:"loaded_at"`
	Hooks    []string  `json:"hooks"`
	Previous int       `json:"previous,omitempty"` // the version a rollback returns to
}

// maxModule bounds a pushed module (a Go policy is about 2 MB).
const maxModule = 64 << 20

func registerPolicies(s *Server) {
	s.Handle("GET /v1/policies", s.listPolicies)
	// The module is the raw body: application/wasm, or
	// application/octet-stream as generic tools send it.
	s.handle("PUT /v1/tenants/{tenant}/policy",
		s.protected(HandlerFunc(s.pushPolicy), mediaWasm, "application/octet-stream"))
	s.Handle("POST /v1/tenants/{tenant}/policy/rollback", s.rollbackPolicy)
}

func (s *Server) policies() (Policies, error) {
	if s.opts.Policies == nil {
		return nil, Errorf(http.StatusNotImplemented, "policy modules are not managed by this server")
	}
	return s.opts.Policies, nil
}

// policyTenant reads {tenant}: "*" is the global module, otherwise a
// configured tenant.
func (s *Server) policyTenant(r *http.Request) (string, error) {
	t := r.PathValue("tenant")
	if t == GlobalTenant {
		return "", nil
	}
	if s.eng.Config().Tenant(t) == nil {
		return "", Errorf(http.StatusNotFound, "unknown tenant %q (a module is pushed for a configured tenant, or * for the global one)", t)
	}
	return t, nil
}

func (s *Server) listPolicies(*http.Request) (any, error) {
	p, err := s.policies()
	if err != nil {
		return nil, err
	}
	out := p.List()
	if out == nil {
		out = []PolicyInfo{}
	}
	return out, nil
}

// pushPolicy answers PUT /v1/tenants/{tenant}/policy with the module as
// the body; the module is validated before it goes live.
func (s *Server) pushPolicy(r *http.Request) (any, error) {
	p, err := s.policies()
	if err != nil {
		return nil, err
	}
	tenant, err := s.policyTenant(r)
	if err != nil {
		return nil, err
	}
	wasm, err := io.ReadAll(io.LimitReader(r.Body, maxModule+1))
	switch {
	case err != nil:
		return nil, Errorf(http.StatusBadRequest, "read module: %v", err)
	case len(wasm) == 0:
		return nil, Errorf(http.StatusBadRequest, "empty body: send the .wasm module")
	case len(wasm) > maxModule:
		return nil, Errorf(http.StatusRequestEntityTooLarge, "module larger than %d bytes", maxModule)
	}
	v, err := p.Push(r.Context(), tenant, wasm)
	if err != nil {
		return nil, policyError("push", err)
	}
	s.policyChanged(v, fmt.Sprintf("push: %d bytes", len(wasm)))
	return v, nil
}

func (s *Server) rollbackPolicy(r *http.Request) (any, error) {
	p, err := s.policies()
	if err != nil {
		return nil, err
	}
	tenant, err := s.policyTenant(r)
	if err != nil {
		return nil, err
	}
	v, err := p.Rollback(r.Context(), tenant)
	if err != nil {
		return nil, policyError("rollback", err)
	}
	s.policyChanged(v, "rollback")
	return v, nil
}

func policyError(op string, err error) error {
	switch {
	case errors.Is(err, ErrInvalidPolicy):
		return Errorf(http.StatusUnprocessableEntity, "%s refused: %v", op, err)
	case errors.Is(err, ErrNoPrevious):
		return Errorf(http.StatusConflict, "%s: %v", op, err)
	}
	return fmt.Errorf("%s: %w", op, err)
}

func (s *Server) policyChanged(v PolicyVersion, reason string) {
	tenant := v.Tenant
	if tenant == GlobalTenant {
		tenant = ""
	}
	s.Record(&events.Record{Type: events.PolicyChange, Tenant: tenant, PolicyVersion: v.Name,
		Reason: fmt.Sprintf("%s: version %d sha256 %s", reason, v.Version, v.SHA256)})
	s.log.Info("policy changed", "tenant", v.Tenant, "version", v.Version, "sha256", v.SHA256, "how", reason)
}
