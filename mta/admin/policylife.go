package admin

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"net/http"
	"os"

	"github.com/wasmta/wasmta/mta/policy"
)

// PolicyRemoved answers DELETE /v1/tenants/{tenant}/policy.
type PolicyRemoved struct {
	Removed PolicyVersion `json:"removed"`
	// InForce says what decides for the tenant now: "config FILE" (the
	// configured file, pushed again as a new version), "global module" or
	// "built-in policy".
	InForce string `json:"in_force"`
	// Version is the configured file's new version, when it took over.
	Version *PolicyVersion `json:"version,omitempty"`
}

// KeptPolicy is one kept version (GET .../policy/versions).
type KeptPolicy struct {
	Version int    `json:"version"`
	SHA256  string `json:"sha256,omitempty"`
	Size    int    `json:"size"`
	Removed bool   `json:"removed,omitempty"` // the version that recorded a removal
	Current bool   `json:"current,omitempty"`
}

// RollbackRequest is the optional body of POST .../policy/rollback.
type RollbackRequest struct {
	To int `json:"to,omitempty"` // a kept version; 0 = the previous one
}

func registerPolicyLifecycle(s *Server) {
	s.Handle("DELETE /v1/tenants/{tenant}/policy", s.removePolicy)
	s.Handle("GET /v1/tenants/{tenant}/policy/versions", s.policyVersions)
}

// lifecycle returns the registry's remove / rollback-to side (501 when
// the modules are served by something without one).
func (s *Server) lifecycle() (policy.Lifecycle, error) {
	p, err := s.policies()
	if err != nil {
		return nil, err
	}
	l, ok := p.(policy.Lifecycle)
	if !ok {
		return nil, Errorf(http.StatusNotImplemented, "this server cannot remove modules nor roll back to a chosen version")
	}
	return l, nil
}

// removePolicy retires the tenant's own module; when the configuration
// names a file for it, that file is pushed again and decides.
func (s *Server) removePolicy(r *http.Request) (any, error) {
	l, err := s.lifecycle()
	if err != nil {
		return nil, err
	}
	tenant, err := s.policyTenant(r)
	if err != nil {
		return nil, err
	}
	path := s.configuredPolicy(tenant)
	file, ferr := os.ReadFile(path)
	if path != "" && ferr == nil {
		if m := s.ownModule(tenant); m != nil && m.SHA256 == fmt.Sprintf("%x", sha256.Sum256(file)) {
			return nil, Errorf(http.StatusConflict, "the module in force for %s is the configured file %s: remove it from the configuration and reload",
				policy.TenantName(tenant), path)
		}
	}
	v, err := l.Remove(r.Context(), tenant)
	if err != nil {
		return nil, policyError("remove", err)
	}
	s.policyChanged(v, "remove")
	out := PolicyRemoved{Removed: policyVersion(v), InForce: "built-in policy"}
	switch {
	case path != "" && ferr != nil:
		return nil, fmt.Errorf("removed %s, but the configured file %s could not be read: %w", v, path, ferr)
	case path != "":
		nv, err := s.opts.Policies.Push(r.Context(), tenant, file)
		if err != nil {
			return nil, policyError("removed "+v.String()+"; pushing the configured file "+path, err)
		}
		s.policyChanged(nv, "configured file "+path)
		pv := policyVersion(nv)
		out.InForce, out.Version = "config "+path, &pv
	case tenant != "" && s.ownModule("") != nil:
		out.InForce = "global module"
	}
	return out, nil
}

// configuredPolicy is the file the configuration names for tenant.
func (s *Server) configuredPolicy(tenant string) string {
	cfg := s.eng.Config()
	if tenant == "" {
		return cfg.Policy.Global
	}
	if t := cfg.Tenant(tenant); t != nil {
		return t.Policy
	}
	return ""
}

// ownModule describes tenant's own module in force, or nil.
func (s *Server) ownModule(tenant string) *policy.ModuleInfo {
	for _, i := range s.opts.Policies.List() {
		if i.Tenant == tenant {
			return &i
		}
	}
	return nil
}

func (s *Server) policyVersions(r *http.Request) (any, error) {
	l, err := s.lifecycle()
	if err != nil {
		return nil, err
	}
	tenant, err := s.policyTenant(r)
	if err != nil {
		return nil, err
	}
	kept, err := l.Versions(tenant)
	if err != nil {
		return nil, policyError("versions", err)
	}
	out := make([]KeptPolicy, len(kept))
	for i, k := range kept {
		out[i] = KeptPolicy{Version: k.Number, SHA256: k.SHA256, Size: k.Size, Removed: k.Removed, Current: k.Current}
	}
	return out, nil
}

// rollbackTo reads the rollback request's body: the version to go back to,
// 0 for the previous one.
func rollbackTo(r *http.Request) (int, error) {
	if r.ContentLength == 0 && r.Header.Get("Content-Type") == "" {
		return 0, nil
	}
	var req RollbackRequest
	if err := DecodeJSON(r, &req); err != nil {
		return 0, err
	}
	if req.To < 0 {
		return 0, Errorf(http.StatusBadRequest, "to: a version number is positive, got %d", req.To)
	}
	return req.To, nil
}

var errLifecycleCodes = map[error]int{policy.ErrNoModule: http.StatusNotFound, policy.ErrNoVersion: http.StatusNotFound}

// lifecycleStatus maps the lifecycle errors to their status (0: none).
func lifecycleStatus(err error) int {
	for e, code := range errLifecycleCodes {
		if errors.Is(err, e) {
			return code
		}
	}
	return 0
}
