// Package suppress keeps each tenant's suppression list: the recipients a
// tenant must not mail any more (a hard bounce, a complaint, an operator's
// decision, an unsubscribe), durable in the spool (Pebble), with the
// record that caused each entry, when it was added and an optional
// expiry.
//
// One million entries per tenant must cost little memory and a lookup
// far less than an SMTP command: entries live in Pebble only (namespace
// "suppress", key TENANT NUL lowercased-address), and memory holds a Bloom
// filter of them (10 bits and 7 probes per entry, about 1% false
// positives, 1.2 MB per million), so the common case, a recipient that is
// not suppressed, is answered without touching Pebble; a filter hit is
// confirmed by one Pebble read. Removed entries stay in the filter (it
// cannot forget) and cost a Pebble read until the filter is rebuilt at
// the next start.
//
// Addresses are compared case-insensitively: a list errs on the side of
// not mailing.
//
// It never decides what to suppress (the inbound processor and the admin
// API do) and never answers SMTP (the engine's RCPT gate does).
package suppress
