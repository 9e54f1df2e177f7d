// Package testdns runs a real DNS server on 127.0.0.1 for tests: UDP and TCP
// on one random port, answering from records a test sets and changes while
// the server runs.
//
// It owns only the test server: the zone a test programs, forced response
// codes, stalled names, names answered as DNSSEC-validated (the AD bit) and
// per-(name, type) query counters so that a test can
// prove a cache worked. It never recurses, never forwards, never listens on
// anything but loopback and never outlives the test that started it.
package testdns
