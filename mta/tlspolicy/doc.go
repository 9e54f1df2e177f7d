// Package tlspolicy is the transport security policy of a recipient domain
// as delivery applies it: DANE (mta/dane) where the domain's MX hosts have
// authenticated TLSA records, else MTA-STS (mta/mtasts) where the domain
// publishes a policy, else opportunistic TLS (RFC 8461 section 2: DANE
// takes precedence).
//
// A Policy answers three questions of a delivery worker: may this MX host
// be used at all (Admit: an MTA-STS policy names its MX hosts, a host whose
// TLSA lookup failed is unusable); must the session use TLS (NeedTLS); and
// does this TLS session satisfy the policy (Check, on the certificates the
// server presented: PKIX validation against the configured roots for
// MTA-STS, TLSA matching for DANE). A failed check is a Failure carrying
// the RFC 8460 result type, so that records, metrics and TLS reports name
// the same cause; Enforced says whether it stops delivery (enforce mode,
// DANE) or is only reported (testing mode).
//
// It never looks anything up and never connects: Resolver gathers the
// lookups of both packages, and mta/egress applies the answers.
package tlspolicy
