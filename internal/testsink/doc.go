// Package testsink runs a real SMTP server on loopback for tests: the far
// end that delivery talks to. It is built on the go-smtp server, so it speaks
// ESMTP with PIPELINING, 8BITMIME, CHUNKING, ENHANCEDSTATUSCODES and,
// optionally, STARTTLS with a self-signed certificate, SMTPUTF8, SIZE and AUTH
// PLAIN.
//
// It owns the programmable replies (Options.Respond), the injected latency
// (Options.Delay), and the record of what it accepted: every message with its
// envelope and exact bytes, and counters per client IP and of socket reads
// (so a test can see pipelining). It never relays, never stores anything on
// disk and never listens outside loopback unless a test gives it an address.
package testsink
