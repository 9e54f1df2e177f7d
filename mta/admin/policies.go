package admin

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/wasmta/wasmta/mta/events"
	"github.com/wasmta/wasmta/mta/fleet"
	"github.com/wasmta/wasmta/mta/policy"
)

// The policy endpoints serve a policy.Modules (the wasm registry, which
// implements it). This file is the one place where the global module,
// "" in Go, becomes policy.GlobalTenant ("*") in URLs and JSON and back.

// GlobalTenant names the global module in URLs and in the CLI.
const GlobalTenant = policy.GlobalTenant

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
	// Origin is "config" (the file the configuration names) or "pushed";
	// Overrides names the configured file a pushed module overrides.
	Origin    string `json:"origin"`
	Overrides string `json:"overrides,omitempty"`
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
	registerPolicyLifecycle(s)
}

func (s *Server) policies() (policy.Modules, error) {
	if s.opts.Policies == nil {
		return nil, Errorf(http.StatusNotImplemented, "policy modules are not managed by this server")
	}
	return s.opts.Policies, nil
}

// policyTenant reads {tenant}: "*" is the global module, otherwise a
// configured tenant.
func (s *Server) policyTenant(r *http.Request) (string, error) {
	t := policy.TenantOf(r.PathValue("tenant"))
	if t == "" {
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
	out := []PolicyInfo{}
	for _, i := range p.List() {
		origin, over := s.moduleOrigin(i.Tenant, i.SHA256)
		out = append(out, PolicyInfo{Tenant: policy.TenantName(i.Tenant), Version: i.Version, SHA256: i.SHA256,
			Size: i.Size, LoadedAt: i.LoadedAt, Hooks: i.Hooks, Previous: i.Previous, Origin: origin, Overrides: over})
	}
	return out, nil
}

// policyVersion is v as JSON.
func policyVersion(v policy.ModuleVersion) PolicyVersion {
	return PolicyVersion{Tenant: policy.TenantName(v.Tenant), Version: v.Number, SHA256: fmt.Sprintf("%x", v.SHA256), Name: v.String()}
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
	return policyVersion(v), nil
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
	to, err := rollbackTo(r)
	if err != nil {
		return nil, err
	}
	var v policy.ModuleVersion
	how := "rollback"
	if to == 0 {
		v, err = p.Rollback(r.Context(), tenant)
	} else if l, lerr := s.lifecycle(); lerr != nil {
		return nil, lerr
	} else {
		v, err = l.RollbackTo(r.Context(), tenant, to)
		how = fmt.Sprintf("rollback to version %d", to)
	}
	if err != nil {
		return nil, policyError("rollback", err)
	}
	s.policyChanged(v, how)
	return policyVersion(v), nil
}

func policyError(op string, err error) error {
	switch {
	case errors.Is(err, policy.ErrInvalidModule):
		return Errorf(http.StatusUnprocessableEntity, "%s refused: %v", op, err)
	case errors.Is(err, policy.ErrNoPrevious):
		return Errorf(http.StatusConflict, "%s: %v", op, err)
	case lifecycleStatus(err) != 0:
		return Errorf(lifecycleStatus(err), "%s: %v", op, err)
	case errors.Is(err, fleet.ErrUnreachable):
		return Errorf(http.StatusServiceUnavailable, "%s: %v (in a fleet a version number comes from Redis)", op, err)
	}
	return fmt.Errorf("%s: %w", op, err)
}

func (s *Server) policyChanged(v policy.ModuleVersion, reason string) {
	s.Record(&events.Record{Type: events.PolicyChange, Tenant: v.Tenant, PolicyVersion: v.String(),
		Reason: fmt.Sprintf("%s: version %d sha256 %x", reason, v.Number, v.SHA256)})
	s.log.Info("policy changed", "tenant", policy.TenantName(v.Tenant), "version", v.Number, "sha256", fmt.Sprintf("%x", v.SHA256), "how", reason)
}
