package report

import (
	"path/filepath"
	"strconv"
	"strings"

	"gonum.org/v1/plot/plotter"

	"github.com/wasmta/wasmta/bench/internal/result"
)

// System names as the scenarios write them (kept in step with package
// scenario; a name that does not match only leaves a bar out).
const (
	sysWasmta  = "wasmta"
	sysPostfix = "postfix"
	sysLimit   = "limit: smtp-source → smtp-sink"
	sysLimitD  = "limit: smtp-source -d → smtp-sink"
)

// charts draws the scenario's charts and returns their file names.
func charts(s *result.Scenario, dir string) ([]string, error) {
	switch s.Name {
	case "relay":
		return relayCharts(s, dir)
	case "latency":
		return latencyChart(s, dir)
	case "spool":
		return spoolChart(s, dir)
	case "providers":
		return providerCharts(s, dir)
	case "curves":
		return curveCharts(s, dir)
	}
	return nil, nil
}

// median returns the median of a row's metric, 0 when absent.
func median(s *result.Scenario, sys, cas, metric string) float64 {
	r := s.Find(sys, cas)
	if r == nil {
		return 0
	}
	if m := r.Metric(metric); m != nil {
		return m.Median
	}
	return 0
}

func relayCharts(s *result.Scenario, dir string) ([]string, error) {
	cs := cases(s)
	pick := func(sys, metric string) []float64 {
		v := make([]float64, len(cs))
		for i, c := range cs {
			v[i] = median(s, sys, c, metric)
		}
		return v
	}
	thr := []series{
		{"wasmta (delivered)", pick(sysWasmta, "delivered_per_s")},
		{"Postfix (delivered)", pick(sysPostfix, "delivered_per_s")},
		{"smtp-source → smtp-sink", pick(sysLimit, "accepted_per_s")},
		{"smtp-source -d → smtp-sink", pick(sysLimitD, "accepted_per_s")},
	}
	if err := barChart(filepath.Join(dir, "relay-throughput.png"), "Relay throughput (20 sessions)", "messages / s", cs, thr); err != nil {
		return nil, err
	}
	cpu := []series{
		{"wasmta", pick(sysWasmta, "cpu_s_per_1000")},
		{"Postfix", pick(sysPostfix, "cpu_s_per_1000")},
	}
	if err := barChart(filepath.Join(dir, "relay-cpu.png"), "CPU per 1,000 messages relayed", "CPU seconds", cs, cpu); err != nil {
		return nil, err
	}
	return []string{"relay-throughput.png", "relay-cpu.png"}, nil
}

func latencyChart(s *result.Scenario, dir string) ([]string, error) {
	var ls []line
	for i, sys := range []string{sysWasmta, sysPostfix} {
		for _, p := range []struct {
			metric, name string
			dashed       bool
		}{{"p99_ms", " p99", false}, {"p50_ms", " p50", true}} {
			var xy plotter.XYs
			for _, c := range cases(s) {
				pct, err := strconv.Atoi(strings.TrimSuffix(strings.Fields(c)[0], "%"))
				if err != nil || s.Find(sys, c) == nil {
					continue
				}
				// Log scale: a zero would vanish, so it is drawn at 0.01 ms.
				xy = append(xy, plotter.XY{X: float64(pct), Y: max(median(s, sys, c, p.metric), 0.01)})
			}
			ls = append(ls, line{Name: sys + p.name, XY: xy, Dashed: p.dashed, Color: i})
		}
	}
	name := "latency.png"
	err := lineChart(filepath.Join(dir, name), "MTA-added latency (accept → handoff at the sink)", "load, % of the MTA's own maximum", "ms (log scale)", ls, true)
	return []string{name}, err
}

func spoolChart(s *result.Scenario, dir string) ([]string, error) {
	var ls []line
	for i, r := range []string{"spool.Put (group commit)", "raw Pebble: Apply(batch, Sync)"} {
		var xy plotter.XYs
		for _, c := range cases(s) {
			w, err := strconv.Atoi(strings.TrimPrefix(c, "writers="))
			if err != nil || s.Find(r, c) == nil {
				continue
			}
			xy = append(xy, plotter.XY{X: float64(w), Y: median(s, r, c, "msgs_per_s")})
		}
		ls = append(ls, line{Name: r, XY: xy, Color: i})
	}
	name := "spool.png"
	err := lineChart(filepath.Join(dir, name), "Synced 4 KiB writes", "concurrent writers", "messages / s", ls, false)
	return []string{name}, err
}

func providerCharts(s *result.Scenario, dir string) ([]string, error) {
	cs := cases(s)
	pick := func(sys, metric string) []float64 {
		v := make([]float64, len(cs))
		for i, c := range cs {
			v[i] = median(s, sys, c, metric)
		}
		return v
	}
	q := []series{{"wasmta", pick(sysWasmta, "queue_avg_s")}, {"Postfix", pick(sysPostfix, "queue_avg_s")}}
	if err := barChart(filepath.Join(dir, "providers-queue.png"), "Average queue time per provider", "seconds", cs, q); err != nil {
		return nil, err
	}
	t := []series{{"wasmta", pick(sysWasmta, "throttled")}, {"Postfix", pick(sysPostfix, "throttled")}}
	if err := barChart(filepath.Join(dir, "providers-throttled.png"), "Throttling responses provoked", "responses", cs, t); err != nil {
		return nil, err
	}
	return []string{"providers-queue.png", "providers-throttled.png"}, nil
}
