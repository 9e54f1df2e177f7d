// Command wasmpolicy is the benchmarks' policy module: logic.RouteFor and
// logic.Classify behind the Go SDK.
package main

import (
	"time"

	"github.com/wasmta/wasmta/bench/policycost/logic"
	"github.com/wasmta/wasmta/sdk/go/wasmta"
)

func init() {
	wasmta.HandleRoute(func(in *wasmta.RouteInput) (wasmta.Route, bool) {
		r, ok := logic.RouteFor(in.Tenant, in.Campaign, in.Domain)
		return wasmta.Route{MXDomain: r.MXDomain, Hosts: r.Hosts}, ok
	})
	wasmta.HandleClassify(func(in *wasmta.ClassifyInput) (wasmta.Classification, bool) {
		c := logic.Classify(in.Code, in.Enhanced, in.Text)
		out := wasmta.Classification{
			Category: c.Category, Action: c.Action, Suspend: c.Suspend, RateFactor: c.RateFactor,
			Duration: time.Duration(c.DurationMS) * time.Millisecond, Threshold: int(c.Threshold),
			Window: time.Duration(c.WindowMS) * time.Millisecond,
		}
		if c.Suspend || c.RateFactor > 0 {
			out.Scope = wasmta.ScopePath
		}
		return out, true
	})
}

func main() {}
