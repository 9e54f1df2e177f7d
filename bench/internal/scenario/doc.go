// Package scenario holds the benchmark scenarios of issue 6 — relay
// throughput, latency, policy cost, backlog, spool and provider mix — each
// run against wasmta, a private Postfix and, where it applies, the
// physical limit of the load tools (smtp-source straight into smtp-sink).
//
// A scenario starts every process it needs under the run's temporary
// directory, bounds every load in count and time, repeats each figure
// Env.Repeats times, and returns a result.Scenario. It stops what it
// started before it returns, also on error or cancellation. It never
// writes the report (package report does) and never listens beyond
// loopback.
package scenario
