// Package testunbound runs a real DNSSEC chain of trust on loopback for
// tests: zones signed with ldns-signzone (Debian's ldnsutils), served by
// one unbound process as an authoritative server (auth-zone), and a second
// unbound process that resolves them as a validating resolver, with the
// signed zones' keys as trust anchors and a stub zone per zone pointing at
// the first. Its answers carry the AD bit only when unbound validated them,
// SERVFAIL when a signature does not verify (Zone.Bogus), and no AD for a
// zone outside the chain (an unsigned delegation, Zone.Signed false).
//
// It owns only these throwaway servers: their configuration, keys and
// zone files live in the test's temporary directory, both processes listen
// on random loopback ports, and they are killed when the test ends. It
// never touches the system's unbound configuration or its trust anchors.
// Missing tools fail the test with the command that installs them
// (scripts/install-deps.sh); they are never a reason to skip.
package testunbound
