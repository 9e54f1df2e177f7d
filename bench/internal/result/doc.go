// Package result is the benchmark's record: the JSON schema of a run
// (machine, commit, date, scenarios, and for every figure the value of
// each repeated run with its median and range), the statistics used on
// it (median, percentiles), and the comparison of two runs that flags
// regressions.
//
// It owns the file format (docs/bench/results-*.json) and its meaning; it
// never measures anything and never renders a report.
package result
