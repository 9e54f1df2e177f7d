package policy

// Bounce categories a classify hook may return. They follow the lists that
// KumoMTA and PowerMTA use, so reports carry over.
const (
	CategoryInvalidRecipient     = "InvalidRecipient"
	CategoryInactiveMailbox      = "InactiveMailbox"
	CategoryQuotaIssues          = "QuotaIssues"
	CategoryBadDomain            = "BadDomain"
	CategoryBadConnection        = "BadConnection"
	CategorySpamBlock            = "SpamBlock"
	CategorySpamContent          = "SpamContent"
	CategoryVirus                = "Virus"
	CategoryPolicyRelated        = "PolicyRelated"
	CategoryAuthenticationFailed = "AuthenticationFailed"
	CategoryRateLimited          = "RateLimited"
	CategoryMessageExpired       = "MessageExpired"
	CategoryMessageTooLarge      = "MessageTooLarge"
	CategoryRoutingErrors        = "RoutingErrors"
	CategoryProtocolErrors       = "ProtocolErrors"
	CategoryTransientFailure     = "TransientFailure"
	CategoryOther                = "Other"
)

// Categories lists every category, in documentation order.
var Categories = []string{
	CategoryInvalidRecipient, CategoryInactiveMailbox, CategoryQuotaIssues,
	CategoryBadDomain, CategoryBadConnection, CategorySpamBlock,
	CategorySpamContent, CategoryVirus, CategoryPolicyRelated,
	CategoryAuthenticationFailed, CategoryRateLimited, CategoryMessageExpired,
	CategoryMessageTooLarge, CategoryRoutingErrors, CategoryProtocolErrors,
	CategoryTransientFailure, CategoryOther,
}

// ValidCategory reports whether c is one of Categories.
func ValidCategory(c string) bool {
	for _, k := range Categories {
		if k == c {
			return true
		}
	}
	return false
}
