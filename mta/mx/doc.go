// Package mx finds where mail for a domain goes: the MX hosts of a domain in
// preference order with their addresses, or the domain's own addresses when
// it has no MX (RFC 5321 section 5.1), or the fact that it accepts no mail
// (null MX, RFC 7505). It also names destination sites and recognises the
// large mailbox providers from their MX hosts.
//
// It owns its DNS client (github.com/miekg/dns, so the server is
// configurable and tests use a real server on loopback), a cache that honours
// the answers' TTLs (clamped to [MinTTL, MaxTTL]; negative answers for
// NegativeTTL, temporary failures for ErrorTTL), and single-flight so that
// concurrent lookups of one name make one query.
//
// It never connects to a mail host, never decides whether a failure bounces
// or retries beyond saying whether it is temporary, and never recurses
// itself: it asks one recursive resolver.
//
// # Host order
//
// Result.Hosts is sorted by preference, then by name. The order is stable on
// purpose: a cached Result is shared by every caller and the site name must
// not change from one lookup to the next. RFC 5321 asks senders to spread
// load over hosts of equal preference; callers do that with Result.Shuffled
// (or their own choice) at connection time. Within a host, IPv4 addresses
// come before IPv6 ones (egress sources are mostly IPv4), each in DNS order.
//
// # Site names
//
// A destination site is the set of MX hosts, named so that two domains
// hosted on the same set get the same name and a person can read it. See
// SiteName for the rule; examples:
//
//	gmail-smtp-in.l.google.com alt1.gmail-smtp-in.l.google.com ... alt4...
//	    -> (alt1|alt2|alt3|alt4)?.gmail-smtp-in.l.google.com
//	mta5.am0.yahoodns.net mta6.am0.yahoodns.net mta7.am0.yahoodns.net
//	    -> (mta5|mta6|mta7).am0.yahoodns.net
//	mx1.a.test mx.b.test -> mx.b.test,mx1.a.test
package mx
