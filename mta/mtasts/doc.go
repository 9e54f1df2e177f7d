// Package mtasts finds the MTA-STS policy of a recipient domain (RFC 8461)
// and keeps it.
//
// A lookup asks for the domain's "_mta-sts" TXT record; when one valid
// "v=STSv1" record names a policy id that the cache does not hold, it
// fetches https://mta-sts.<domain>/.well-known/mta-sts.txt with the
// certificate checked against the configured roots (the system's by
// default, a test CA in tests), no redirects, a 64 KiB size limit and a
// time limit, and parses it (version, mode, mx patterns, max_age).
//
// Policies are cached durably (a namespace of the spool's Pebble store) until
// their max_age runs out, and in memory between TXT checks. The rules of RFC
// 8461 section 5.1 are followed: an unchanged id keeps the cached policy; a
// failed fetch, a missing TXT record or a DNS failure keeps using a cached
// policy that has not expired; with neither, the domain has no policy.
// Refresh fetches again the policies that expire soon, so that a domain
// whose policy host is down for a while keeps its policy (section 10.2).
//
// It never connects to a mail host and never decides a delivery: a Policy
// says which MX names it allows (Matches) and its mode, and mta/tlspolicy
// applies it to a connection.
package mtasts
