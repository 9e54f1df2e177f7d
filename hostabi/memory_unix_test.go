//go:build (linux || darwin) && (amd64 || arm64 || riscv64 || ppc64le || s390x || loong64)

package hostabi

import (
	"context"
	"runtime"
	"testing"
	"unsafe"
)

// TestMemoryGrowsInPlace: an instance's memory keeps its address and its
// contents when it grows, the new pages read zero, and it cannot grow
// past the cap (memory_unix.go).
func TestMemoryGrowsInPlace(t *testing.T) {
	th := newTestHost(t, func(c *Config) { c.MemoryLimitPages = 128 })
	m := th.load(t, "acme", "minimal")
	inst, err := m.pool.get(context.Background(), m)
	if err != nil {
		t.Fatal(err)
	}
	defer m.pool.put(inst)
	mem := inst.mod.Memory()
	before, _ := mem.Read(0, mem.Size())
	before[len(before)-1] = 0x5a
	if _, ok := mem.Grow(100); !ok {
		t.Fatal("grow by 100 pages refused under a cap of 128")
	}
	after, _ := mem.Read(0, mem.Size())
	if unsafe.SliceData(after) != unsafe.SliceData(before) {
		t.Fatal("the memory moved when it grew")
	}
	if after[len(before)-1] != 0x5a {
		t.Fatal("a byte written before the grow was lost")
	}
	for i, b := range after[len(before):] {
		if b != 0 {
			t.Fatalf("new byte %d reads %#x, want 0", i, b)
		}
	}
	if _, ok := mem.Grow(128); ok {
		t.Fatal("grow past the cap of 128 pages accepted")
	}
}

// TestMappedMemoryFree: Free gives the pages back (they read zero) and
// keeps the range mapped; unmap releases it once; Reallocate past the
// reservation fails.
func TestMappedMemoryFree(t *testing.T) {
	inst := &instance{} // its cleanup unmaps: kept alive below
	lm := memoryAllocator{inst}.Allocate(1<<16, 4<<16)
	mm, ok := lm.(*mappedMemory)
	if !ok {
		t.Fatalf("allocated %T, want the mapping", lm)
	}
	b := mm.Reallocate(2 << 16)
	if len(b) != 2<<16 {
		t.Fatalf("reallocated %d bytes, want %d", len(b), 2<<16)
	}
	b[100] = 1
	if mm.Reallocate(5<<16) != nil {
		t.Fatal("reallocated past the reservation")
	}
	mm.Free()
	if b[100] != 0 {
		t.Fatal("a freed page kept its contents")
	}
	mm.unmap()
	mm.unmap()
	if mm.Reallocate(1) != nil {
		t.Fatal("reallocated an unmapped memory")
	}
	runtime.KeepAlive(inst)
}
