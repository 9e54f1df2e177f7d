// Package delivery is the SMTP client that delivery workers use: one
// Session per connection, reused for many transactions.
//
// It owns the wire protocol towards the next hop: connecting from a chosen
// source address, the banner, EHLO (HELO when refused), STARTTLS as the TLS
// mode of the egress path says, AUTH PLAIN to smart hosts, and transactions
// of MAIL, RCPT and DATA or BDAT, pipelined when the server allows. It turns
// every reply into a message.Response, per recipient, and every failure into
// an *Error that names the stage and says whether the message may have been
// delivered. It never queues, retries, chooses hosts or classifies replies:
// the egress workers and the policy do that.
//
// # Why not the go-smtp client
//
// github.com/emersion/go-smtp (v0.25.1) has a good client, but it runs each
// command in lock step: Mail, Rcpt and Data each write one command and wait
// for its reply. There is no way to write MAIL, every RCPT and DATA (or BDAT
// with the body) before reading, so a message costs 3 + recipients round
// trips instead of one (BDAT) or two (DATA). Delivery is the hottest path of
// the MTA — thousands of messages per second on two cores — so this package
// has a lean client of its own on bufio:
//
//   - with PIPELINING and CHUNKING, a message is one write and one read
//     batch: MAIL, RCPTs, "BDAT n LAST" and the body leave together
//     (RFC 2920, RFC 3030); with PIPELINING only, DATA joins the envelope
//     batch and the body follows the 354;
//   - commands and the body are written into one buffered writer (no
//     per-command allocation), the body is dot-stuffed and its line endings
//     made CRLF in a single pass that copies only where it must;
//   - replies are parsed in place with enhanced status codes, and their
//     texts interned per session, so a steady stream of "250 2.0.0 Ok"
//     allocates nothing.
//
// # Wire rules
//
// Bodies come from the spool with CRLF endings; any bare LF or bare CR is
// sent as CRLF (a bare CR could otherwise end a line at a lenient receiver
// and smuggle a second message), a missing final CRLF is added, and lines
// starting with "." are stuffed for DATA. Addresses with control characters
// or angle brackets are refused locally and never reach the wire. SIZE,
// BODY=8BITMIME and SMTPUTF8 are added when offered and needed; a message
// larger than the announced SIZE, or a non-ASCII address for a server
// without SMTPUTF8, is refused locally with the code the server would use.
//
// STARTTLS modes follow policy.TLSMode. Opportunistic and required modes do
// not verify certificates (an MX certificate proves nothing without DANE or
// MTA-STS); required-verify checks it against the host name. Data the server
// sends after its STARTTLS 220 and before the handshake is refused as an
// injection attempt.
package delivery
