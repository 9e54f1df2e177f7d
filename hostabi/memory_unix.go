//go:build (linux || darwin) && (amd64 || arm64 || riscv64 || ppc64le || s390x || loong64)

package hostabi

import (
	"context"
	"runtime"
	"sync"

	"github.com/tetratelabs/wazero/experimental"
	"golang.org/x/sys/unix"
)

// An instance's linear memory is its own anonymous mapping, reserved at
// the memory's maximum (Config.MemoryLimitPages or the module's own
// maximum) when the instance is made. memory.grow then only lengthens the
// slice over pages already mapped, and the kernel gives each page, zeroed,
// when the guest first touches it.
//
// On the Go heap (wazero's default) every grow that passes the slice's
// capacity allocates a larger buffer, clears it and copies the whole
// memory into it; the old one is garbage for the host's collector. A Go
// guest grows 512 KiB at a time through its first several thousand calls
// (docs/benchmarks.md, "Policy cost, session 8").
//
// The reservation is address space only: with 64-bit pointers a 64 MiB
// cap per instance, or the 4 GiB most a memory can be, costs nothing until
// touched. MAP_NORESERVE keeps it out of the commit charge.
//
// Closing the module (wazero calls Free) gives the pages back at once
// (MADV_DONTNEED), but keeps the range mapped: a call still running on
// the instance when its runtime is closed reads zeros from its memory,
// never an unmapped page. The range is unmapped when the instance itself is
// unreachable (a cleanup on it), and so after every call on it has
// returned.
//
// Other platforms keep wazero's default (memory_other.go).

// mappedMemory is one instance's linear memory.
type mappedMemory struct {
	mu  sync.Mutex // Free and unmap; Reallocate runs inside the guest's call
	mem []byte     // the whole mapping, len = cap = the reservation; nil once unmapped
}

// Reallocate implements experimental.LinearMemory: the first size bytes.
func (m *mappedMemory) Reallocate(size uint64) []byte {
	if m.mem == nil || size > uint64(len(m.mem)) {
		return nil
	}
	return m.mem[:size:size]
}

// Free implements experimental.LinearMemory: the pages go back to the
// kernel; the range stays mapped until unmap.
func (m *mappedMemory) Free() {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.mem != nil {
		_ = unix.Madvise(m.mem, unix.MADV_DONTNEED)
	}
}

// unmap releases the range; run once nothing can reach the memory.
func (m *mappedMemory) unmap() {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.mem != nil {
		_ = unix.Munmap(m.mem)
		m.mem = nil
	}
}

// heapMemory is wazero's default, for when the mapping fails: a buffer on
// the Go heap, copied into a larger one when it grows past its capacity.
type heapMemory struct {
	buf []byte
	max uint64
}

func newHeapMemory(capBytes, maxBytes uint64) *heapMemory {
	return &heapMemory{buf: make([]byte, 0, min(capBytes, maxBytes)), max: maxBytes}
}

func (m *heapMemory) Reallocate(size uint64) []byte {
	if size > m.max {
		return nil
	}
	if size > uint64(cap(m.buf)) {
		m.buf = append(m.buf[:cap(m.buf)], make([]byte, size-uint64(cap(m.buf)))...)
	}
	m.buf = m.buf[:size]
	return m.buf
}

func (m *heapMemory) Free() { m.buf = nil }

// memoryAllocator gives inst's instantiation its own mapping. A failed
// mapping falls back to wazero's buffer on the Go heap.
type memoryAllocator struct{ inst *instance }

func (a memoryAllocator) Allocate(capBytes, maxBytes uint64) experimental.LinearMemory {
	size := max(capBytes, maxBytes)
	if size == 0 || size > 1<<32 {
		return newHeapMemory(capBytes, maxBytes)
	}
	b, err := unix.Mmap(-1, 0, int(size), unix.PROT_READ|unix.PROT_WRITE,
		unix.MAP_PRIVATE|unix.MAP_ANON|unix.MAP_NORESERVE)
	if err != nil {
		return newHeapMemory(capBytes, maxBytes)
	}
	m := &mappedMemory{mem: b}
	// The cleanup's argument is the memory, not the instance: the instance
	// stays collectable.
	runtime.AddCleanup(a.inst, func(m *mappedMemory) { m.unmap() }, m)
	return m
}

// withMemory returns ctx with inst's memory allocator.
func withMemory(ctx context.Context, inst *instance) context.Context {
	return experimental.WithMemoryAllocator(ctx, memoryAllocator{inst})
}
