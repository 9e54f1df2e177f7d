package policycost

import (
	"testing"

	"github.com/wasmta/wasmta/bench/policycost/logic"
	"github.com/wasmta/wasmta/hostabi"
	"github.com/wasmta/wasmta/mta/policy"
)

// Every benchmark runs one hook call per iteration over the workload, in
// a fixed rotation; results are kept in sink so nothing is optimised away.
var sink any

func BenchmarkClassify(b *testing.B) {
	b.Run("native", func(b *testing.B) {
		for i := 0; b.Loop(); i++ {
			in := &replies[i%len(replies)]
			sink = logic.Classify(in.Code, in.Enhanced, in.Text)
		}
	})
	b.Run("wasm-guard", func(b *testing.B) { benchWasmClassify(b, guarded) })
	b.Run("wasm-noguard", func(b *testing.B) { benchWasmClassify(b, unguarded) })
	b.Run("lua", func(b *testing.B) {
		lp, err := newLuaPolicy()
		if err != nil {
			b.Fatal(err)
		}
		defer lp.L.Close()
		for i := 0; b.Loop(); i++ {
			c, err := lp.classify(&replies[i%len(replies)])
			if err != nil {
				b.Fatal(err)
			}
			sink = c
		}
	})
	// What the engine pays per reply once a (site, code, text) was seen:
	// policy.Guard answers from its per-version cache.
	b.Run("wasm-guard-cached", func(b *testing.B) {
		g := policy.NewGuard(fixed{guarded}, nil, nil)
		for i := 0; b.Loop(); i++ {
			sink, _ = g.Classify(ctx, &replies[i%len(replies)])
		}
	})
}

func benchWasmClassify(b *testing.B, m *hostabi.Module) {
	for i := 0; b.Loop(); i++ {
		c, err := m.Classify(ctx, &replies[i%len(replies)])
		if err != nil {
			b.Fatal(err)
		}
		sink = c
	}
}

func BenchmarkRoute(b *testing.B) {
	b.Run("native", func(b *testing.B) {
		for i := 0; b.Loop(); i++ {
			in := &routes[i%len(routes)]
			sink, _ = logic.RouteFor(in.Tenant, in.Campaign, in.Domain)
		}
	})
	b.Run("wasm-guard", func(b *testing.B) { benchWasmRoute(b, guarded) })
	b.Run("wasm-noguard", func(b *testing.B) { benchWasmRoute(b, unguarded) })
	b.Run("lua", func(b *testing.B) {
		lp, err := newLuaPolicy()
		if err != nil {
			b.Fatal(err)
		}
		defer lp.L.Close()
		for i := 0; b.Loop(); i++ {
			r, _, err := lp.route(&routes[i%len(routes)])
			if err != nil {
				b.Fatal(err)
			}
			sink = r
		}
	})
}

func benchWasmRoute(b *testing.B, m *hostabi.Module) {
	for i := 0; b.Loop(); i++ {
		r, err := m.Route(ctx, &routes[i%len(routes)])
		if err != nil && err != policy.ErrNotImplemented {
			b.Fatal(err)
		}
		sink = r
	}
}

// BenchmarkClassifyParallel runs the classify call from GOMAXPROCS
// goroutines: the module's instance pool against one Lua state per
// goroutine.
func BenchmarkClassifyParallel(b *testing.B) {
	b.Run("native", func(b *testing.B) {
		b.RunParallel(func(pb *testing.PB) {
			for i := 0; pb.Next(); i++ {
				in := &replies[i%len(replies)]
				_ = logic.Classify(in.Code, in.Enhanced, in.Text)
			}
		})
	})
	b.Run("wasm-guard", func(b *testing.B) {
		b.RunParallel(func(pb *testing.PB) {
			for i := 0; pb.Next(); i++ {
				if _, err := guarded.Classify(ctx, &replies[i%len(replies)]); err != nil {
					b.Error(err)
					return
				}
			}
		})
	})
	b.Run("lua", func(b *testing.B) {
		b.RunParallel(func(pb *testing.PB) {
			lp, err := newLuaPolicy()
			if err != nil {
				b.Error(err)
				return
			}
			defer lp.L.Close()
			for i := 0; pb.Next(); i++ {
				if _, err := lp.classify(&replies[i%len(replies)]); err != nil {
					b.Error(err)
					return
				}
			}
		})
	})
}

// fixed hands one policy to every tenant.
type fixed struct{ p policy.Policy }

func (f fixed) For(string) policy.Policy { return f.p }
