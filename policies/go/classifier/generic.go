package main

import "github.com/wasmta/wasmta/sdk/go/wasmta"

// textRules classify the replies no provider rule knows. Order matters:
// a phrase that names a cause ("mailbox full") comes before the generic
// phrases that wrap it ("recipient address rejected").
var textRules = []struct{ needle, category string }{
	// expiry and connection failures reported as text
	{"queue.expired", wasmta.MessageExpired},
	{"message expired", wasmta.MessageExpired},
	{"did not accept our requests to connect", wasmta.BadConnection},
	{"connection timed out", wasmta.BadConnection},
	{"connection refused", wasmta.BadConnection},
	{"no route to host", wasmta.BadConnection},
	{"connection reset", wasmta.BadConnection},

	// throttling
	{"rate limit", wasmta.RateLimited},
	{"too many connections", wasmta.RateLimited},
	{"too many messages", wasmta.RateLimited},
	{"too many recipients", wasmta.RateLimited},
	{"frequency limited", wasmta.RateLimited},
	{"unusual rate", wasmta.RateLimited},
	{"excessive volume", wasmta.RateLimited},
	{"throttl", wasmta.RateLimited},

	// reputation and blocklists
	{"spamhaus", wasmta.SpamBlock},
	{"blocklist", wasmta.SpamBlock},
	{"block list", wasmta.SpamBlock},
	{"blacklist", wasmta.SpamBlock},
	{"blocked using", wasmta.SpamBlock},
	{"client host rejected", wasmta.SpamBlock},
	{"refused to talk to me", wasmta.SpamBlock},
	{"service refus", wasmta.SpamBlock},
	{"ip reputation", wasmta.SpamBlock},
	{"poor reputation", wasmta.SpamBlock},

	// malware and content
	{"virus", wasmta.Virus},
	{"malware", wasmta.Virus},
	{"spam", wasmta.SpamContent},
	{"content rejected", wasmta.SpamContent},
	{"ube,", wasmta.SpamContent},
	{"unsolicited", wasmta.SpamContent},

	// authentication
	{"dmarc", wasmta.AuthenticationFailed},
	{"spf", wasmta.AuthenticationFailed},
	{"dkim", wasmta.AuthenticationFailed},
	{"unauthenticated", wasmta.AuthenticationFailed},
	{"authentication required", wasmta.AuthenticationFailed},

	// relaying and loops
	{"relay access denied", wasmta.RoutingErrors},
	{"not configured to relay", wasmta.RoutingErrors},
	{"relaying denied", wasmta.RoutingErrors},
	{"no relaying", wasmta.RoutingErrors},
	{"too many hops", wasmta.RoutingErrors},
	{"mail loop", wasmta.RoutingErrors},

	// mailbox state
	{"mailbox full", wasmta.QuotaIssues},
	{"mailbox is full", wasmta.QuotaIssues},
	{"over quota", wasmta.QuotaIssues},
	{"quota exceeded", wasmta.QuotaIssues},
	{"exceeded storage", wasmta.QuotaIssues},
	{"disabled", wasmta.InactiveMailbox},
	{"inactive", wasmta.InactiveMailbox},
	{"frozen", wasmta.InactiveMailbox},
	{"deactivated", wasmta.InactiveMailbox},

	// size and format
	{"headers too large", wasmta.ProtocolErrors},
	{"media error", wasmta.ProtocolErrors},
	{"too large", wasmta.MessageTooLarge},
	{"size limit", wasmta.MessageTooLarge},
	{"length exceeds", wasmta.MessageTooLarge},
	{"bad destination mailbox address", wasmta.InvalidRecipient},
	{"improper sequence", wasmta.ProtocolErrors},
	{"bad sequence", wasmta.ProtocolErrors},
	{"not implemented", wasmta.ProtocolErrors},
	{"syntax", wasmta.ProtocolErrors},

	// sender-side policy (before "does not exist": the sender's domain)
	{"sender rejected", wasmta.PolicyRelated},
	{"domain of sender address", wasmta.PolicyRelated},
	{"reverse dns", wasmta.PolicyRelated},
	{"ptr", wasmta.PolicyRelated},
	{"mismatches client ip", wasmta.PolicyRelated},
	{"not a registered", wasmta.PolicyRelated},
	{"not verified", wasmta.PolicyRelated},
	{"policy", wasmta.PolicyRelated},
	{"not allowed", wasmta.PolicyRelated},
	{"message filtered", wasmta.PolicyRelated},
	{"recipient preferences", wasmta.PolicyRelated},

	// domains that do not exist or take no mail
	{"host unknown", wasmta.BadDomain},
	{"host not found", wasmta.BadDomain},
	{"domain not found", wasmta.BadDomain},
	{"no such domain", wasmta.BadDomain},
	{"nxdomain", wasmta.BadDomain},
	{"null mx", wasmta.BadDomain},
	{"doesn't receive email", wasmta.BadDomain},
	{"domain is not reachable", wasmta.BadDomain},
	{"name service error", wasmta.BadDomain},

	// recipients that do not exist
	{"user unknown", wasmta.InvalidRecipient},
	{"unknown user", wasmta.InvalidRecipient},
	{"no such user", wasmta.InvalidRecipient},
	{"user not found", wasmta.InvalidRecipient},
	{"does not exist", wasmta.InvalidRecipient},
	{"invalid recipient", wasmta.InvalidRecipient},
	{"mailbox unavailable", wasmta.InvalidRecipient},
	{"no longer on server", wasmta.InvalidRecipient},
	{"mailbox has moved", wasmta.InvalidRecipient},
	{"address rejected", wasmta.InvalidRecipient},

	{"access denied", wasmta.PolicyRelated},
	{"temporary failure", wasmta.TransientFailure},
	{"service currently unavailable", wasmta.TransientFailure},
	{"try again later", wasmta.TransientFailure},
}

// enhancedCategory maps an RFC 3463 enhanced code to a category by its
// subject and detail.
func enhancedCategory(e string) string {
	if len(e) < 5 {
		return ""
	}
	switch e[2:] {
	case "1.1", "1.0", "1.3", "1.6", "1.10":
		return wasmta.InvalidRecipient
	case "1.2", "4.4", "1.8":
		return wasmta.BadDomain
	case "2.1":
		return wasmta.InactiveMailbox
	case "2.2":
		return wasmta.QuotaIssues
	case "2.3", "3.4":
		return wasmta.MessageTooLarge
	case "4.1", "4.2":
		return wasmta.BadConnection
	case "4.7":
		return wasmta.MessageExpired
	case "4.3", "4.6":
		return wasmta.RoutingErrors
	case "5.0", "5.1", "5.2", "5.3", "5.4", "5.5", "5.6", "6.0", "6.1":
		return wasmta.ProtocolErrors
	case "7.0", "7.1":
		return wasmta.PolicyRelated
	case "7.20", "7.21", "7.22", "7.23", "7.24", "7.25", "7.26", "7.27", "7.7", "7.8":
		return wasmta.AuthenticationFailed
	case "3.0", "3.1", "3.2", "2.0", "4.5":
		return wasmta.TransientFailure
	}
	return ""
}
