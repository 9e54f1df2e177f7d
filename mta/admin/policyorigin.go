package admin

import (
	"crypto/sha256"
	"fmt"
	"os"
)

// Where the module in force for a tenant came from (PolicyInfo.Origin).
const (
	OriginConfig = "config" // the file the configuration names (policy.global, tenant.policy)
	OriginPushed = "pushed" // pushed through the API (or rolled back to)
)

// moduleOrigin says whether the module in force (sum, hex) is the file the
// configuration names for tenant ("" = global), and names that file when a
// pushed module overrides it.
func (s *Server) moduleOrigin(tenant, sum string) (origin, overrides string) {
	cfg := s.eng.Config()
	path := cfg.Policy.Global
	if tenant != "" {
		path = ""
		if t := cfg.Tenant(tenant); t != nil {
			path = t.Policy
		}
	}
	if path == "" {
		return OriginPushed, ""
	}
	if b, err := os.ReadFile(path); err == nil && fmt.Sprintf("%x", sha256.Sum256(b)) == sum {
		return OriginConfig, ""
	}
	return OriginPushed, path
}
