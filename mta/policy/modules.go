package policy

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"time"
)

// Modules is the registry of pushed policy modules as the admin API sees
// it: push, rollback and list, per tenant ("" is the global module).
// hostabi.Registry implements it, mta/admin serves it over HTTP, and
// cmd/wasmta hands the one to the other.
type Modules interface {
	// Push validates wasm and makes it tenant's next version; a refused
	// module wraps ErrInvalidModule and leaves the version in force.
	Push(ctx context.Context, tenant string, wasm []byte) (ModuleVersion, error)
	// Rollback makes the previous version current again, as a new
	// version; with none it wraps ErrNoPrevious.
	Rollback(ctx context.Context, tenant string) (ModuleVersion, error)
	// List describes the module in force for every tenant, global first.
	List() []ModuleInfo
}

// Errors a Modules implementation wraps.
var (
	ErrInvalidModule = errors.New("invalid policy module")
	ErrNoPrevious    = errors.New("no previous version")
)

// GlobalTenant names the global module wherever a tenant is shown or
// read as text (URLs, JSON, the CLI, version names); Go APIs use "". "*"
// is not a valid tenant name, so it cannot clash with one.
const GlobalTenant = "*"

// TenantName is tenant as text: GlobalTenant for "".
func TenantName(tenant string) string {
	if tenant == "" {
		return GlobalTenant
	}
	return tenant
}

// TenantOf is TenantName's inverse: "" for GlobalTenant.
func TenantOf(name string) string {
	if name == GlobalTenant {
		return ""
	}
	return name
}

// ModuleVersion names one pushed module version.
type ModuleVersion struct {
	Tenant string // "" = global
	Number int    // 0 for a module loaded outside a registry
	SHA256 [sha256.Size]byte
}

// String is the name records carry as policy_version:
// "acme/v3/sha256:0123456789ab", "*/v1/sha256:...".
func (v ModuleVersion) String() string {
	if v.Number == 0 {
		return fmt.Sprintf("%s/sha256:%x", TenantName(v.Tenant), v.SHA256[:6])
	}
	return fmt.Sprintf("%s/v%d/sha256:%x", TenantName(v.Tenant), v.Number, v.SHA256[:6])
}

// ModuleInfo describes the module in force for one tenant.
type ModuleInfo struct {
	Tenant   string // "" = global
	Version  int
	SHA256   string // hex
	Size     int
	LoadedAt time.Time
	Hooks    []string
	Previous int // the version Rollback goes back to, 0 = none
}
