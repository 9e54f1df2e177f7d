package report

import (
	"fmt"
	"strings"

	"github.com/wasmta/wasmta/bench/internal/result"
)

// Rows of the blind provider mix that are not an MTA (package scenario).
const (
	sysDrawn   = "simulator (drawn limits)"
	sysLearned = "wasmta (limits at the end)"
)

// blindGoals writes issue 11's goals for every blind provider-mix run in
// the file, one table per run.
func blindGoals(b *strings.Builder, f *result.File) {
	var runs []*result.Scenario
	for _, s := range f.Scenarios {
		if s.Name == "blind" && s.Skipped == "" && len(s.Rows) > 0 {
			runs = append(runs, s)
		}
	}
	if len(runs) == 0 {
		return
	}
	b.WriteString("## Goals (issue 11): blind provider mix, side by side in one run\n\n")
	b.WriteString("The providers' limits are drawn at random per run, between a quarter and four times the shipped presets; wasmta runs the shipped presets, Postfix gets the drawn connection limits. Each table is one run (one seed, one world).\n\n")
	b.WriteString("The p99 rows over every message treat a message still undelivered at the window's end as *censored*: its queue time is longer than the time it had waited then, not equal to it. Since 2026-12-07 (section 18) such a p99 is reported as \"> X\" when its rank falls among the undelivered messages (X: the p99 with each of them counted at its bound; on the burst's clock, the window), as \"X to Y\" when an undelivered message's bound lies below the delivered value of its rank, and is compared only where the bounds decide: wasmta's is lower when its upper bound is below Postfix's lower bound, not lower when its lower bound is at or above Postfix's upper bound, and \"not resolved\" otherwise (both beyond the window: neither is known to be lower). The tables before section 18 counted an undelivered message as having waited exactly its bound, which made two MTAs that both left messages queued \"tie\" at the window. The averages over every message still count each undelivered message at its bound: they are lower bounds. Since section 21 each run goes on after the window until every accepted message is delivered or three windows from the burst's start (270 s; 90 s with --quick); the rows \"observed until ...\" count every message on that longer clock, with the same censored reading; delivered and throttling replies stay the window's.\n\n")
	for _, s := range runs {
		commit := s.Commit
		if commit == "" {
			commit = f.Commit
		}
		date := f.Date
		if !s.Date.IsZero() {
			date = s.Date
		}
		fmt.Fprintf(b, "**%s** — commit `%s`, %s, load average %.1f at the start.\n\n", s.Title, short(commit), date.Format("2006-01-02 15:04 MST"), s.LoadAvg[0])
		b.WriteString("| goal | target | measured | |\n|---|---|---|---|\n")
		for _, g := range blindRunGoals(s) {
			fmt.Fprintf(b, "| %s | %s | %s | %s |\n", g.name, g.target, g.measured, verdict(g))
		}
		b.WriteString("\n")
	}
}

func short(c string) string {
	if len(c) > 10 {
		return c[:10]
	}
	return c
}

// blindRunGoals evaluates one run.
func blindRunGoals(s *result.Scenario) []goal {
	var provs []string
	for _, c := range cases(s) {
		if s.Find(sysWasmta, c) != nil && s.Find(sysPostfix, c) != nil {
			provs = append(provs, c)
		}
	}
	if len(provs) == 0 {
		return []goal{{"side by side", "wasmta and Postfix", "one of the two did not run", nil}}
	}
	gs := []goal{
		perProvider(s, provs, "average queue time per provider, messages delivered", "queue_avg_s"),
		perProvider(s, provs, "p99 queue time per provider, messages delivered", "queue_p99_s"),
		perProvider(s, provs, "average queue time per provider, every message (undelivered: waited until the window's end)", "queue_avg_all_s"),
		perProviderCensored(s, provs, "p99 queue time per provider, every message (undelivered: censored, longer than it had waited at the window's end)", "queue_p99_all_s"),
	}
	if hasMetric(s, provs, "burst_avg_s") {
		gs = append(gs,
			perProvider(s, provs, "average time from the burst's start to delivery per provider, every message (one clock for both; undelivered: the whole window)", "burst_avg_s"),
			perProviderCensored(s, provs, "p99 time from the burst's start to delivery per provider, every message (one clock for both; undelivered: censored, longer than the window)", "burst_p99_s"))
	}
	if hasMetric(s, provs, "tail_queue_p99_s") {
		until := fmt.Sprintf("observed until every message was delivered or %.0f s from the burst's start", tailCap(s, provs))
		gs = append(gs,
			perProvider(s, provs, "average queue time per provider, every message, "+until+" (undelivered then: waited until the end)", "tail_queue_avg_s"),
			perProviderCensored(s, provs, "p99 queue time per provider, every message, "+until+" (undelivered then: censored)", "tail_queue_p99_s"),
			perProvider(s, provs, "average time from the burst's start to delivery per provider, every message, "+until+" (undelivered then: the whole span)", "tail_burst_avg_s"),
			perProviderCensored(s, provs, "p99 time from the burst's start to delivery per provider, every message, "+until+" (undelivered then: censored)", "tail_burst_p99_s"))
	}
	var wt, pt, wd, pd float64
	var thr, del []string
	for _, c := range provs {
		w, p := median(s, sysWasmta, c, "throttled"), median(s, sysPostfix, c, "throttled")
		wt, pt = wt+w, pt+p
		thr = append(thr, fmt.Sprintf("%s %.0f vs %.0f", c, w, p))
		w, p = median(s, sysWasmta, c, "delivered"), median(s, sysPostfix, c, "delivered")
		wd, pd = wd+w, pd+p
		del = append(del, fmt.Sprintf("%s %.0f vs %.0f", c, w, p))
	}
	gs = append(gs,
		goal{"throttling replies provoked", "≤ ⅒ of Postfix's", fmt.Sprintf("%.0f vs %.0f (%s)", wt, pt, strings.Join(thr, "; ")), ptr(wt*10 <= pt)},
		goal{"messages delivered within the window", "≥ Postfix's", fmt.Sprintf("%.0f vs %.0f (%s)", wd, pd, strings.Join(del, "; ")), ptr(wd >= pd)},
		halvingGoal(s))
	return gs
}

// tailCap is the observation tail's cap the run recorded (the same on
// every row).
func tailCap(s *result.Scenario, provs []string) float64 {
	return median(s, sysWasmta, provs[0], "tail_cap_s")
}

// hasMetric reports whether both systems have metric for every provider
// (runs recorded before it existed do not).
func hasMetric(s *result.Scenario, provs []string, metric string) bool {
	for _, c := range provs {
		for _, sys := range []string{sysWasmta, sysPostfix} {
			if r := s.Find(sys, c); r == nil || r.Metric(metric) == nil {
				return false
			}
		}
	}
	return true
}

// perProvider compares a lower-is-better metric provider by provider.
func perProvider(s *result.Scenario, provs []string, name, metric string) goal {
	var per []string
	lower := true
	for _, c := range provs {
		w, p := median(s, sysWasmta, c, metric), median(s, sysPostfix, c, metric)
		mark := ""
		if w >= p {
			lower, mark = false, " ✗"
		}
		per = append(per, fmt.Sprintf("%s %.1f vs %.1f s%s", c, w, p, mark))
	}
	return goal{name, "lower than Postfix's, for every provider", strings.Join(per, "; "), ptr(lower)}
}

// bound is what a run knows of a censored percentile: lo, and hi unless
// open (the percentile is only known to be greater than lo).
type bound struct {
	lo, hi float64
	open   bool
}

// boundOf reads a censored percentile and its upper bound (maxSuffix); a
// run recorded before the bound existed counts undelivered messages as
// having waited exactly their bound, and reads as known.
func boundOf(s *result.Scenario, sys, c, metric string) bound {
	lo := median(s, sys, c, metric)
	r := s.Find(sys, c)
	if r == nil {
		return bound{lo: lo, hi: lo}
	}
	m := r.Metric(strings.TrimSuffix(metric, "_s") + maxSuffix)
	switch {
	case m == nil:
		return bound{lo: lo, hi: lo}
	case m.Median < 0:
		return bound{lo: lo, open: true}
	}
	return bound{lo: lo, hi: m.Median}
}

// String writes the bound as the goal rows write a time: one decimal.
func (b bound) String() string {
	one := func(v float64) string { return fmt.Sprintf("%.1f", v) }
	switch {
	case b.open:
		return "> " + one(b.lo)
	case b.hi > b.lo:
		return one(b.lo) + " to " + one(b.hi)
	}
	return one(b.lo)
}

// perProviderCensored compares a censored percentile provider by
// provider: wasmta's is lower only when its upper bound is below Postfix's
// lower bound, not lower when its lower bound is at or above Postfix's
// upper bound; otherwise (both greater than the window, or overlapping
// bounds) the run cannot rank them, and the goal is not resolved unless
// another provider settles it.
func perProviderCensored(s *result.Scenario, provs []string, name, metric string) goal {
	var per []string
	lower, open := true, false
	for _, c := range provs {
		w, p := boundOf(s, sysWasmta, c, metric), boundOf(s, sysPostfix, c, metric)
		mark := ""
		switch {
		case !w.open && w.hi < p.lo:
		case !p.open && w.lo >= p.hi:
			lower, mark = false, " ✗"
		default:
			open, mark = true, " ?"
		}
		per = append(per, fmt.Sprintf("%s %s vs %s s%s", c, w, p, mark))
	}
	g := goal{name, "lower than Postfix's, for every provider", strings.Join(per, "; "), ptr(lower)}
	if lower && open {
		g.met = unresolved
	}
	return g
}

// halvingGoal reads the halving provider's convergence time.
func halvingGoal(s *result.Scenario) goal {
	g := goal{name: "after the mid-run halving: learned rate within 20% of the new limit", target: "inside 60 s"}
	for _, c := range cases(s) {
		r := s.Find(sysLearned, c)
		if r == nil || r.Metric("halving_to_20pct_s") == nil {
			continue
		}
		v := r.Metric("halving_to_20pct_s").Median
		newRate := r.Metric("halved_rate").Median
		end := ""
		if m := r.Metric("learned_rate"); m != nil {
			end = fmt.Sprintf(", learned %.2f msg/s at the window's end", m.Median)
		}
		if v < 0 {
			g.measured = fmt.Sprintf("%s: new rate %.2f msg/s; not within 20%% before the window ended%s", c, newRate, end)
			g.met = ptr(false)
			return g
		}
		g.measured = fmt.Sprintf("%s: new rate %.2f msg/s; within 20%% after %.0f s%s", c, newRate, v, end)
		g.met = ptr(v <= 60)
		return g
	}
	g.measured = "no learned-rate gauge on wasmta's /metrics (engine before issue 11)"
	return g
}
