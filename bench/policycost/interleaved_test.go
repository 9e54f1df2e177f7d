package policycost

import (
	"testing"
	"time"

	"github.com/wasmta/wasmta/bench/policycost/logic"
	"github.com/wasmta/wasmta/mta/policy"
)

// The interleaved benchmarks call every implementation once per iteration,
// in turn, and report each one's mean time per call as its own metric
// (native-ns/call, wasm-guard-ns/call, ...). On a shared machine whose load
// changes from second to second, this keeps the comparison fair: every
// implementation sees the same load. ns/op is the sum of all of them.

func BenchmarkClassifyInterleaved(b *testing.B) {
	lp, err := newLuaPolicy()
	if err != nil {
		b.Fatal(err)
	}
	defer lp.L.Close()
	impls := []struct {
		name string
		call func(in *policy.ClassifyInput)
	}{
		{"native", func(in *policy.ClassifyInput) { sink = logic.Classify(in.Code, in.Enhanced, in.Text) }},
		{"wasm-guard", func(in *policy.ClassifyInput) { sink, _ = guarded.Classify(ctx, in) }},
		{"wasm-noguard", func(in *policy.ClassifyInput) { sink, _ = unguarded.Classify(ctx, in) }},
		{"lua", func(in *policy.ClassifyInput) { sink, _ = lp.classify(in) }},
	}
	spent := make([]time.Duration, len(impls))
	n := 0
	for i := 0; b.Loop(); i++ {
		in := &replies[i%len(replies)]
		for k, impl := range impls {
			t0 := time.Now()
			impl.call(in)
			spent[k] += time.Since(t0)
		}
		n++
	}
	for k, impl := range impls {
		b.ReportMetric(float64(spent[k].Nanoseconds())/float64(n), impl.name+"-ns/call")
	}
}

func BenchmarkRouteInterleaved(b *testing.B) {
	lp, err := newLuaPolicy()
	if err != nil {
		b.Fatal(err)
	}
	defer lp.L.Close()
	impls := []struct {
		name string
		call func(in *policy.RouteInput)
	}{
		{"native", func(in *policy.RouteInput) { sink, _ = logic.RouteFor(in.Tenant, in.Campaign, in.Domain) }},
		{"wasm-guard", func(in *policy.RouteInput) { sink, _ = guarded.Route(ctx, in) }},
		{"wasm-noguard", func(in *policy.RouteInput) { sink, _ = unguarded.Route(ctx, in) }},
		{"lua", func(in *policy.RouteInput) { sink, _, _ = lp.route(in) }},
	}
	spent := make([]time.Duration, len(impls))
	n := 0
	for i := 0; b.Loop(); i++ {
		in := &routes[i%len(routes)]
		for k, impl := range impls {
			t0 := time.Now()
			impl.call(in)
			spent[k] += time.Since(t0)
		}
		n++
	}
	for k, impl := range impls {
		b.ReportMetric(float64(spent[k].Nanoseconds())/float64(n), impl.name+"-ns/call")
	}
}
