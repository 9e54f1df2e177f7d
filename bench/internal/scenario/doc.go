// Package scenario holds the benchmark scenarios of issue 6 — relay
// throughput, latency, policy cost, backlog, spool and provider mix — each
// run against wasmta, a private Postfix and, where it applies, the
// physical limit of the load tools (smtp-source straight into smtp-sink),
// and issue 11's blind provider mix: providers whose limits are drawn at
// random per run (seeded, Env.Seed), which wasmta meets with its shipped
// presets and Postfix with the drawn limits as its concurrency.
//
// A scenario starts every process it needs under the run's temporary
// directory, bounds every load in count and time, repeats each figure
// Env.Repeats times (the blind mix runs once: a repeat would be another
// world), and returns a result.Scenario. It stops what it
// started before it returns, also on error or cancellation. It never
// writes the report (package report does) and never listens beyond
// loopback.
package scenario
