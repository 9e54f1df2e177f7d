package scenario

import (
	"context"
	"fmt"
	"time"

	"github.com/wasmta/wasmta/bench/internal/proc"
	"github.com/wasmta/wasmta/bench/internal/result"
	"github.com/wasmta/wasmta/bench/internal/sink"
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
	warm := Load{Size: 4096, Rcpts: 1, Count: 1000, Sessions: sessions}
	rounds := 2 * e.Repeats
	if e.Quick {
		l.Count, warm.Count, rounds = 500, 200, 1
	}
	sc.Command = []string{l.Command("wasmta"), "[policy] global = \"bin/policies/default.wasm\" (GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared ./policies/go/default)",
		"[policy] global = the conformance policy of each language (policies/LANG/conformance, built as e2e/conformance.Build does)"}
	sc.Notes = append(sc.Notes, policyNotes...)
	sc.Notes = append(sc.Notes, fmt.Sprintf("%d rounds; in each, every policy runs between two built-in runs (B P1 B P2 … B), each run a fresh wasmta that first relays %d messages unmeasured (warm-up: pool instances, guest and host heaps), then %d measured.", rounds, warm.Count, l.Count))
	subjects := append([]polSubject{{name: polBuiltin}, {name: polWasm, diff: polDiff, wasm: wasm}},
		e.conformanceSubjects(ctx, sc)...)
	for r := range rounds {
		if ctx.Err() != nil {
			break
		}
		e.Log.Info("policy", "round", r+1, "of", rounds)
		e.policyRound(ctx, sc, dns.Addr(), subjects, warm, l)
	}
	policyIntervals(sc, subjects, l)
	sc.Notes = append(sc.Notes, fmt.Sprintf("Load average when the rounds ended: %v.", proc.LoadAvg()))
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
	"The conformance policy (testdata/conformance/README.md) makes the same decisions in every language; per message wasmta calls its on_rcpt and select_pool (select_pool reads the reputation counts).",
	"Each difference is a policy run's CPU per message less the mean of the built-in runs just before and just after it; the figure is the median of the rounds' differences, with a distribution-free confidence interval of that median (ci low, ci high; its confidence in ci conf).",
	"call_timeout is wasmta's default; the deadline guard cannot be turned off from the configuration, so the guard-off figure comes from the per-call benchmarks below.",
}

// policyRound runs the built-in policy, then each other subject followed
// by the built-in again (B P1 B P2 … B), and records each subject's
// difference from the mean of the two built-in runs beside it: a pair
// taken seconds apart, so that a change of the machine's load between
// pairs does not enter a difference.
func (e *Env) policyRound(ctx context.Context, sc *result.Scenario, dns string, subjects []polSubject, warm, l Load) {
	run := func(sub polSubject) (float64, bool) {
		o, err := e.relayWarm(ctx, warm, l, wasmtaOpts{DNS: dns, Policy: sub.wasm})
		if err != nil {
			e.note(sc, sub.name, l, o, err, true)
			return 0, false
		}
		o.record(sc.Row(sub.name, l.Case()), true)
		return o.CPU.Seconds() / float64(l.Count), true
	}
	before, ok := run(subjects[0])
	for _, sub := range subjects[1:] {
		if ctx.Err() != nil || !ok {
			return
		}
		cpu, subOK := run(sub)
		var after float64
		if after, ok = run(subjects[0]); !ok || !subOK {
			before = after
			continue
		}
		base := (before + after) / 2
		row := sc.Row(sub.diff, l.Case())
		row.Add("cpu_us_per_msg", "µs CPU / msg", result.Lower, (cpu-base)*1e6)
		if base > 0 {
			row.Add("cpu_pct", "% of built-in CPU", result.Lower, (cpu-base)/base*100)
		}
		before = after
	}
}

// policyIntervals adds to each difference row the confidence interval of
// its median (result.MedianCI: distribution-free) in µs and in % of the
// built-in's median CPU.
func policyIntervals(sc *result.Scenario, subjects []polSubject, l Load) {
	var base float64
	if r := sc.Find(subjects[0].name, l.Case()); r != nil {
		if m := r.Metric("cpu_s_per_1000"); m != nil {
			base = m.Median * 1000 // µs per message
		}
	}
	for _, sub := range subjects[1:] {
		row := sc.Find(sub.diff, l.Case())
		if row == nil {
			continue
		}
		m := row.Metric("cpu_us_per_msg")
		if m == nil || len(m.Runs) < 2 {
			continue
		}
		lo, hi, conf := result.MedianCI(m.Runs)
		row.Add("ci_low_us", "µs CPU / msg", "", lo)
		row.Add("ci_high_us", "µs CPU / msg", "", hi)
		row.Add("ci_conf_pct", "%", "", conf*100)
		if base > 0 {
			row.Add("ci_high_pct", "% of built-in CPU", "", hi/base*100)
		}
	}
}

// relayWarm is relayWasmta with warm relayed first, unmeasured, in the
// same wasmta: what is measured is the relay's steady state, not the
// start of a process (the pool's instances made on demand, a Go guest's
// memory growing over its first calls, the host's heap).
func (e *Env) relayWarm(ctx context.Context, warm, l Load, o wasmtaOpts) (Outcome, error) {
	s, err := sink.Start("127.0.0.1:0", sink.Accept)
	if err != nil {
		return Outcome{}, err
	}
	defer s.Close()
	s.SetChunking(o.SinkChunking)
	if o.Routes == nil && o.DNS == "" {
		o.Routes = relayTo(s)
	}
	if o.DNS != "" {
		o.MXPort = portOf(s.Addr())
	}
	w, err := e.startWasmta(ctx, o)
	if err != nil {
		return Outcome{}, err
	}
	defer w.Stop(10 * time.Second)
	if _, err := measure(ctx, w, s, warm); err != nil {
		return Outcome{}, fmt.Errorf("warm-up: %w", err)
	}
	return measure(ctx, w, s, l)
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
