// Package sender is the benchmark's Go SMTP client for the latency
// scenario: it submits messages at a fixed rate (open loop: message i is
// due at start + i/rate whether or not earlier ones are done) over a set
// of persistent connections, numbers each message with an "X-Bench-ID"
// header, and records when the MTA accepted it (its "250" to the end of
// DATA). The sink records when the same message arrived, with the same
// clock, and the difference is the MTA-added latency.
//
// It owns the client side of one run and its timestamps; it never listens
// and never decides what a result means.
package sender
