// Package redact removes what a delivery report returns of the original
// message: the text/rfc822-headers, message/rfc822 (and their RFC 6533
// global forms) parts of a multipart/report (RFC 6522), keeping the
// human-readable explanation and the machine-readable status. It is what
// lets a report about a REQUIRETLS message travel without REQUIRETLS
// (RFC 8689 section 5) rather than be discarded.
//
// It owns only that cut, made on the bytes (every part kept is kept
// byte for byte); it never composes reports (mta/dsn does) and never
// decides when to redact (mta/egress does).
package redact
