package report

import (
	"path/filepath"
	"sort"
	"strings"

	"gonum.org/v1/plot/plotter"

	"github.com/wasmta/wasmta/bench/internal/result"
)

// curveCharts draws, per curve of the curves scenario, throughput and CPU
// per message against the curve's abscissa (the rows' curve_x), wasmta
// and Postfix together.
func curveCharts(s *result.Scenario, dir string) ([]string, error) {
	var files []string
	for _, c := range []struct {
		name, xlabel string
		logX         bool
		rate         string
	}{
		{"size", "message size, bytes (log)", true, "delivered_per_s"},
		{"recipients", "recipients per message (log)", true, "rcpt_per_s"},
		{"sessions", "client sessions (log)", true, "delivered_per_s"},
		{"latency", "destination reply delay, s", false, "delivered_per_s"},
		{"depth", "messages queued (log)", true, "drain_per_s"},
	} {
		for _, m := range []struct{ metric, title, ylabel string }{
			{c.rate, "throughput", strings.ReplaceAll(c.rate, "_per_s", "") + " / s"},
			{"cpu_s_per_1000", "CPU per 1,000 messages", "CPU seconds"},
		} {
			var ls []line
			for i, sys := range []string{sysWasmta, sysPostfix} {
				if xy := curveXY(s, sys, c.name, m.metric); len(xy) > 0 {
					ls = append(ls, line{Name: sys, XY: xy, Color: i})
				}
			}
			if len(ls) == 0 {
				continue
			}
			name := "curve-" + c.name + "-" + strings.SplitN(m.metric, "_", 2)[0] + ".png"
			title := "Curve: " + c.name + ", " + m.title
			if err := lineChartScales(filepath.Join(dir, name), title, c.xlabel, m.ylabel, ls, c.logX, false); err != nil {
				return nil, err
			}
			files = append(files, name)
		}
	}
	return files, nil
}

// curveXY is one system's points of one curve, in abscissa order.
func curveXY(s *result.Scenario, sys, curve, metric string) plotter.XYs {
	var xy plotter.XYs
	for _, r := range s.Rows {
		if r.System != sys || !strings.HasPrefix(r.Case, curve+": ") {
			continue
		}
		x, y := r.Metric("curve_x"), r.Metric(metric)
		if x == nil || y == nil {
			continue
		}
		xy = append(xy, plotter.XY{X: x.Median, Y: y.Median})
	}
	sort.Slice(xy, func(i, j int) bool { return xy[i].X < xy[j].X })
	return xy
}
