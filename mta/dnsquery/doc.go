// Package dnsquery asks one recursive resolver one question and says how
// far the answer can be trusted: the records of the asked type, their
// smallest TTL, the response code, and whether the resolver vouched for
// the answer with the AD bit (RFC 4035 section 3.2.3, RFC 6840 section
// 5.7).
//
// It serves the lookups of transport security (mta/mtasts asks for the
// _mta-sts TXT record and the policy host's addresses, mta/dane for MX,
// A/AAAA and TLSA with DNSSEC): those need the AD bit, which mta/mx's
// cached address lookups neither ask for nor keep. It never validates
// DNSSEC itself and never caches: an AD bit means something only when the
// resolver is trusted to validate and the path to it cannot be tampered
// with (loopback), which the caller's configuration says (Client.Validating).
package dnsquery
