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

	// Added in ABI v1.1 (hostabi/ABI.md, section 9): older modules never
	// return them, older hosts refuse them.
	CategoryTLSFailure        = "TLSFailure"
	CategoryReputationBlock   = "ReputationBlock"
	CategoryDNSFailure        = "DNSFailure"
	CategoryNoAnswerFromHost  = "NoAnswerFromHost"
	CategoryRelayDenied       = "RelayDenied"
	CategoryInvalidSender     = "InvalidSender"
	CategoryTooManyRecipients = "TooManyRecipients"
	CategoryProhibitedContent = "ProhibitedContent"
	CategoryBadConfiguration  = "BadConfiguration"
	CategorySuppressed        = "Suppressed"
)

// Categories lists every category, in documentation order.
var Categories = []string{
	CategoryInvalidRecipient, CategoryInactiveMailbox, CategoryQuotaIssues,
	CategoryBadDomain, CategoryBadConnection, CategorySpamBlock,
	CategorySpamContent, CategoryVirus, CategoryPolicyRelated,
	CategoryAuthenticationFailed, CategoryRateLimited, CategoryMessageExpired,
	CategoryMessageTooLarge, CategoryRoutingErrors, CategoryProtocolErrors,
	CategoryTransientFailure, CategoryOther,
	CategoryTLSFailure, CategoryReputationBlock, CategoryDNSFailure, CategoryNoAnswerFromHost,
	CategoryRelayDenied, CategoryInvalidSender, CategoryTooManyRecipients, CategoryProhibitedContent,
	CategoryBadConfiguration, CategorySuppressed,
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
