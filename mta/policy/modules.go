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

// Lifecycle is what a Modules may also do (the wasm registry and a
// fleet's shared view do): remove a tenant's own module, roll back to any
// version still kept, and list those versions.
type Lifecycle interface {
	// Remove retires tenant's own module: the tenant falls back to the
	// global module, the global one to the built-in policy. The removed
	// version stays kept (RollbackTo brings it back). With no module of
	// its own it wraps ErrNoModule.
	Remove(ctx context.Context, tenant string) (ModuleVersion, error)
	// RollbackTo makes kept version number current again, as a new
	// version; a version not kept wraps ErrNoVersion.
	RollbackTo(ctx context.Context, tenant string, number int) (ModuleVersion, error)
	// Versions lists tenant's kept versions, newest first.
	Versions(tenant string) ([]KeptVersion, error)
}

// KeptVersion is one stored version of a tenant's module.
type KeptVersion struct {
	Number  int
	SHA256  string // hex; "" for a removal
	Size    int
	Removed bool // the version that recorded a Remove
	Current bool // the version in force
}

// Errors a Modules implementation wraps.
var (
	ErrInvalidModule = errors.New("invalid policy module")
	ErrNoPrevious    = errors.New("no previous version")
	ErrNoModule      = errors.New("no module of its own")
	ErrNoVersion     = errors.New("no such version kept")
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
