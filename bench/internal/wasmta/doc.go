// Package wasmta runs the wasmta binary under test for the benchmark: it
// renders a configuration from wasmta.toml.tmpl (a spool in the run's
// temporary directory, SMTP on a free loopback port, delivery to the
// benchmark's sink by a static route or by MX through the benchmark's DNS,
// an optional global policy), starts `wasmta serve`, measures how long it
// takes to become ready, and stops it.
//
// It owns that process only; it never changes wasmta's code or its
// configuration format, and never listens beyond loopback.
package wasmta
