package hostabi

import (
	"log/slog"
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
	if c.Instances <= 0 {
		c.Instances = runtime.GOMAXPROCS(0)
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	return c
}
