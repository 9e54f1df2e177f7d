package report

import (
	"fmt"
	"strings"

	"github.com/wasmta/wasmta/bench/internal/result"
)

// refCase is the case the goals are stated for.
const refCase = "4 KiB × 1 rcpt"

// goal is one line of the goals table.
type goal struct {
	name, target, measured string
	met                    *bool
}

// unresolved is the met of a goal the run measured but cannot decide (a
// censored percentile greater than the window for both systems): read as
// not met wherever a goal is counted, written "not resolved".
var unresolved = ptr(false)

func verdict(g goal) string {
	switch {
	case g.met == unresolved:
		return "not resolved"
	case g.met == nil:
		return "not measured"
	case *g.met:
		return "met"
	}
	return "**not met**"
}

func ptr(b bool) *bool { return &b }

// goals writes the goals against this run's figures.
func goals(b *strings.Builder, f *result.File) {
	var gs []goal
	if s := f.Scenario("relay"); s != nil {
		gs = append(gs, relayGoals(s)...)
	}
	if s := f.Scenario("latency"); s != nil {
		gs = append(gs, latencyGoals(s)...)
	}
	if s := f.Scenario("backlog"); s != nil {
		gs = append(gs, backlogGoals(s)...)
	}
	if s := f.Scenario("providers"); s != nil {
		gs = append(gs, providerGoals(s)...)
	}
	if len(gs) == 0 {
		return
	}
	b.WriteString("## Goals (issue 6), measured side by side in this run\n\n| goal | target | measured | |\n|---|---|---|---|\n")
	for _, g := range gs {
		fmt.Fprintf(b, "| %s | %s | %s | %s |\n", g.name, g.target, g.measured, verdict(g))
	}
	b.WriteString("\n")
}

func relayGoals(s *result.Scenario) []goal {
	w := median(s, sysWasmta, refCase, "delivered_per_s")
	p := median(s, sysPostfix, refCase, "delivered_per_s")
	lim := median(s, sysLimit, refCase, "accepted_per_s")
	limD := median(s, sysLimitD, refCase, "accepted_per_s")
	wc := median(s, sysWasmta, refCase, "cpu_s_per_1000")
	pc := median(s, sysPostfix, refCase, "cpu_s_per_1000")
	var gs []goal
	if w > 0 && p > 0 {
		gs = append(gs, goal{"relay throughput, 4 KiB", "≥ 2× Postfix", fmt.Sprintf("%.0f vs %.0f msg/s delivered: %.2f×", w, p, w/p), ptr(w >= 2*p)})
	}
	if w > 0 && lim > 0 {
		gs = append(gs, goal{"relay throughput, 4 KiB", "≥ 50% of smtp-source → smtp-sink", fmt.Sprintf("%.0f vs %.0f msg/s: %.0f%% (%.0f%% of the -d limit, %.0f msg/s)", w, lim, 100*w/lim, 100*w/limD, limD), ptr(w >= lim/2)})
	}
	if wc > 0 && pc > 0 {
		gs = append(gs, goal{"CPU per 1,000 messages, 4 KiB", "≤ ½ of Postfix's", fmt.Sprintf("%.2f vs %.2f CPU s: %.2f×", wc, pc, wc/pc), ptr(wc <= pc/2)})
	}
	return gs
}

func latencyGoals(s *result.Scenario) []goal {
	const c = "50% of max"
	if s.Find(sysWasmta, c) == nil {
		return nil
	}
	p50, p99 := median(s, sysWasmta, c, "p50_ms"), median(s, sysWasmta, c, "p99_ms")
	pf := ""
	if s.Find(sysPostfix, c) != nil {
		pf = fmt.Sprintf(" (Postfix: p50 %.1f, p99 %.1f ms)", median(s, sysPostfix, c, "p50_ms"), median(s, sysPostfix, c, "p99_ms"))
	}
	return []goal{
		{"MTA-added latency p99 at 50% of max rate", "< 50 ms", fmt.Sprintf("%.1f ms%s", p99, pf), ptr(p99 < 50)},
		{"MTA-added latency p50 at 50% of max rate (issue 2)", "< 5 ms", fmt.Sprintf("%.1f ms", p50), ptr(p50 < 5)},
	}
}

func backlogGoals(s *result.Scenario) []goal {
	var inject, restart *result.Row
	for _, r := range s.Rows {
		switch {
		case strings.HasPrefix(r.System, "inject"):
			inject = r
		case strings.HasPrefix(r.System, "restart,"):
			restart = r
		}
	}
	if inject == nil || restart == nil || restart.Metric("ready_s") == nil || restart.Metric("rss_mib") == nil {
		return nil
	}
	n := inject.Metric("messages").Median
	rss, ready := restart.Metric("rss_mib").Median, restart.Metric("ready_s").Median
	m := fmt.Sprintf("%.0f messages: %.0f MiB after restart", n, rss)
	r := fmt.Sprintf("%.0f messages: %.2f s", n, ready)
	if n < minExtrapolate {
		// Fixed costs dominate a small backlog: scaling it up says nothing.
		return []goal{
			{"1,000,000 queued: resident memory", "< 1 GiB", m + " (too few to extrapolate)", nil},
			{"1,000,000 queued: restart to ready", "< 15 s", r + " (too few to extrapolate)", nil},
		}
	}
	// Extrapolated linearly to the 1,000,000 when fewer were queued.
	scale := max(1e6/n, 1)
	if scale > 1 {
		m += fmt.Sprintf(" (×%.1f ≈ %.0f MiB at 1M, linear)", scale, rss*scale)
		r += fmt.Sprintf(" (×%.1f ≈ %.1f s at 1M, linear)", scale, ready*scale)
	}
	return []goal{
		{"1,000,000 queued: resident memory", "< 1 GiB", m, ptr(rss*scale < 1024)},
		{"1,000,000 queued: restart to ready", "< 15 s", r, ptr(ready*scale < 15)},
	}
}

// minExtrapolate is the smallest backlog whose figures are scaled to 1M.
const minExtrapolate = 100000

func providerGoals(s *result.Scenario) []goal {
	var wt, pt float64
	var per []string
	lower := true
	for _, c := range cases(s) {
		if s.Find(sysWasmta, c) == nil || s.Find(sysPostfix, c) == nil {
			continue
		}
		w, p := median(s, sysWasmta, c, "queue_avg_s"), median(s, sysPostfix, c, "queue_avg_s")
		per = append(per, fmt.Sprintf("%s %.1f vs %.1f s", c, w, p))
		lower = lower && w < p
		wt += median(s, sysWasmta, c, "throttled")
		pt += median(s, sysPostfix, c, "throttled")
	}
	if len(per) == 0 {
		return nil
	}
	return []goal{
		{"provider mix: average queue time per provider", "lower than Postfix's for each", strings.Join(per, "; "), ptr(lower)},
		{"provider mix: throttling responses provoked", "≥ 10× fewer than Postfix", fmt.Sprintf("%.0f vs %.0f", wt, pt), ptr(wt*10 <= pt)},
	}
}
