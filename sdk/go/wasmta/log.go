package wasmta

// Log levels of ABI.md section 2.1.
const (
	LevelDebug = 0
	LevelInfo  = 1
	LevelWarn  = 2
	LevelError = 3
)

// Log writes one line to the host log (tenant, hook and module version are
// attached by the host). In a native build it writes to standard error.
// Lines longer than 4096 bytes are truncated and at most 64 lines per call
// are kept.
func Log(level int, msg string) { logLine(level, msg) }
