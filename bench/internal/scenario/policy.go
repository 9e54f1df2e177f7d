package scenario

import (
	"context"
	"fmt"
	"time"

	"github.com/wasmta/wasmta/bench/internal/result"
	"github.com/wasmta/wasmta/internal/testdns"
)

// Policy cases.
const (
	polBuiltin = "built-in policy (native Go)"
	polWasm    = "Go wasm policy, every hook, deadline guard on"
	polDiff    = "difference (wasm − built-in)"
)

// Policy measures what a wasm policy costs per message end to end: the
// relay load through wasmta with the built-in policy, then with the Go
// reference policy (policies/go/default, every hook exported) as the
// global module. Delivery goes by MX through the harness's DNS so that
// the route hook has something to decide. It adds the policy host's own
// ns-per-call Go benchmarks (bench/policycost).
func (e *Env) Policy(ctx context.Context) *result.Scenario {
	sc, t0 := e.begin("policy", "Policy cost")
	wasm := e.Policies["default"]
	if wasm == "" {
		sc.Skipped = "policies/go/default was not built (bin/policies/default.wasm missing)"
		return e.end(sc, t0)
	}
	dns, err := testdns.New()
	if err != nil {
		sc.Skipped = err.Error()
		return e.end(sc, t0)
	}
	defer dns.Close()
	dns.SetMX(benchDomain, 300, testdns.MX{Pref: 10, Host: "mx." + benchDomain})
	dns.SetA("mx."+benchDomain, 300, "127.0.0.1")
	l := Load{Size: 4096, Rcpts: 1, Count: 4000, Sessions: sessions}
	if e.Quick {
		l.Count = 500
	}
	sc.Command = []string{l.Command("wasmta"), "[policy] global = \"bin/policies/default.wasm\" (GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared ./policies/go/default)",
		"[policy] global = the conformance policy of each language (policies/LANG/conformance, built as e2e/conformance.Build does)"}
	sc.Notes = append(sc.Notes, policyNotes...)
	subjects := append([]polSubject{{name: polBuiltin}, {name: polWasm, diff: polDiff, wasm: wasm}},
		e.conformanceSubjects(ctx, sc)...)
	for rep := range e.Repeats {
		if ctx.Err() != nil {
			break
		}
		e.Log.Info("policy", "rep", rep+1)
		e.policyOnce(ctx, sc, dns.Addr(), subjects, l)
	}
	if e.Quick {
		sc.Notes = append(sc.Notes, "The per-call benchmarks (bench/policycost) run in make bench only.")
	} else {
		e.hookBenchmarks(ctx, sc)
	}
	return e.end(sc, t0)
}

var policyNotes = []string{
	"Same load as the relay scenario's 4 KiB × 1 rcpt case; delivery by MX (harness DNS → 127.0.0.1, delivery.port = the sink's) in both cases.",
	"The wasm module is called for on_mail_from, on_rcpt, on_message and select_pool per message; route, shape and classify answers are cached per policy version.",
	"The conformance policy (testdata/conformance/README.md) makes the same decisions in every language; per message wasmta calls its on_rcpt and select_pool (select_pool reads the reputation counts). Every policy runs once per repetition in turn, the built-in first, so each difference is taken against a built-in run a few seconds before it.",
	"call_timeout is wasmta's default; the deadline guard cannot be turned off from the configuration, so the guard-off figure comes from the per-call benchmarks below.",
}

// policyOnce runs the load once per subject, in turn, and records each
// one's difference from the built-in policy's run (subjects[0]).
func (e *Env) policyOnce(ctx context.Context, sc *result.Scenario, dns string, subjects []polSubject, l Load) {
	var base float64
	for i, sub := range subjects {
		if ctx.Err() != nil {
			return
		}
		o, err := e.relayWasmta(ctx, l, wasmtaOpts{DNS: dns, Policy: sub.wasm})
		if err != nil {
			e.note(sc, sub.name, l, o, err, true)
			if i == 0 {
				return
			}
			continue
		}
		o.record(sc.Row(sub.name, l.Case()), true)
		cpu := o.CPU.Seconds() / float64(l.Count)
		if i == 0 {
			base = cpu
			continue
		}
		row := sc.Row(sub.diff, l.Case())
		row.Add("cpu_us_per_msg", "µs CPU / msg", result.Lower, (cpu-base)*1e6)
		if base > 0 {
			row.Add("cpu_pct", "% of built-in CPU", result.Lower, (cpu-base)/base*100)
		}
	}
}

// hookBenchmarks adds bench/policycost: ns per hook call, wasm with and
// without the guard, native Go, gopher-lua.
func (e *Env) hookBenchmarks(ctx context.Context, sc *result.Scenario) {
	bt, count := "1s", e.Repeats
	lines, cmd, err := e.goBench(ctx, "./bench/policycost", "^Benchmark(Classify|Route)$", bt, count, 5*time.Minute)
	sc.Command = append(sc.Command, cmd)
	if err != nil {
		sc.Notes = append(sc.Notes, fmt.Sprintf("hook-call benchmarks failed: %v", err))
	}
	for _, ln := range lines {
		top, sub := ln.Split()
		if v, ok := ln.Metrics["ns/op"]; ok {
			sc.Row("hook call: "+sub, top).Add("ns_per_call", "ns / call", result.Lower, v)
		}
	}
}
