package adaptive

import (
	"fmt"
	"image/color"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// writeChart draws a simulation: the provider's limit, the learned rate,
// and a tick at each second with a throttled message.
func writeChart(path string, out []sample) error {
	p := plot.New()
	p.Title.Text = "AIMD: learned rate against a provider's limit (preset 20/s)"
	p.X.Label.Text = "seconds"
	p.Y.Label.Text = "messages per second"
	p.Y.Min = 0
	var limit, learned, throttles plotter.XYs
	lastSec := -1
	for i, s := range out {
		if i%4 != 0 && !s.throttled { // 0.2 s resolution keeps the file small
			continue
		}
		limit = append(limit, plotter.XY{X: s.t, Y: s.limit})
		learned = append(learned, plotter.XY{X: s.t, Y: s.learned})
		if s.throttled && int(s.t) != lastSec {
			throttles = append(throttles, plotter.XY{X: s.t, Y: 1})
			lastSec = int(s.t)
		}
	}
	ll, err := plotter.NewLine(limit)
	if err != nil {
		return fmt.Errorf("chart: %w", err)
	}
	ll.Dashes = []vg.Length{vg.Points(6), vg.Points(4)}
	ll.Color = color.Gray{Y: 90}
	ln, err := plotter.NewLine(learned)
	if err != nil {
		return fmt.Errorf("chart: %w", err)
	}
	ln.Color = color.RGBA{R: 31, G: 119, B: 180, A: 255}
	ln.Width = vg.Points(1.5)
	sc, err := plotter.NewScatter(throttles)
	if err != nil {
		return fmt.Errorf("chart: %w", err)
	}
	sc.GlyphStyle.Shape = draw.PyramidGlyph{}
	sc.GlyphStyle.Color = color.RGBA{R: 214, G: 39, B: 40, A: 255}
	p.Add(plotter.NewGrid(), ll, ln, sc)
	p.Legend.Add("provider's limit (halved at 150 s)", ll)
	p.Legend.Add("learned rate", ln)
	p.Legend.Add("a second with a throttling reply", sc)
	p.Y.Max = 1.5 * limit[0].Y // room for the legend
	p.Legend.Top = true
	p.Legend.Left = true
	p.BackgroundColor = color.White
	if err := p.Save(8*vg.Inch, 4*vg.Inch, path); err != nil {
		return fmt.Errorf("chart: save %s: %w", path, err)
	}
	return nil
}
