//go:build !((linux || darwin) && (amd64 || arm64 || riscv64 || ppc64le || s390x || loong64))

package hostabi

import "context"

// withMemory keeps wazero's default linear memory, a buffer on the Go heap,
// where memory_unix.go's reservation is not built (no mmap, or 32-bit
// address space).
func withMemory(ctx context.Context, _ *instance) context.Context { return ctx }
