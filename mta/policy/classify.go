package policy

import "strings"

// ClassifyResponse is the built-in bounce classifier: well-known provider
// texts first (they are more specific than the code sent with them: Gmail's
// 4.7.28 is a rate limit, not a generic security status), then the enhanced
// status code (RFC 3463), then the basic code.
func ClassifyResponse(in *ClassifyInput) string {
	if in.Code == 0 {
		return CategoryBadConnection
	}
	text := strings.ToLower(in.Text)
	for _, r := range textRules {
		if strings.Contains(text, r.needle) {
			return r.category
		}
	}
	if c := enhancedCategory(in.Enhanced); c != "" {
		return c
	}
	if in.Code >= 400 && in.Code < 500 {
		return CategoryTransientFailure
	}
	return CategoryOther
}

var textRules = []struct{ needle, category string }{
	{"[tss04]", CategoryRateLimited},
	{"4.7.28", CategoryRateLimited},
	{"rate limit", CategoryRateLimited},
	{"too many", CategoryRateLimited},
	{"unusual rate", CategoryRateLimited},
	{"[cs01]", CategoryPolicyRelated},
	{"spamhaus", CategorySpamBlock},
	{"blocklist", CategorySpamBlock},
	{"blacklist", CategorySpamBlock},
	{"spam", CategorySpamContent},
	{"virus", CategoryVirus},
	{"mailbox full", CategoryQuotaIssues},
	{"over quota", CategoryQuotaIssues},
	{"quota exceeded", CategoryQuotaIssues},
	{"user unknown", CategoryInvalidRecipient},
	{"no such user", CategoryInvalidRecipient},
	{"does not exist", CategoryInvalidRecipient},
	{"disabled", CategoryInactiveMailbox},
	{"inactive", CategoryInactiveMailbox},
	{"dmarc", CategoryAuthenticationFailed},
	{"spf", CategoryAuthenticationFailed},
	{"dkim", CategoryAuthenticationFailed},
}

func enhancedCategory(e string) string {
	if len(e) < 5 {
		return ""
	}
	switch e[2:] {
	case "1.1", "1.0", "1.3", "1.6":
		return CategoryInvalidRecipient
	case "1.2", "4.4":
		return CategoryBadDomain
	case "2.1":
		return CategoryInactiveMailbox
	case "2.2":
		return CategoryQuotaIssues
	case "2.3", "3.4":
		return CategoryMessageTooLarge
	case "4.1", "4.2", "4.7":
		return CategoryBadConnection
	case "4.3", "4.6":
		return CategoryRoutingErrors
	case "5.0", "5.1", "5.2", "5.3", "5.4", "5.5", "5.6":
		return CategoryProtocolErrors
	case "7.1":
		return CategoryPolicyRelated
	case "7.23", "7.24", "7.25", "7.26", "7.27", "7.20", "7.21", "7.22":
		return CategoryAuthenticationFailed
	case "3.0", "3.1", "3.2", "2.0":
		return CategoryTransientFailure
	}
	return ""
}
