package hostabi

import (
	"log/slog"

	"github.com/wasmta/wasmta/mta/policy"
	"runtime"
	"time"
)

// Config configures a Host. The zero value is usable: every zero field gets
// the default documented beside it.
type Config struct {
	// CallTimeout is the deadline of one hook call (default 5ms). A call
	// still running then is stopped and its instance closed.
	CallTimeout time.Duration
	// InitTimeout bounds instantiation plus _initialize (default 1s).
	InitTimeout time.Duration
	// MemoryLimitPages caps the linear memory of every instance, in 64 KiB
	// pages (default 1024 = 64 MiB). wazero applies it per runtime, so one
	// Host has one cap for all tenants.
	MemoryLimitPages uint32
	// Instances is the most instances of one module version alive at once
	// (default GOMAXPROCS). Calls beyond it wait for a free instance.
	Instances int
	// CacheDir holds wazero's compilation cache; "" keeps it in memory.
	CacheDir string
	// Logger receives guest log lines and host events (default slog.Default()).
	Logger *slog.Logger
	// Faults, when set, is told about every fault of a hook call: the
	// module's tenant ("" = global), the hook, the module version and the
	// error (also returned to the caller). It must not block.
	Faults func(tenant, hook, version string, err error)
	// The limits of one compilation, named in refusals by their keys in
	// wasmta's configuration ([policy] section); see compile.go.
	//
	// MaxModuleSize refuses a larger module before any work (default
	// 32 MiB; a Go policy is 2 to 3 MB). CompileTimeout abandons a
	// compilation running longer (default 60s). MaxFunctionBlocks refuses
	// a module with a function of more block, loop, if, else, br_if and
	// br_table instructions (default 16000; the Go runtime's largest
	// function has 994): the compiler's time grows with their square.
	MaxModuleSize     int           // policy.max_module_size
	CompileTimeout    time.Duration // policy.compile_timeout
	MaxFunctionBlocks int           // policy.max_function_blocks
	// Tables answer the guest's lookup calls (ABI v1.4); nil: every
	// lookup is NOT_FOUND.
	Tables policy.Tables
	// Pools are the configured egress pools. When set, a module whose
	// select_pool names another pool in its load-time dry run is refused;
	// the dry run asks for the sample tenant and for each of Tenants.
	Pools   []string
	Tenants []string
	// UnsafeNoDeadline compiles modules without the deadline guard's loop
	// checks (internal/guard) and calls them without a deadline. A looping guest then hangs its
	// caller forever: it exists to measure what the guard costs, never for
	// production.
	UnsafeNoDeadline bool
}

const (
	defaultCallTimeout = 5 * time.Millisecond
	defaultInitTimeout = time.Second
	defaultMemoryPages = 1024

	defaultMaxModuleSize     = 32 << 20
	defaultCompileTimeout    = time.Minute
	defaultMaxFunctionBlocks = 16000
)

// withDefaults returns c with every zero field set to its default.
func (c Config) withDefaults() Config {
	if c.CallTimeout <= 0 {
		c.CallTimeout = defaultCallTimeout
	}
	if c.InitTimeout <= 0 {
		c.InitTimeout = defaultInitTimeout
	}
	if c.MemoryLimitPages == 0 {
		c.MemoryLimitPages = defaultMemoryPages
	}
	if c.MemoryLimitPages > 65536 {
		c.MemoryLimitPages = 65536
	}
	if c.MaxModuleSize <= 0 {
		c.MaxModuleSize = defaultMaxModuleSize
	}
	if c.CompileTimeout <= 0 {
		c.CompileTimeout = defaultCompileTimeout
	}
	if c.MaxFunctionBlocks <= 0 {
		c.MaxFunctionBlocks = defaultMaxFunctionBlocks
	}
	if c.Instances <= 0 {
		c.Instances = runtime.GOMAXPROCS(0)
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	return c
}
