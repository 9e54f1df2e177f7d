// Package tlsrpt counts the outcomes of TLS policy checks per recipient
// domain and sends the daily aggregate reports of SMTP TLS Reporting (RFC
// 8460) to the addresses a domain publishes.
//
// Every session checked against a domain's MTA-STS or DANE policy counts
// once: a success, or a failure with its result type, the sending and
// receiving addresses and the MX host name. Counts are kept per UTC day and
// policy domain, in memory and flushed to the spool's aux namespace every
// minute and at Close, so a restart loses at most a minute of them.
//
// After a day ends, each of its domains gets its "_smtp._tls" TXT record
// looked up ("v=TLSRPTv1; rua=..."); the report (the JSON of section 4.4,
// gzip'd) goes to every https rua by POST (application/tlsrpt+gzip) and to
// every mailto rua as a multipart/report message (section 5.3) that the
// caller injects into the queue (wasmta sends it like any other mail). A
// domain without a TLSRPT record has its counts dropped; a failed lookup or
// POST is tried again at the next round, for three days.
//
// Domains without a policy (no MTA-STS, no DANE) are not counted: a bulk
// sender reaches hundreds of thousands of them a day, and RFC 8460's
// no-policy-found reports would cost a TXT lookup each for little use.
package tlsrpt
