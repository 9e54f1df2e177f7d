// Package reception is wasmta's SMTP listener (submission and relay), built
// on the github.com/emersion/go-smtp server. It owns the SMTP dialogue up to
// the hand-off of a complete, canonical message to a Submitter: extensions,
// STARTTLS, AUTH PLAIN to tenant, relay control, limits, the on_mail_from /
// on_rcpt / on_message policy hooks, the Received: trace field, DKIM
// signing through Options.Sign, and Reception / Rejection records.
//
// It never stores anything (the Submitter does, and the client gets 250
// only after Submit returned nil, i.e. after the spool synced), never looks
// up DNS, never delivers, and never imports the wasm host: policies arrive
// as a *policy.Guard.
//
// # Extensions
//
// EHLO advertises PIPELINING, 8BITMIME, ENHANCEDSTATUSCODES, CHUNKING
// (BDAT), STARTTLS (until TLS is on), AUTH PLAIN (see below), SMTPUTF8,
// SIZE <max> and LIMITS RCPTMAX=<max>. BINARYMIME, DSN and REQUIRETLS are
// not offered. The trace protocol is ESMTP, ESMTPS, ESMTPA or ESMTPSA (RFC
// 3848; go-smtp does not tell HELO from EHLO, so plain SMTP never shows).
//
// # Relay and AUTH
//
// Every recipient is relayed, so RCPT from a client that is neither
// authenticated nor inside Options.RelayNets gets 554 5.7.1. AUTH PLAIN
// maps a login to a tenant through the Authenticator; bad credentials (or
// an authorization identity other than the login) get 535 5.7.8. With
// AuthRequireTLS, AUTH is neither advertised nor accepted before STARTTLS
// (538 5.7.11) except from loopback clients. AUTH inside a transaction gets
// 503 5.5.1.
//
// # Limits and their replies
//
//	SIZE= over the server limit at MAIL      552 5.3.4 (go-smtp; not recorded)
//	SIZE= over the tenant limit at MAIL      552 5.3.4
//	message data over the limit              552 5.3.4 (rest of DATA discarded)
//	recipients over the server limit         452 4.5.3 (go-smtp; not recorded)
//	recipients over the tenant limit         452 4.5.3
//	tenant messages per minute exceeded      450 4.7.1 at MAIL (Postfix's reply
//	                                         for its message rate limit; the
//	                                         session stays open)
//	connections over MaxConnections          421 4.7.0, then close (before go-smtp);
//	                                         only TrustedNets may take the last
//	                                         ReservedConnections
//	connections per address, per /24 or      421 4.7.0 "...from your address",
//	/64, per address per minute              then close (TrustedNets exempt)
//	SoftErrorLimit errors in a session       each further reply delayed by
//	                                         ErrorDelay times the errors past it
//	HardErrorLimit errors in a session       the reply, then 421 4.7.0, close
//	AuthFailureLimit failed AUTH per         421 4.7.0 at AUTH, close, before
//	address within AuthFailureWindow         any password check
//	more than MaxHops Received: fields       554 5.4.6 (a mail loop)
//	line longer than MaxLineLength           500 5.4.0 "Too long line, closing
//	                                         connection" (go-smtp; closes). Inside
//	                                         DATA the reply to DATA comes first:
//	                                         500 5.5.2 Line too long.
//	a command not complete within            421 4.4.2, then close (go-smtp)
//	CommandTimeout
//	DATA not complete within DataTimeout     421 4.4.2 for DATA, then close
//	plus its bytes / MinDataRate
//	spool full (spool.ErrFull)               452 4.3.1
//	other Submit failure, signing failure    451 4.3.0
//
// Tenant limits can only lower the server-wide ones, which go-smtp enforces
// and advertises. The rate is a token bucket per tenant holding one
// minute's worth of messages, kept by mta/intake and shared with the HTTP
// API; a token is taken at MAIL, once on_mail_from has settled the tenant.
// Address syntax, the message record and the sanitising of policy header
// fields are intake's as well.
//
// Timeouts bound a whole wait, not each read, so a client dripping a byte
// at a time cannot hold a connection: a command line must be complete
// within CommandTimeout of the reply before it (a reply written starts
// the next command's wait; line ends are not looked for in what is read,
// which may be TLS records); a DATA within DataTimeout plus
// one second for every MinDataRate bytes received (Postfix's
// smtpd_min_data_rate), with no pause longer than DataTimeout. When the
// live connections reach StressThreshold percent of MaxConnections, waits
// that start use StressCommandTimeout and StressDataTimeout (Postfix's
// stress mode). After a read timed out, every later read fails too, so
// go-smtp can never read the rest of a message as commands. go-smtp
// answers the part of a command line it had when the read timed out, then
// 421 4.4.2.
//
// Errors count per session (errors.go): refusals, bad addresses, bad
// sequences, failed logins; a policy's refusal of a recipient is not an
// error for an authenticated or trusted client. Rejection records
// are capped per session (RecordsPerSession) and in all
// (RecordsPerSecond); past the caps they are counted and summarised in a
// record with reason "suppressed" (rejections.go).
//
// # Line endings and SMTP smuggling
//
// go-smtp ends DATA only at <CRLF>.<CRLF>; <LF>.<LF>, <CR>.<CR>,
// <LF>.<CRLF>, <CR>.<CRLF>, <CRLF>.<CR>, <CRLF>.<LF> and <CRLF><NUL>.<CRLF>
// are all message content, so one DATA is always one message. What a
// downstream MTA could still take for an end of data is removed before
// spooling, so a message relayed by wasmta cannot smuggle either:
//
//   - Bare LF and bare CR are normalised to CRLF (Postfix 3.9's default,
//     "normalize"; KumoMTA's "Fix"); a run of CRs before an LF counts as one
//     line ending. With Options.RejectBareLineEndings the whole message is
//     refused instead: 550 5.6.0. The spooled body therefore always has CRLF
//     lines, and delivery dot-stuffs every line that starts with a dot.
//   - NUL anywhere in the data: 550 5.6.0 (some MTAs drop NUL, which would
//     turn <CRLF><NUL>.<CRLF> into an end of data).
//
// go-smtp's dot-unstuffing drops the character after a lone dot at the
// start of a line when it is CR or LF ("\r\n.\rX" keeps "\r\nX", "\r\n.\n"
// keeps "\r\n\n"): malformed input only, and it never splits a message.
// BDAT content is taken as sent (no dot-unstuffing) and then gets the same
// checks and normalisation.
//
// # Addresses and malformed commands
//
// go-smtp answers syntax errors (500/501 5.5.x, 502 5.5.1 for DATA before
// RCPT) and closes after its fourth protocol error. Addresses that parse
// but are invalid get 501 5.1.7 (sender) or 501 5.1.3 (recipient): domain
// not LDH labels or an address literal, local part over 64 octets, address
// over 254, control characters. 8-bit addresses without MAIL's SMTPUTF8
// parameter get 553 5.6.7. A quoted local part that needs its quotes is
// kept quoted. A second MAIL inside a transaction gets 503 5.5.1.
//
// # go-smtp v0.25.1 defects worked around here
//
//   - A client closing in the middle of the LAST BDAT chunk would have the
//     short chunk taken as complete (io.Copy ends quietly at EOF): the
//     message is not spooled when the connection saw EOF first.
//   - After QUIT or its too-many-errors close, go-smtp still runs commands
//     it had buffered, and its BDAT goroutine may start after the close;
//     both call a session it has cleared and recover from the panic. These
//     are logged at debug level (a client can cause them at will); any
//     other recovered panic is logged as an error.
//   - Its data reader refuses a message of exactly the server's
//     MaxMessageBytes (552 5.3.4) and, within one 4 KiB read, a message
//     followed by a pipelined command longer than MaxLineLength. The data
//     capture below refuses the first alike, so both paths answer a
//     client the same, and hands go-smtp the end of data in a read of its
//     own, so a long command after it is refused as a command.
//   - Its read deadlines do not apply to message data, and nothing stops
//     it reading on after a timeout: trackedConn owns the deadlines and
//     makes a timeout final.
//   - It cannot end a session from a Session method: at the hard error
//     limit the session writes its replies and closes the connection
//     itself.
//
// # The spooled body
//
// The header section ends at the empty line or at the first line that is
// neither a field nor a continuation (intake.ScanHeader): a message whose
// first line is not a field has no header, and an empty line is put
// between the fields wasmta adds and such a body. Messages from
// authenticated clients and from HeaderFixNets get the Date and
// Message-ID (<id@hostname>) fields they lack.
//
// The body handed to Submit is, in one allocation: the Received: field
// (from helo ([ip]) by hostname (wasmta) with protocol id <message id>
// [for <rcpt> when there is one]; date), the DKIM-Signature fields from
// Options.Sign, the fields on_message added, then the message data with
// CRLF line endings, the campaign header (Options.CampaignHeader,
// default X-Campaign) removed, and a final CRLF when it lacked one.
// Message.Size is len(body). The campaign is on_message's, else
// on_mail_from's, else the header's (1-128 printable ASCII characters).
// The 250 reply names the message id: "250 2.0.0 OK: queued as <id>".
//
// # Cost
//
// Message data is read into one pooled buffer (sized from SIZE= when
// given), checked with a few vectorised scans, and copied once into the
// final body; on_message sees only the header block. The only goroutines
// are go-smtp's, one per connection (plus its BDAT reader).
//
// go-smtp reads DATA a byte at a time through three layers, about a tenth
// of the CPU of relaying a 4 KiB message. When it has nothing buffered at
// DATA (the command came alone in a read, as clients that wait for each
// reply send it), trackedConn reads the data itself with the same
// dot-unstuffing, line length limit and end of data, and hands go-smtp an
// empty message (capture.go; a test sends every case both ways and
// compares). Listen turns TCP keepalive off: it costs four system calls
// per connection, and the timeouts above already bound every wait.
package reception
