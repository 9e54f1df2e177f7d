package bounce

// microsoftDetails: the unregistered details Exchange Online sends, with
// the meaning its NDR reference documents ("Email non-delivery reports
// in Exchange Online", MicrosoftDocs/OfficeDocs-Exchange, CC-BY-4.0). The
// registry does not know them, so no other server's meaning is
// overridden; Exchange Online is one of the largest receivers, and its
// texts ("Access denied", "Sender not authenticated for group") would
// read otherwise.
var microsoftDetails = map[string]codeMeaning{
	"1.90":  {RateLimited, true},      // daily limit for message recipients
	"2.121": {RateLimited, true},      // per-hour receive limit from one sender
	"2.122": {RateLimited, true},      // per-hour receive limit of the recipient
	"4.14":  {RoutingErrors, true},    // routing loop detected (Exchange Online)
	"4.300": {MessageExpired, true},   // message expired
	"4.316": {BadConnection, true},    // connection refused
	"7.60":  {InvalidSender, true},    // client does not have permissions to send as this sender
	"7.124": {PolicyRelated, true},    // sender not in the group's allowed senders
	"7.133": {PolicyRelated, true},    // sender not authenticated for group
	"7.134": {PolicyRelated, true},    // ... for mailbox
	"7.135": {PolicyRelated, true},    // ... for public folder
	"7.136": {PolicyRelated, true},    // ... for mail user
	"7.321": {TLSFailure, true},       // starttls-not-supported
	"7.322": {TLSFailure, true},       // certificate-expired
	"7.323": {TLSFailure, true},       // tlsa-invalid (DANE)
	"7.324": {DNSFailure, true},       // dnssec-invalid
	"7.501": {SpamBlock, true},        // spam abuse detected: account banned
	"7.502": {SpamBlock, true},        // banned sender
	"7.503": {SpamBlock, true},        // banned sender
	"7.504": {InvalidRecipient, true}, // recipient address rejected: access denied
	"7.505": {InvalidRecipient, true}, // banned recipient: not valid
	"7.506": {PolicyRelated, true},    // bad HELO
	"7.507": {PolicyRelated, true},    // IP blocked by the recipient's organization
	"7.508": {RateLimited, true},      // IPv6 range exceeded permitted limits
	"7.509": {AuthenticationFailed, true},
	"7.510": {PolicyRelated, true},     // does not accept mail over IPv6
	"7.511": {SpamBlock, true},         // banned sending IP, delisting by mail
	"7.512": {ProtocolErrors, true},    // From: not RFC 5322 section 3.6.2 compliant
	"7.513": {SpamBlock, true},         // recipient domain's customer block list
	"7.750": {PolicyRelated, true},     // sending from unregistered domains
	"3.190": {TransientFailure, false}, // journaling not enabled: its subject
}

// microsoftDetail looks an unregistered detail up in Exchange Online's
// table and its documented ranges.
func microsoftDetail(sd string) (codeMeaning, bool) {
	if m, ok := microsoftDetails[sd]; ok {
		return m, true
	}
	if len(sd) != 5 || sd[:2] != "7." {
		return codeMeaning{}, false
	}
	switch n := atoi3(sd[2:]); {
	case n >= 606 && n <= 649: // banned sending IP ranges
		return codeMeaning{SpamBlock, false}, true
	case n >= 650 && n <= 652: // rate limited due to IP reputation
		return codeMeaning{ReputationBlock, false}, true
	case n >= 700 && n <= 749: // tenant or IP traffic judged suspicious; texts vary
		return codeMeaning{ReputationBlock, false}, true
	case n >= 850 && n <= 899: // IP temporarily restricted for evaluation
		return codeMeaning{ReputationBlock, false}, true
	}
	return codeMeaning{}, false
}
