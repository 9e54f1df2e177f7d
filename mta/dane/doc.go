// Package dane finds and checks the DANE TLSA records of a destination's MX
// hosts, for SMTP as RFC 7672 defines it.
//
// Lookup follows section 2.2: nothing is looked up unless the resolver is
// configured as validating (dnsquery.Client.Validating: only then is the AD
// bit believed); a domain whose MX answer is not DNSSEC-authenticated has
// no DANE; for each MX host whose address answer is authenticated, the
// "_<port>._tcp.<host>" TLSA RRset is asked for. An authenticated RRset
// with usable records (DANE-TA(2) or DANE-EE(3), selector 0 or 1, matching
// 0, 1 or 2) makes the host's TLS mandatory and authenticated; an RRset
// whose records are all unusable (PKIX usages 0 and 1, unknown parameters,
// wrong digest lengths) makes TLS mandatory but unauthenticated (section
// 2.2, "encrypt" in Postfix's words); no TLSA records, or an answer that
// is not authenticated, leaves the host to opportunistic TLS; a lookup
// that fails (SERVFAIL, the answer of a validating resolver to bogus data,
// a timeout) makes the host unusable for now (section 2.2.1).
//
// Verify applies the records to the certificate chain a server presented
// (section 3.1): a DANE-EE record matches the leaf, with no name or expiry
// check; a DANE-TA record matches a certificate of the chain, which must
// then issue the leaf for the MX host name.
//
// It never connects to a mail host and never decides a delivery; mta/
// tlspolicy applies it, before MTA-STS (RFC 8461 section 2).
package dane
