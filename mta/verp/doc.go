// Package verp makes and checks the return paths that route bounces back
// to wasmta and say which message they are about: VERP addresses of the
// form PREFIX+TOKEN@BOUNCE-DOMAIN, where TOKEN carries the message id, the
// recipient's index and (bound by the signature) the tenant, signed with
// HMAC-SHA256 under a key from the configuration.
//
// The token is compact so that the local part stays within RFC 5321's 64
// octets: 28 bytes for a message sent to one recipient per transaction
// (key id 1, message id 16, tenant tag 2, recipient index 1 as a uvarint,
// signature 8), written in lowercase base32 (45 characters), because
// MTAs may fold the case of a local part. The tenant is not written out:
// a 2-byte tag (from SHA-256 of its name) picks the candidates, and the
// signature, computed over the full name, proves which one. The
// signature is two HMACs: 40 bits over the token and the tenant, 24 bits
// over those and the recipient's address when the token names one (not
// written out). The first proves the message and tenant even when a
// report hides the recipient (feedback loops do); the second vouches for
// the address the mail went to and no other, so that a recipient cannot
// take the return path of its own copy to report another address
// (ParseFor). Neither can be forged by guessing: each guess is a report
// sent to us, 2^39 of them for the tenant part, and for the address part
// 2^23 per address, each recorded with why it suppressed nothing.
// (RFC 5321's 64 octets leave no room for a longer signature.)
//
// Keys rotate: the first key signs, every key verifies, so a new key can
// be put first while bounces of mail signed under the old one (which come
// back for days) are still accepted; then the old key is removed.
//
// It never stores, parses reports or looks up messages: the inbound
// processor (mta/feedback) calls Parse and decides what to do.
package verp
