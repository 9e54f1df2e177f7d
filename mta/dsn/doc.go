// Package dsn owns non-delivery reports: RFC 3464 delivery status
// notifications sent to the envelope sender when recipients bounce or
// expire, for tenants that ask for them (tenant.dsn).
//
// A Generator is an events.Sink: it collects the Bounce and Expiration
// records of a message for a short while, so that recipients failing
// together get one report, then composes the report and injects it through
// the engine (Submit) with the null sender, so it is spooled, shaped,
// retried and recorded like any other message; being from the null
// sender, a report that bounces never causes another one.
//
// It never reports on mail from the null sender, on admin bounces or on
// deferrals (no "delayed" DSNs). Reports waiting for their collection
// window are in memory only: a crash in that second loses them (the
// Bounce records, and their webhooks, are not lost). The original
// message's header (the third, optional, part of RFC 3464) comes with the
// record (events.Record.OriginalHeader): the engine copies it while the
// message is at hand, since records are handled after it may have left
// the spool. A report never returns the original body (always RET=HDRS,
// in RFC 3461's terms).
//
// A report about a message sent with REQUIRETLS is itself sent with
// REQUIRETLS (RFC 8689 section 5: it carries the original header). It is
// from the null sender, so a path that cannot satisfy REQUIRETLS must not
// discard it: mta/egress then sends it without REQUIRETLS, redacted by
// mta/dsn/redact (the parts that return the original message or header
// removed).
package dsn
