package report

import (
	"fmt"
	"image/color"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"
)

// series is one named set of values, one per category.
type series struct {
	Name   string
	Values []float64
}

// barChart draws grouped bars: one group per category, one bar per series.
func barChart(path, title, ylabel string, categories []string, ss []series) error {
	p := plot.New()
	p.Title.Text = title
	p.Y.Label.Text = ylabel
	p.Y.Min = 0
	w := vg.Points(float64(min(18, 90/max(len(ss), 1))))
	for i, s := range ss {
		b, err := plotter.NewBarChart(plotter.Values(s.Values), w)
		if err != nil {
			return fmt.Errorf("report: %s: %w", path, err)
		}
		b.LineStyle.Width = 0
		b.Color = plotutil.Color(i)
		b.Offset = w * vg.Length(float64(i)-float64(len(ss)-1)/2)
		p.Add(b)
		p.Legend.Add(s.Name, b)
	}
	// Headroom above the tallest bar for the legend.
	top := 0.0
	for _, s := range ss {
		for _, v := range s.Values {
			top = max(top, v)
		}
	}
	if top > 0 {
		p.Y.Max = top * (1.15 + 0.07*float64(len(ss)))
	}
	p.Legend.Top = true
	p.NominalX(categories...)
	p.Add(plotter.NewGrid())
	return save(p, path, len(categories))
}

// line is one named curve.
type line struct {
	Name   string
	XY     plotter.XYs
	Dashed bool
	Color  int
}

// lineChart draws curves with points.
func lineChart(path, title, xlabel, ylabel string, ls []line, logY bool) error {
	return lineChartScales(path, title, xlabel, ylabel, ls, false, logY)
}

// lineChartScales is lineChart with either axis on a log scale (its
// values must then be positive).
func lineChartScales(path, title, xlabel, ylabel string, ls []line, logX, logY bool) error {
	p := plot.New()
	p.Title.Text = title
	p.X.Label.Text = xlabel
	p.Y.Label.Text = ylabel
	if logX {
		p.X.Scale = plot.LogScale{}
		p.X.Tick.Marker = plot.LogTicks{Prec: -1}
	}
	if logY {
		p.Y.Scale = plot.LogScale{}
		p.Y.Tick.Marker = plot.LogTicks{Prec: -1}
	}
	for _, l := range ls {
		if len(l.XY) == 0 {
			continue
		}
		ln, pts, err := plotter.NewLinePoints(l.XY)
		if err != nil {
			return fmt.Errorf("report: %s: %w", path, err)
		}
		ln.Color = plotutil.Color(l.Color)
		pts.Color = ln.Color
		if l.Dashed {
			ln.Dashes = []vg.Length{vg.Points(4), vg.Points(3)}
		}
		p.Add(ln, pts)
		p.Legend.Add(l.Name, ln, pts)
	}
	p.Legend.Top = true
	p.Legend.Left = true
	p.Add(plotter.NewGrid())
	return save(p, path, 4)
}

func save(p *plot.Plot, path string, categories int) error {
	p.BackgroundColor = color.White
	width := vg.Length(max(6, 1.4*float64(categories))) * vg.Inch
	if err := p.Save(width, 4*vg.Inch, path); err != nil {
		return fmt.Errorf("report: save %s: %w", path, err)
	}
	return nil
}
