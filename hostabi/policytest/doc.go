// Package policytest runs a policy module against a file of example inputs
// and expected decisions: the engine of `wasmta policy test FILE.wasm
// CASES` and of the cross-language conformance suite (testdata/conformance).
//
// A case file is TOML (docs/policies.md has the full format): one [[case]]
// per call, naming the hook, its inputs by their ABI key and the result
// keys to check. The runner loads the module through hostabi, calls the
// hook through the mta/policy.Policy interface behind a policy.Guard (so a
// case sees the decision the engine would use, default fallback included),
// compares the listed keys and prints a readable diff per failing case.
//
// It owns the case format, the comparison and BuildGo, which compiles a Go
// policy to wasm (with a cache) for tests and benchmarks. It never runs
// SMTP, touches the spool or persists anything.
package policytest
