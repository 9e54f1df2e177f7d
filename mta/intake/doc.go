// Package intake is the one copy of what every front door of wasmta does
// to mail it takes in, whatever the protocol: SMTP reception
// (mta/reception), the HTTP injection API (mta/httpapi) and any later
// listener (the inbound feedback listener) call it, so that a rule changes
// in one place and a tenant gets its limits once, not once per door.
//
// It owns:
//
//   - address syntax: IsAtext, IsDotString, QuoteLocal, ValidLocal,
//     ValidDomain (RFC 5321 4.1.2 and 4.5.3.1, RFC 6531 U-labels);
//   - a tenant's limits (message size, recipients, messages per minute)
//     under the server-wide ceiling, and ONE token bucket per tenant for
//     the message rate, shared by every door that holds the same *Intake
//     (the engine makes one and hands it to every listener);
//   - the message record: NewMessage builds the spooled message.Message
//     from the envelope and on_message's result, MergeMeta merges
//     metadata;
//   - the sanitiser of policy output: header fields a policy adds are
//     written with a valid name of at most 76 characters and a one-line
//     value of at most 4096 bytes (the ABI's limits), at most
//     MaxAddedHeaders of them;
//   - the header section: ScanHeader finds in one pass where it ends (a
//     first line that is not a field starts the body), its Received:
//     fields (RFC 5321 6.3, for the mail loop check, Loops) and whether
//     Date and Message-ID are there (AppendMissingFields);
//   - the budget of message data in flight across all sessions (Budget).
//
// It never speaks a protocol (replies and status codes stay with each
// door), never stores and never calls a policy: the doors run the hooks
// and hand intake their results.
//
// # Use
//
//	in := intake.New(intake.Options{MaxMessageBytes: 25 << 20, MaxRecipients: 1000,
//		TenantLimits: lookup})
//	lim := in.Limits(tenant)                       // after on_mail_from named the tenant
//	if ok, wait := in.Take(tenant, n, time.Now()); !ok { ... } // n messages
//	m := intake.NewMessage(&env, &res, id, now)    // after on_message
//	body = intake.AppendHeaderFields(body, res.AddHeaders)
//	h := intake.ScanHeader(data); if in.Loops(h) { ... }   // 554 5.4.6
//	m := in.Budget().Meter(); defer m.Release()
//	if !m.Hold(n) { ... }                          // 452 4.3.1 / 503
package intake
