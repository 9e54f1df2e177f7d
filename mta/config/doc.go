// Package config owns wasmta's configuration: the TOML schema, its embedded
// defaults, and the validation that turns a file into typed values
// (time.Duration, byte counts, netip addresses and prefixes, policy.TLSMode).
//
// Every key is optional. Unknown keys and invalid values are errors that name
// the key path and the problem, and Parse reports every problem of a file at
// once, so an operator fixes a file in one pass. After Parse or Load succeeds
// the engine never parses a configuration string again.
//
// The package never opens a listener, a spool or a policy module, and never
// reads a file other than the configuration itself and (in Load) a check that
// the files it names exist: the engine loads those.
package config
