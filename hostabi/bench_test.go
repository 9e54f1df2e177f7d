package hostabi

import (
	"context"
	"fmt"
	"log/slog"
	"testing"

	"github.com/wasmta/wasmta/hostabi/internal/guard"
	"github.com/wasmta/wasmta/internal/testwasm"
	"github.com/wasmta/wasmta/mta/policy"
)

// Run with: go test ./hostabi -run '^$' -bench . -benchmem
//
// noop: route returns 1 with no host call (the call floor); const: one
// set; minimal: get + set; goguest: the Go guest's route (get + set through
// the Go runtime). "guard" is the default (deadline enforced), "noguard"
// is Config.UnsafeNoDeadline.

func benchHost(b *testing.B, guard bool) *testHost {
	return newTestHost(b, func(c *Config) {
		c.CallTimeout = generousDeadline // the guard's cost does not depend on its value
		c.UnsafeNoDeadline = !guard
		c.CacheDir = goGuestCacheDir()
	})
}

func BenchmarkRoute(b *testing.B) {
	for _, fixture := range []string{"noop", "const", "minimal", "goguest"} {
		for _, guard := range []bool{true, false} {
			name := fixture + "/guard"
			if !guard {
				name = fixture + "/noguard"
			}
			b.Run(name, func(b *testing.B) {
				th := benchHost(b, guard)
				wasm := goGuestWasmIf(b, fixture)
				m, err := th.Load(context.Background(), "bench", wasm)
				if err != nil {
					b.Fatal(err)
				}
				defer m.Close()
				benchRoute(b, m)
			})
		}
	}
}

func goGuestWasmIf(b *testing.B, fixture string) []byte {
	if fixture == "goguest" {
		return goGuestWasm(b)
	}
	return watFixture(b, fixture)
}

func benchRoute(b *testing.B, m *Module) {
	ctx := context.Background()
	in := &policy.RouteInput{Tenant: "bench", Domain: "example.com"}
	b.ReportAllocs()
	for b.Loop() {
		_, err := m.Route(ctx, in)
		if err != nil && err != policy.ErrNotImplemented {
			b.Fatal(err)
		}
	}
}

// BenchmarkRouteParallel runs the minimal route from GOMAXPROCS goroutines
// over the instance pool, with the guard.
func BenchmarkRouteParallel(b *testing.B) {
	th := benchHost(b, true)
	m := th.load(b, "bench", "minimal")
	in := &policy.RouteInput{Tenant: "bench", Domain: "example.com"}
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := m.Route(context.Background(), in); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

// BenchmarkCheckout is taking an idle instance from the pool and putting
// it back: the per-call cost of the pool.
func BenchmarkCheckout(b *testing.B) {
	th := benchHost(b, true)
	m := th.load(b, "bench", "noop")
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		inst, err := m.pool.get(ctx, m)
		if err != nil {
			b.Fatal(err)
		}
		m.pool.put(inst)
	}
}

// BenchmarkRawCall is wazero's CallWithStack on the noop route with no
// hostabi around it: what the runtime alone costs, with and without the
// termination guard.
func BenchmarkRawCall(b *testing.B) {
	for _, guard := range []bool{true, false} {
		name := map[bool]string{true: "guard", false: "noguard"}[guard]
		b.Run(name, func(b *testing.B) {
			th := benchHost(b, guard)
			m := th.load(b, "bench", "noop")
			inst, err := m.pool.get(context.Background(), m)
			if err != nil {
				b.Fatal(err)
			}
			fn, stack := inst.fns[hookRoute], make([]uint64, 1)
			b.ReportAllocs()
			for b.Loop() {
				if err := fn.CallWithStack(inst.ctx, stack); err != nil {
					b.Fatal(err)
				}
			}
			m.pool.put(inst)
		})
	}
}

// BenchmarkInstantiate is making one instance (instantiate + _initialize)
// of a module already compiled: what a pool pays once per instance.
func BenchmarkInstantiate(b *testing.B) {
	for _, fixture := range []string{"minimal", "goguest"} {
		b.Run(fixture, func(b *testing.B) {
			th := benchHost(b, true)
			m, err := th.Load(context.Background(), "bench", goGuestWasmIf(b, fixture))
			if err != nil {
				b.Fatal(err)
			}
			defer m.Close()
			b.ReportAllocs()
			for b.Loop() {
				inst, err := m.newInstance()
				if err != nil {
					b.Fatal(err)
				}
				inst.close()
			}
		})
	}
}

// BenchmarkInstrument rewrites the Go guest (2 MB, the Go runtime's
// loops): what the guard adds to every load before compilation.
func BenchmarkInstrument(b *testing.B) {
	wasm := goGuestWasm(b)
	b.SetBytes(int64(len(wasm)))
	for b.Loop() {
		if _, err := guard.Instrument(wasm, guard.Limits{}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkLoadLoops loads (instruments, compiles, dry-runs) the policy
// of one function of n empty loops, with the guard and without
// (UnsafeNoDeadline), on a fresh Host each time so that the compilation
// cache never answers. Past maxInline loops the guard adds calls, not
// basic blocks, so "guard" stays near "noguard"; both grow faster than n
// because wazero's compiler is quadratic in a function's basic blocks
// (internal/guard/blocks.go), which Config.MaxFunctionBlocks bounds.
// goguest is a real 3 MB Go policy. B/op is the memory one push costs.
//
//	go test ./hostabi -run '^$' -bench LoadLoops -benchtime 2x -benchmem
func BenchmarkLoadLoops(b *testing.B) {
	for _, guard := range []bool{true, false} {
		for _, n := range []int{1000, 2000, 4000, 8000} {
			benchLoad(b, fmt.Sprintf("guard=%v/loops=%d", guard, n), testwasm.Loops(n), guard)
		}
		benchLoad(b, fmt.Sprintf("guard=%v/goguest", guard), goGuestWasm(b), guard)
	}
}

func benchLoad(b *testing.B, name string, wasm []byte, guard bool) {
	ctx := context.Background()
	b.Run(name, func(b *testing.B) {
		b.SetBytes(int64(len(wasm)))
		for b.Loop() {
			b.StopTimer()
			h, err := New(ctx, Config{UnsafeNoDeadline: !guard, CallTimeout: generousDeadline, InitTimeout: generousDeadline, Logger: slog.New(slog.DiscardHandler)}) // cache in memory
			if err != nil {
				b.Fatal(err)
			}
			b.StartTimer()
			m, err := h.Load(ctx, "bench", wasm)
			if err != nil {
				b.Fatal(err)
			}
			b.StopTimer()
			m.Close()
			_ = h.Close(ctx)
			b.StartTimer()
		}
	})
}
