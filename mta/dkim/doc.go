// Package dkim signs outgoing messages with DKIM (RFC 6376), with
// RSA-SHA256 and Ed25519-SHA256 (RFC 8463) keys, once, at reception, before
// the message is spooled.
//
// It owns: loading signing keys from files (PEM PKCS#1, PEM PKCS#8, raw
// base64 Ed25519 seeds) per signing domain and selector; reloading them
// atomically; choosing which keys sign a message (From: domain, a policy's
// Choice, a default domain); relaxed/relaxed canonicalisation; the signed
// header list with over-signing; and producing the DKIM-Signature header
// fields, which the caller prepends to the message.
//
// It never verifies mail, never touches DNS (it only renders the TXT record
// an operator publishes), never rewrites or copies the message, and never
// reads configuration files: the caller hands it KeySpecs.
//
// The signing core (canonicalisation, header selection, signature layout) is
// written here rather than driven through go-msgauth's dkim.Signer, because
// that type hashes the body once per key through a goroutine and a pipe,
// cannot take a fixed clock and orders tags its own way. go-msgauth remains
// the reference verifier of the tests, beside Debian's python3-dkim.
package dkim
