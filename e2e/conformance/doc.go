// Package conformance builds the reference policy in every language wasmta
// supports (Go, Rust, C, AssemblyScript, hand-written WAT) from source and
// holds the tests that prove the builds interchangeable: each passes the
// conformance suite (testdata/conformance/cases.toml) through
// hostabi/policytest, all make identical decisions on the suite and on
// generated inputs, a panic or abort in each language faults the call and
// falls back to the default decision, and each runs a tenant's mail end to
// end in a real engine. The benchmarks measure module size, load time and
// nanoseconds per hook call per language, against native Go.
//
// It owns Build (compile one language's policy, cached by source hash under
// os.TempDir()) and the toolchain checks behind it; a missing toolchain is a
// *MissingToolError carrying the command that installs it. Build outputs
// never go into the repository. Nothing here is used by the MTA.
package conformance
