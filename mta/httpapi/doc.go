// Package httpapi is wasmta's HTTP injection API: POST /v1/messages takes a
// JSON request (envelope sender, recipients with names, substitutions and
// metadata, and either a raw RFC 5322 message or structured content) from a
// tenant authenticated by an API token, and hands the resulting messages
// to a Submitter. docs/http-api.md is the user's reference.
//
// It owns: bearer-token authentication (through Options.Authenticate),
// decoding and checking the request (every problem named by its JSON
// path), the tenant's limits (message size, recipients, messages per
// minute), the reception policy hooks as SMTP reception runs them
// (on_mail_from once, on_rcpt per recipient, on_message per message),
// templating (text/template for the subject and text body, html/template
// for the HTML body, so substituted values are escaped), grouping the
// recipients into messages, building structured content through mta/mime,
// the trace field, DKIM signing through Options.Sign, Reception and
// Rejection records, and the answer per recipient.
//
// It never stores anything: the client gets 200 only after Submit returned
// nil for a message, i.e. after the spool synced it. It never delivers and
// never looks up DNS.
//
// # Messages per request
//
// Recipients without substitutions or metadata of their own share one
// message, whose To: field lists them (as an SMTP client writing one
// message to several people would). A recipient with substitutions or
// metadata of its own gets a message of its own, with a To: field naming
// it alone. When content.headers sets To, no To: field is generated, and
// recipients whose rendering and metadata come out identical share one
// message. A raw message is spooled as given (Date and Message-ID added
// when missing), once per distinct metadata.
//
// # Answers
//
//	200  processed; at least one recipient accepted (body: Response)
//	400  bad JSON, unknown or missing field, bad address, template error
//	     (body: ErrorResponse naming each field)
//	401  missing or unknown API token
//	405  not POST
//	413  request body or a built message over the size limit, or the
//	     messages of one request over MaxRequestBytes in all (templating
//	     multiplies a small request by its recipients)
//	422  processed; every recipient refused for good (policy, 5xx); or a
//	     raw message with more Received: fields than the hop limit
//	429  tenant's messages per minute exceeded (Retry-After), or one
//	     request making more messages than a minute's worth
//	503  processed; no recipient accepted and a refusal is temporary: spool
//	     full (452 4.3.1), signing or spool failure (451 4.3.0), policy 4xx;
//	     or the request's data would pass the budget of data in flight
//	     (intake.Budget, shared with SMTP)
//
// The rate takes one token per spooled message, from the tenant's bucket
// in mta/intake, shared with SMTP reception when both hold the same Intake
// (the engine's do). Address syntax, tenant limits, the message record and
// the sanitising of policy header fields are intake's too.
package httpapi
