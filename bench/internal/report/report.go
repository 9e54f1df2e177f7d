package report

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/wasmta/wasmta/bench/internal/result"
)

// Write renders outDir/benchmarks.md and outDir/bench/*.png from f.
// jsonName is the results file's name in outDir/bench, linked from the
// page.
func Write(f *result.File, outDir, jsonName string) error {
	charts := filepath.Join(outDir, "bench")
	if err := os.MkdirAll(charts, 0o755); err != nil {
		return fmt.Errorf("report: %w", err)
	}
	var b strings.Builder
	header(&b, f, jsonName)
	goals(&b, f)
	blindGoals(&b, f)
	signedGoals(&b, f)
	observations(&b, f)
	b.WriteString(howItRuns)
	for i, s := range f.Scenarios {
		if err := section(&b, i+1, s, f.Commit, charts); err != nil {
			return err
		}
	}
	b.WriteString(postfixSettings)
	fmt.Fprintf(&b, comparing, jsonName)
	p := filepath.Join(outDir, "benchmarks.md")
	if err := os.WriteFile(p, []byte(b.String()), 0o644); err != nil {
		return fmt.Errorf("report: write %s: %w", p, err)
	}
	return nil
}

func header(b *strings.Builder, f *result.File, jsonName string) {
	b.WriteString("# Benchmarks\n\n")
	b.WriteString("<!-- Written by wasmta-bench (bench/cmd/wasmta-bench) from the results file below; do not edit by hand. -->\n\n")
	kind := "`make bench`"
	if f.Quick {
		kind = "`make bench-quick` (reduced form: smaller loads, one run per figure)"
	}
	dirty := ""
	if f.Dirty {
		dirty = " (the working tree had uncommitted changes in other packages)"
	}
	fmt.Fprintf(b, "Measured with %s on %s, commit `%s`%s, in %s. Raw results: [`bench/%s`](bench/%s).\n\n",
		kind, f.Date.Format("2006-01-02 15:04 MST"), f.Commit, dirty, (time.Duration(f.Duration) * time.Second).Round(time.Second), jsonName, jsonName)
	if f.Repeats > 1 {
		fmt.Fprintf(b, "Each figure is the **median of %d runs**, with the range (min–max) in parentheses. ", f.Repeats)
	} else {
		b.WriteString("Each figure is **one run** (no median, no range). ")
	}
	b.WriteString("Loopback only; every process the suite starts is stopped at the end.\n\n")
	b.WriteString("> **Noise.** This machine was shared with other engineers' builds and tests while it ran (see the load average recorded at the start of each scenario; ")
	fmt.Fprintf(b, "the machine has %d CPUs). The ratios measured side by side in one run mean more than the absolute figures.\n\n", f.Machine.CPUs)
	for _, a := range f.Added {
		fmt.Fprintf(b, "Added later to this page (sections that give their own commit and date): %s.\n\n", a)
	}
	b.WriteString("| machine | |\n|---|---|\n")
	fmt.Fprintf(b, "| CPU | %s |\n| cores (nproc) | %d |\n| memory | %.1f GiB |\n| kernel | %s |\n| Go | %s |\n| Postfix | %s |\n| command | `%s` |\n\n",
		f.Machine.CPUModel, f.Machine.CPUs, float64(f.Machine.MemTotal)/(1<<30), f.Machine.Kernel, f.Machine.GoVer, orNone(f.Postfix), f.Command)
}

// observations writes the notes added to the results by hand (wasmta-bench
// report --notes), which belong to this run only.
func observations(b *strings.Builder, f *result.File) {
	if len(f.Notes) == 0 {
		return
	}
	b.WriteString("## Observations on this run\n\n")
	for _, n := range f.Notes {
		b.WriteString(n + "\n")
	}
	b.WriteString("\n")
}

func orNone(s string) string {
	if s == "" {
		return "not installed"
	}
	return s
}

// section writes one scenario: its command, load, notes, table, charts.
func section(b *strings.Builder, n int, s *result.Scenario, commit, chartDir string) error {
	fmt.Fprintf(b, "## %d. %s\n\n", n, s.Title)
	if s.Skipped != "" {
		fmt.Fprintf(b, "Not measured in this run: %s.\n\n", s.Skipped)
		return nil
	}
	if s.Commit != "" && s.Commit != commit {
		fmt.Fprintf(b, "Measured on %s, commit `%s` (not with the rest of this page). ", s.Date.Format("2006-01-02 15:04 MST"), s.Commit)
	}
	fmt.Fprintf(b, "Load average at the start: %.2f / %.2f / %.2f (1 / 5 / 15 min); took %.0f s.\n\n", s.LoadAvg[0], s.LoadAvg[1], s.LoadAvg[2], s.Seconds)
	if len(s.Command) > 0 {
		b.WriteString("```sh\n" + strings.Join(s.Command, "\n") + "\n```\n\n")
	}
	table(b, s)
	imgs, err := charts(s, chartDir)
	if err != nil {
		return err
	}
	for _, img := range imgs {
		fmt.Fprintf(b, "![%s](bench/%s)\n\n", s.Title, img)
	}
	for _, note := range s.Notes {
		fmt.Fprintf(b, "- %s\n", note)
	}
	b.WriteString("\n")
	return nil
}

// table writes the scenario's rows, grouped by case, one column per
// metric; rows with different sets of metrics go to separate tables.
func table(b *strings.Builder, s *result.Scenario) {
	var sigs []string
	bySig := map[string][]*result.Row{}
	for _, r := range s.Rows {
		var names []string
		for _, m := range r.Metrics {
			names = append(names, m.Name)
		}
		sig := strings.Join(names, ",")
		if _, ok := bySig[sig]; !ok {
			sigs = append(sigs, sig)
		}
		bySig[sig] = append(bySig[sig], r)
	}
	for _, sig := range sigs {
		rowsTable(b, bySig[sig])
	}
}

// rowsTable writes rows that share their metrics as one table.
func rowsTable(b *strings.Builder, rows []*result.Row) {
	var cols []*result.Metric
	for _, m := range rows[0].Metrics {
		if !strings.HasSuffix(m.Name, maxSuffix) { // shown in its percentile's cell
			cols = append(cols, m)
		}
	}
	if len(cols) == 0 {
		return
	}
	b.WriteString("| case | system |")
	for _, c := range cols {
		fmt.Fprintf(b, " %s |", label(c))
	}
	b.WriteString("\n|---|---|" + strings.Repeat("---:|", len(cols)) + "\n")
	for _, cas := range cases(&result.Scenario{Rows: rows}) {
		for _, r := range rows {
			if r.Case != cas {
				continue
			}
			fmt.Fprintf(b, "| %s | %s |", cas, r.System)
			for _, c := range cols {
				fmt.Fprintf(b, " %s |", rowCell(r, c.Name))
			}
			b.WriteString("\n")
		}
	}
	b.WriteString("\n")
}

// cases returns the scenario's cases in order of first appearance.
func cases(s *result.Scenario) []string {
	var out []string
	seen := map[string]bool{}
	for _, r := range s.Rows {
		if !seen[r.Case] {
			seen[r.Case] = true
			out = append(out, r.Case)
		}
	}
	return out
}

var labels = map[string]string{
	"accepted_per_s":      "accepted msg/s",
	"delivered_per_s":     "delivered msg/s",
	"cpu_s_per_1000":      "CPU s / 1000 msg",
	"peak_mem_mib":        "peak memory MiB",
	"rate":                "offered msg/s",
	"p50_ms":              "p50 ms",
	"p99_ms":              "p99 ms",
	"p999_ms":             "p99.9 ms",
	"mean_ms":             "mean ms",
	"submit_p99_ms":       "submit p99 ms",
	"not_arrived":         "not arrived",
	"cpu_us_per_msg":      "extra CPU µs / msg",
	"cpu_pct":             "extra CPU %",
	"ci_low_us":           "median's CI low µs",
	"ci_high_us":          "median's CI high µs",
	"ci_high_pct":         "CI high, % of built-in",
	"ci_conf_pct":         "CI confidence %",
	"ns_per_call":         "ns / call",
	"msgs_per_s":          "msg/s",
	"puts_per_sync":       "puts / fsync",
	"ns_per_op":           "ns / op",
	"messages":            "messages",
	"rss_mib":             "RSS MiB",
	"peak_rss_mib":        "peak RSS MiB",
	"spool_mib":           "spool MiB (du)",
	"spool_bytes_per_msg": "spool bytes / msg",
	"ready_s":             "start → ready s",
	"rebuild_s":           "queue rebuild s",
	"stop_s":              "stop s",
	"drained":             "drained",
	"drain_per_s":         "drain msg/s",
	"queue_avg_s":         "avg queue s",
	"queue_p99_s":         "p99 queue s",
	"throttled":           "throttling replies",
	"delivered":           "delivered",
	"queue_avg_all_s":     "avg queue s, all",
	"queue_p99_all_s":     "p99 queue s, all",
	"burst_avg_s":         "avg from burst s",
	"burst_p99_s":         "p99 from burst s",
	"submitted_s":         "submitted by s",
	"tail_end_s":          "observed until s",
	"tail_cap_s":          "observed at most s",
	"tail_delivered":      "delivered, observed",
	"tail_queue_avg_s":    "avg queue s, observed",
	"tail_queue_p99_s":    "p99 queue s, observed",
	"tail_burst_avg_s":    "avg from burst s, observed",
	"tail_burst_p99_s":    "p99 from burst s, observed",
	"tail_throttled":      "throttling replies, observed",
	"conns_refused":       "refused at greeting",
	"conns_peak":          "conns peak",
	"not_delivered":       "not delivered",
	"temp_failures":       "temp failures",
	"preset_conns":        "preset conns",
	"drawn_conns":         "drawn conns",
	"preset_rate":         "preset msg/s",
	"drawn_rate":          "drawn msg/s",
	"halved_conns":        "halved conns",
	"halved_rate":         "halved msg/s",
	"load":                "messages sent",
	"configured_conns":    "configured conns",
	"learned_conns":       "learned conns",
	"configured_rate":     "configured msg/s",
	"learned_rate":        "learned msg/s",
	"configured_per_conn": "configured msgs/conn",
	"learned_per_conn":    "learned msgs/conn",
	"conns_opened":        "sessions opened",
	"halving_to_20pct_s":  "halving → within 20% s",
}

func label(m *result.Metric) string {
	if l, ok := labels[m.Name]; ok {
		return l
	}
	return strings.ReplaceAll(m.Name, "_", " ") + " (" + m.Unit + ")"
}

// maxSuffix ends the name of a censored percentile's upper bound: the
// percentile name_s is a lower bound, name_max_s the most it can be (-1:
// none, the percentile is only known to be greater than name_s).
const maxSuffix = "_max_s"

// rowCell is the cell of metric name in r: a censored percentile with its
// bounds (censored), anything else as cell.
func rowCell(r *result.Row, name string) string {
	m := r.Metric(name)
	hi := r.Metric(strings.TrimSuffix(name, "_s") + maxSuffix)
	if m == nil || hi == nil || len(m.Runs) != 1 {
		return cell(m)
	}
	return censored(m.Median, hi.Median)
}

// censored formats a censored percentile: known (lo), between two
// bounds, or only greater than lo.
func censored(lo, hi float64) string {
	switch {
	case hi < 0:
		return "> " + num(lo)
	case hi > lo:
		return num(lo) + " to " + num(hi)
	}
	return num(lo)
}

func cell(m *result.Metric) string {
	if m == nil || len(m.Runs) == 0 {
		return "–"
	}
	s := num(m.Median)
	if len(m.Runs) > 1 && m.Min != m.Max {
		s += " (" + num(m.Min) + "–" + num(m.Max) + ")"
	}
	return s
}

// num formats with about three significant digits.
func num(v float64) string {
	a := math.Abs(v)
	switch {
	case a >= 100 || v == math.Trunc(v) && a < 1e15:
		return fmt.Sprintf("%.0f", v)
	case a >= 10:
		return fmt.Sprintf("%.1f", v)
	case a >= 1:
		return fmt.Sprintf("%.2f", v)
	default:
		return fmt.Sprintf("%.3g", v)
	}
}
