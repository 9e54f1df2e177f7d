// Package sink is the benchmark's receiving end: a lean SMTP server on
// loopback that reads each message and throws it away, counting messages,
// recipients and connections, the arrivals in each 100 ms, and — for
// messages that carry an "X-Bench-ID: N" header — the moment message N
// arrived, so the latency scenario can subtract its accept time with the
// same clock.
//
// It is written for speed rather than conformance (no go-smtp server: one
// goroutine, one buffered reader and writer per connection, PIPELINING
// answered in batches), so that the sink costs less CPU than the MTA it
// measures. It can also answer 451 to every RCPT (a destination that
// defers), accept connections and never greet, or greet and never answer
// MAIL (destinations that stall, to hold delivery while a backlog builds).
//
// It never stores a message, never relays, and listens only where it is
// told (the harness gives it 127.0.0.1:0).
package sink
