// Package gobench parses the output of `go test -bench` (the standard
// benchmark format: "BenchmarkName-P  N  value unit  value unit ..."), so
// that Go benchmarks — the spool's synced writes, the policy hook calls —
// become figures of the benchmark report.
//
// It owns the parsing only; it never runs go test.
package gobench
