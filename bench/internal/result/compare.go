package result

import (
	"fmt"
	"io"
	"math"
	"sort"
	"strings"
)

// Change is one figure present in both runs.
type Change struct {
	Key        string  // scenario / system / case / metric
	Unit       string  //
	Old, New   float64 // medians
	Pct        float64 // (new-old)/old in percent
	Regression bool    // worse than the threshold in the metric's direction
	Overlap    bool    // the two runs' ranges overlap (the change may be noise)
}

// Comparison is the outcome of Compare.
type Comparison struct {
	Changes []Change
	OnlyOld []string // figures the new run lacks
	OnlyNew []string
}

// Regressions counts the changes flagged as regressions.
func (c *Comparison) Regressions() int {
	n := 0
	for _, ch := range c.Changes {
		if ch.Regression {
			n++
		}
	}
	return n
}

// Compare matches the figures of two runs by key and flags every one that
// got worse by more than thresholdPct percent in its metric's direction.
// Figures without a direction are listed but never flagged.
func Compare(old, cur *File, thresholdPct float64) *Comparison {
	om, nm := index(old), index(cur)
	c := &Comparison{}
	for k, o := range om {
		n, ok := nm[k]
		if !ok {
			c.OnlyOld = append(c.OnlyOld, k)
			continue
		}
		c.Changes = append(c.Changes, change(k, o, n, thresholdPct))
	}
	for k := range nm {
		if _, ok := om[k]; !ok {
			c.OnlyNew = append(c.OnlyNew, k)
		}
	}
	sort.Slice(c.Changes, func(i, j int) bool { return c.Changes[i].Key < c.Changes[j].Key })
	sort.Strings(c.OnlyOld)
	sort.Strings(c.OnlyNew)
	return c
}

func change(k string, o, n *Metric, thresholdPct float64) Change {
	ch := Change{Key: k, Unit: n.Unit, Old: o.Median, New: n.Median,
		Overlap: o.Min <= n.Max && n.Min <= o.Max}
	switch {
	case o.Median != 0:
		ch.Pct = (n.Median - o.Median) / math.Abs(o.Median) * 100
	case n.Median != 0:
		ch.Pct = math.Inf(1)
	}
	switch n.Better {
	case Higher:
		ch.Regression = ch.Pct < -thresholdPct
	case Lower:
		ch.Regression = ch.Pct > thresholdPct
	}
	return ch
}

func index(f *File) map[string]*Metric {
	m := map[string]*Metric{}
	for _, s := range f.Scenarios {
		name := s.Name
		if name == "blind" {
			// Each blind run is its own world: only the same seed compares.
			name = s.Title
		}
		for _, r := range s.Rows {
			for _, mt := range r.Metrics {
				m[strings.Join([]string{name, r.System, r.Case, mt.Name}, " / ")] = mt
			}
		}
	}
	return m
}

// Print writes the comparison as a table, regressions marked.
func (c *Comparison) Print(w io.Writer, oldName, newName string, thresholdPct float64) {
	fmt.Fprintf(w, "comparing %s (old) with %s (new); regression = worse by more than %.0f%%\n\n", oldName, newName, thresholdPct)
	for _, ch := range c.Changes {
		mark := "  "
		if ch.Regression {
			mark = "!!"
		}
		note := ""
		if ch.Regression && ch.Overlap {
			note = "  (ranges overlap: may be noise)"
		}
		fmt.Fprintf(w, "%s %-70s %12.4g → %-12.4g %-8s %+7.1f%%%s\n", mark, ch.Key, ch.Old, ch.New, ch.Unit, ch.Pct, note)
	}
	for _, k := range c.OnlyOld {
		fmt.Fprintf(w, "   only in old: %s\n", k)
	}
	for _, k := range c.OnlyNew {
		fmt.Fprintf(w, "   only in new: %s\n", k)
	}
	fmt.Fprintf(w, "\n%d regression(s) among %d figures compared\n", c.Regressions(), len(c.Changes))
}
