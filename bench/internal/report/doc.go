// Package report turns a benchmark result file into docs/benchmarks.md
// (a table per scenario with the command, the machine, the date, the
// commit, the load average, each figure as median and range) and the PNG
// charts it shows (docs/bench/*.png, drawn with gonum.org/v1/plot).
//
// It owns the presentation only: it never measures and never changes a
// figure; the same JSON always gives the same report.
package report
