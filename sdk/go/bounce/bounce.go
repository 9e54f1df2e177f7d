package bounce

import (
	"strconv"
	"strings"

	"github.com/wasmta/wasmta/sdk/go/wasmta"
)

// Categories: the SDK's own (sdk/go/wasmta, ABI.md section 3.5), named
// here so that the rules read them unqualified.
const (
	InvalidRecipient     = wasmta.InvalidRecipient
	InactiveMailbox      = wasmta.InactiveMailbox
	QuotaIssues          = wasmta.QuotaIssues
	BadDomain            = wasmta.BadDomain
	BadConnection        = wasmta.BadConnection
	SpamBlock            = wasmta.SpamBlock
	SpamContent          = wasmta.SpamContent
	Virus                = wasmta.Virus
	PolicyRelated        = wasmta.PolicyRelated
	AuthenticationFailed = wasmta.AuthenticationFailed
	RateLimited          = wasmta.RateLimited
	MessageExpired       = wasmta.MessageExpired
	MessageTooLarge      = wasmta.MessageTooLarge
	RoutingErrors        = wasmta.RoutingErrors
	ProtocolErrors       = wasmta.ProtocolErrors
	TransientFailure     = wasmta.TransientFailure
	Other                = wasmta.Other
	TLSFailure           = wasmta.TLSFailure
	ReputationBlock      = wasmta.ReputationBlock
	DNSFailure           = wasmta.DNSFailure
	NoAnswerFromHost     = wasmta.NoAnswerFromHost
	RelayDenied          = wasmta.RelayDenied
	InvalidSender        = wasmta.InvalidSender
	TooManyRecipients    = wasmta.TooManyRecipients
	ProhibitedContent    = wasmta.ProhibitedContent
	BadConfiguration     = wasmta.BadConfiguration
	Suppressed           = wasmta.Suppressed
)

// Categories lists every category, in ABI.md's order.
var Categories = wasmta.Categories

// Action is what the classifier advises for the message, with the values
// of the ABI's action result.
type Action uint8

const (
	// Default: 4xx and failures without a reply retry, 5xx bounce.
	Default Action = iota
	Retry
	Bounce
)

// String returns the ABI spelling.
func (a Action) String() string {
	switch a {
	case Retry:
		return "retry"
	case Bounce:
		return "bounce"
	}
	return "default"
}

// Result is a classification and the rule that decided it: Tier says
// which kind of evidence decided ("override", "code", "provider", "text",
// "subject", "word", "reply", "class", "no reply"), Evidence which one.
type Result struct {
	Category string
	Action   Action
	Tier     string
	Evidence string // "5.1.1", "gmail unsolicited", `"user unknown"` ...
}

// Rule names the deciding rule, e.g. `code 5.1.1`, `text "user unknown"`.
func (r Result) Rule() string {
	if r.Evidence == "" {
		return r.Tier
	}
	return r.Tier + " " + r.Evidence
}

// actionOf is each category's default action where the reply code's class
// would be wrong: a 5xx "too many recipients" is retried (RFC 5321
// 4.5.3.1.10), and so is a throttle sent with a 5xx (Gmail's "550 5.2.1
// ... receiving mail at a rate", Exchange Online's 5.2.121/5.2.122
// hourly limits, QQ's "550 frequency limited"): a pace or a quota per
// period lifts with time, so bouncing it loses mail a later attempt
// delivers, while retrying a throttle that never lifts costs only the
// attempts until the message expires; and the receiver's suppression
// list never lets a retry through.
func actionOf(category string) Action {
	switch category {
	case TooManyRecipients, RateLimited:
		return Retry
	case Suppressed:
		return Bounce
	}
	return Default
}

// Classify classifies a reply: code is the SMTP reply code (0 when there
// was no reply: a connection or DNS failure, or a bounce that quoted
// none), enhanced the enhanced status code ("" when absent: then the
// first one in text is used), text the reply text or the error. Without
// a reply code, a permanent enhanced code (5.X.X) makes the default
// action a bounce.
func Classify(code int, enhanced, text string) Result {
	if code == 0 {
		code = replyCodeIn(text)
	}
	if code == 0 {
		code = quotedReplyCode(text)
	}
	trailing := false
	if enhanced == "" || code == 0 {
		e, quoted, tr := codesIn(text)
		if enhanced == "" {
			enhanced, trailing = e, tr
		}
		if code == 0 {
			code = quoted
		}
	}
	r := decide(code, enhanced, text, trailing)
	if code == 0 && r.Action == Default && len(enhanced) > 0 && enhanced[0] == '5' {
		// No reply code to go by (a bounce that quotes only "5.1.1 ...", a
		// relay's diagnostic): the enhanced code's class says what the
		// failure is (RFC 3463 section 3.1: 5.X.X a permanent failure, a
		// retry will not succeed; 4.X.X persistent transient, retried as a
		// failure without a reply is).
		r.Action = Bounce
	}
	if r.Action != Bounce && (code/100 == 4 || code == 0 && len(enhanced) > 0 && enhanced[0] == '4') && namesFutileRetry(text) {
		// A transient reply whose words say a retry will not succeed
		// (Yahoo's "421 4.7.0 [TSS09] All messages from 192.0.2.1 will
		// be permanently deferred; Retrying will NOT succeed"): RFC 3463
		// section 3.1's permanent failure in so many words, whatever the
		// code's class. The category stays what the evidence says (a
		// reputation block there); the message is not retried into the
		// same refusal, and a bounced deferral is no pace for the engine
		// to meter.
		r.Action = Bounce
	}
	return r
}

// decide ranks the evidence (doc.go) once the codes are known. trailing:
// the enhanced code was read from qmail's trailing position ("553 we
// don't relay (#5.7.1)"), not given after the reply code.
func decide(code int, enhanced, text string, trailing bool) Result {
	t, needle := textMatcher.best(text, code)
	if t >= 0 && needles[needle].text == stockNeedle || t == stockProviderRule {
		t, needle = beyondStockText(text, code, t, needle)
	}
	if t >= 0 && textRules[t].tier == tierOverride {
		return textRules[t].result(needle)
	}
	if r, ok := providerCode(text); ok {
		return r
	}
	meaning, known := codeFor(enhanced, code)
	if !(t >= 0 && textRules[t].tier < tierPhrase) {
		if !(t >= 0 && textRules[t].category == RateLimited && !(known && meaning.specific)) && (!known || !meaning.specific || countYields(meaning.category)) && namesCountPerPeriod(text) {
			// A count per period of time ("Limit reached (100 mails in
			// 600 seconds)", "more than 100 messages in past 1h0m0s") is
			// a pace the receiver allows (a rate limit), whatever code
			// or words wrap it: a generic status (X.7.1) names only its
			// subject, and a mailbox's or a transaction's count (X.2.2,
			// X.5.3) has no period.
			return Result{RateLimited, actionOf(RateLimited), "text", "count per period"}
		}
		if code/100 == 4 && !(t >= 0 && textRules[t].category == TransientFailure) && (!known || !meaning.specific) && namesCheckerFailure(text) {
			// The checking program is the failure's subject ("451 4.7.1
			// Virus filter failed", "milter unavailable"): the check
			// did not run, no verdict was given (RFC 5321's 4yz).
			return Result{TransientFailure, actionOf(TransientFailure), "class", "4xx check failure"}
		}
		if (!known || !meaning.specific) && (t < 0 || serviceVerdict(textRules[t].category) && !(code == 0 && textRules[t].category == BadConnection)) {
			// The receiving server is the subject of a failure at its own
			// work ("could not open mailbox", "451 4.3.0 could not connect
			// to backend", "Could not complete recipient callout"): no
			// verdict on the mailbox, the sender or the message was given,
			// a server-side failure (RFC 3463's X.3.0, Sisimai's
			// systemerror). A failure without a reply ("could not connect"
			// of the client's own dial) stays the connection's.
			if cat, from, to, ok := serviceFailure(text); ok && !verdictElsewhere(text, t, needle, from, to) {
				return Result{cat, actionOf(cat), "text", "server's own failure"}
			}
		}
	}
	if known && len(enhanced) == 5 && enhanced[0] == '4' && enhanced[2:] == "4.7" && !containsFold(text, "expir") &&
		(t < 0 || textRules[t].tier == tierWord || t == lastExpiryRule && delayNeedle(needles[needle].text)) {
		// X.4.7 in class 4 with no words of an expiry: a delay notice
		// ("Action: delayed", "Status: 4.4.7", "Message delayed"). RFC
		// 3463 section 3.1's class 4 is a persistent transient failure,
		// and RFC 3464's delayed action carries it while the queue still
		// tries: the message has been waiting, it was not given up.
		return Result{TransientFailure, actionOf(TransientFailure), "class", "4.4.7 delay"}
	}
	if known && meaning.specific && !(t >= 0 && textRules[t].category != meaning.category &&
		(yields(enhanced, code, t, text) || trailing && textRules[t].tier <= tierPhrase)) {
		return Result{meaning.category, actionOf(meaning.category), "code", enhanced}
	}
	if t >= 0 && textRules[t].tier <= tierPhrase && commandWords(code, t, needle) {
		// RFC 5321's 503 ("bad sequence of commands") says the command
		// came out of order, and 500-504 that its form or support failed:
		// the words name the command's object ("503 Sender already
		// specified", "503 Duplicate HELO", "503 AUTH command used when not
		// advertised", "502 VRFY command is disabled"), not a verdict on
		// the sender, the recipient or an account.
		return byReplyCode(code, text)
	}
	if t >= 0 && textRules[t].tier <= tierPhrase {
		if cat := textRules[t].category; (cat == RelayDenied || cat == InvalidRecipient || cat == InvalidSender) && containsFold(text, "client host rejected:") {
			// Postfix's "Client host rejected:" says the restriction
			// refused the client (smtpd_client_restrictions, or a
			// client check at a later stage): words about an address or
			// the relay in its text ("Client host rejected: Relaying
			// denied - Your IP identified as spammer") still refuse the
			// host, not one address.
			return Result{SpamBlock, actionOf(SpamBlock), "text", `"client host rejected:"`}
		}
		if textRules[t].name == authCheckRule && code/100 == 4 && (len(enhanced) < 3 || enhanced[2] != '7') {
			// An SPF, DKIM or DMARC check named on a transient reply
			// without a security status (X.7.x): the transient outcome
			// those standards define is the verifier's failure to fetch
			// the records, "temperror" (RFC 7208 sections 2.6.6 and 8.6,
			// "a transient (generally DNS) error", answered 451 4.4.3; RFC
			// 6376 section 6.1.2's TEMPFAIL; RFC 7489 section 6.6.3),
			// not the sender's failure: "451 4.4.3 temporary error when
			// checking the SPF policy". A verdict deferred with its
			// policy status ("451 4.7.1 Email temporarily rejected per
			// DMARC policy") stays an authentication failure.
			return Result{DNSFailure, actionOf(DNSFailure), "text", needles[needle].quoted}
		}
		if code/100 == 4 && textRules[t].category == SpamBlock && namesLookupFailure(text) {
			// A DNS blocklist (RFC 5782) is read by DNS queries: a
			// resolver's failure named beside the list on a transient
			// reply ("421 DNS error on <list zone>", "451 lookup timeout
			// at <list>") says the query did not answer, not that the
			// client is listed (a listing is an answer, RFC 5782 section
			// 2.1): the check could not run, for a DNS reason.
			return Result{DNSFailure, actionOf(DNSFailure), "text", "4xx list lookup failure"}
		}
		if code/100 == 4 && checkVerdict(textRules[t].category) && namesCheckFailure(text) {
			// A check that could not run, on a transient reply: RFC 4954's
			// "454 4.7.0 Temporary authentication failure" is the server's
			// failure ("the authentication failed due to a temporary server
			// failure"), not the credentials', and a sender or recipient
			// verification's "temporary failure" ("451 4.1.8 Temporary
			// failure in sender address verification") gave no verdict on
			// the address: RFC 5321's 4yz, a transient failure. A verdict
			// only deferred ("451 4.7.1 Email temporarily rejected per
			// DMARC policy") names its check's outcome and stays.
			return Result{TransientFailure, actionOf(TransientFailure), "class", "4xx check failure"}
		}
		if code/100 == 4 && textRules[t].category == InvalidRecipient && isStockNeedle(needles[needle].text) {
			// RFC 5321's reason text on a 4xx: section 4.2.2 gives 450
			// "Requested mail action not taken: mailbox unavailable (e.g.,
			// mailbox busy or temporarily blocked for policy reasons)", a
			// mailbox that may take mail later, not one that does not
			// exist (550's reading, stockText).
			return Result{TransientFailure, actionOf(TransientFailure), "class", "4xx mailbox unavailable"}
		}
		if t == lastExpiryRule && code != 0 && containsFold(text, "too many") {
			// The last-resort expiry words ("attempts") are the sending
			// queue's count of its tries; a server that answers "too many
			// ... attempts" counts the client's tries in its session or
			// period ("450 Too many recipient attempts"): a pace.
			return Result{RateLimited, actionOf(RateLimited), "text", `"too many ... attempts"`}
		}
		if textRules[t].category == QuotaIssues && len(enhanced) >= 3 && enhanced[2] == '7' && code != 552 && bareQuota(needles[needle].text) {
			// A quota named without the mailbox's storage under a
			// security or policy status (X.7.x): RFC 3463 files the
			// mailbox's quota under X.2.2 (mailbox full) and its storage
			// under 552 (RFC 5321); a quota the receiver's policy counts
			// is one of messages sent per period ("550 5.7.0 Message
			// quota temporarily exceeded", "450 4.7.1 ... Policy
			// Rejection- Quota Exceeded").
			return Result{RateLimited, actionOf(RateLimited), "text", needles[needle].quoted}
		}
		if textRules[t].category == SpamContent && namesClientHostAsObject(text) || textRules[t].category == RateLimited && namesClientAddress(text) {
			// The reply's subject is the client's own IP address ("Your
			// address 192.0.2.1 has sent mail to a spamtrap within the
			// last 24 hours", "SPAM. Your address 192.0.2.1 appears to be
			// from China"): what it did or where it is, said of the
			// host, refuses the host (Sisimai's "blocked"), not one
			// message's content or a pace.
			return Result{SpamBlock, actionOf(SpamBlock), "text", `"your address <ip>"`}
		}
		if cat := textRules[t].category; (cat == InactiveMailbox || cat == InvalidRecipient) && aboutSender(text, needles[needle].text) {
			// A mailbox's state or existence said of the envelope sender
			// ("451 4.3.0 domain of smtp mail from is temporarily
			// disabled"): the words name the sender as their object and
			// no recipient, so the sender was refused (RFC 3463's X.1.7,
			// X.1.8), not a recipient's mailbox.
			return Result{InvalidSender, actionOf(InvalidSender), "text", "mailbox words of the sender"}
		}
		return textRules[t].result(needle)
	}
	if !(known && meaning.specific) && (t < 0 || textRules[t].tier == tierWord) {
		if cat, ok := expiredSubject(text); ok {
			// "has expired" said of an account or a message, in any of
			// the common languages: what expired decides (expiredSubject).
			if cat == InactiveMailbox {
				return Result{cat, actionOf(cat), "text", "expired account"}
			}
			return Result{cat, actionOf(cat), "text", "expired message"}
		}
	}
	if code >= 500 && code <= 504 && known && meaning.category != "" && subjectOnly(enhanced) {
		// RFC 5321's syntax, sequence and not-implemented codes (4.2.2,
		// 4.2.3) name what failed, the command's form, where an enhanced
		// code that gives only its subject names less ("503 5.7.0 Already
		// authenticated": X.7.0 is "other or undefined security status",
		// RFC 3463 section 3.8), so the reply code decides before it. It
		// decides before nothing else: a registered detail names a cause
		// of its own ("501 5.7.1 Permission denied": X.7.1, delivery not
		// authorized), and the generic words (tier 5) come before the
		// reply code (tier 6) as for any reply ("500 Unauthorized relay
		// msg rejected" is a relay refusal).
		return byReplyCode(code, text)
	}
	if trailing && code/100 == 5 && (code < 500 || code > 504) && t >= 0 && !verdictWord(&textRules[t]) {
		return textRules[t].result(needle)
	}
	if known && meaning.category != "" && !(meaning.category == TransientFailure && permanentReply(code, enhanced)) {
		if code/100 == 4 && meaning.category != TransientFailure && namesDeferral(text) {
			// A generic code on a 4xx (tier 4: "451 4.7.1 Deferred by
			// policy", "454 4.5.0 AUTH temporarily not available") whose
			// words call the refusal a pause: RFC 3463 section 3.1's
			// class 4 is a persistent transient failure and RFC 5321's
			// 4yz a transient one, and the code's subject names only
			// what the pause is about, not a cause that lasts.
			return Result{TransientFailure, actionOf(TransientFailure), "class", "4xx deferral"}
		}
		if meaning.category == PolicyRelated && permanentReply(code, enhanced) && wrappedClientAddress(text) {
			// Postfix's wrapper names the address the restriction ran at
			// ("<rcpt>: Recipient address rejected: <text>",
			// smtpd_recipient_restrictions), not what it judged: an access
			// map's or a policy service's text that names the client's IP
			// address ("delivery from 192.0.2.1 rejected", "delivery from
			// CN (192.0.2.1) rejected") refused the sending host, the
			// block of a host's address (Sisimai's "blocked").
			return Result{SpamBlock, actionOf(SpamBlock), "subject", enhanced + " client address"}
		}
		return Result{meaning.category, actionOf(meaning.category), "subject", enhanced}
	}
	if t >= 0 {
		if code == 503 || code >= 500 && code <= 504 && verdictWord(&textRules[t]) {
			// A word that says only that something was refused ("not
			// allowed", "denied", "blocked") names no cause, where the
			// syntax and sequence codes name one: "500 Error: Invoking
			// shell is not allowed" is a command refused for its form. A
			// word that names the object ("relay", "sender") still
			// decides first.
			return byReplyCode(code, text)
		}
		if textRules[t].category == InvalidRecipient && aboutSender(text, needles[needle].text) {
			// the generic words of a missing address said of the sender
			// ("Sender unknown: a@example.com"): the sender was refused
			return Result{InvalidSender, actionOf(InvalidSender), "word", "sender as subject"}
		}
		if code/100 == 4 && textRules[t].category != TransientFailure && namesDeferral(text) {
			// A generic word names what a 4xx is about ("421 From/Recipient
			// set not seen before, resubmit if intentional"), the words
			// that call it a pause say what it is, as for a generic code
			// (tier 4, above): RFC 5321's 4yz, a transient failure.
			return Result{TransientFailure, actionOf(TransientFailure), "class", "4xx deferral"}
		}
		return textRules[t].result(needle)
	}
	if known && meaning.category == "" && code/100 == 5 && len(enhanced) >= 3 && enhanced[0] == '5' && enhanced[2] == '2' {
		// X.2.0 (or a mailbox detail the registry does not know) says no
		// more than its subject, and servers reuse it for DMARC, spam and
		// size refusals, so any words decide first. When none do, the
		// mailbox refused the mail: RFC 3463 section 3.3's X.2.0 is "the
		// mailbox exists, but something about the destination mailbox has
		// caused the sending of this DSN", the recipient's filter or
		// preference (Sisimai's "filtered"), not a closed mailbox
		// (InactiveMailbox, a hard category: the address would go on the
		// suppression list, by default until removed, on no evidence).
		return Result{PolicyRelated, actionOf(PolicyRelated), "subject", enhanced}
	}
	if code == 0 && text == "" && len(enhanced) > 0 && enhanced[0] == '5' {
		// A report that gives a permanent status and no words (a notice
		// that states no cause: "This is a permanent error; I've given
		// up", Status: 5.0.0): a failure reported, its cause unknown. A
		// failed connection is what no reply and no status at all means.
		return Result{Other, actionOf(Other), "class", "5.X.X"}
	}
	if code == 0 && len(enhanced) > 0 && enhanced[0] == '4' {
		// No reply code and no words that name a cause, but a transient
		// status ("4.0.0" of a delay notice: "Gmail will retry for 46
		// more hours"): RFC 3463 section 3.1's class 4, a persistent
		// transient failure, as a 4xx reply's class would say.
		return Result{TransientFailure, actionOf(TransientFailure), "class", "4.X.X"}
	}
	return byReplyCode(code, text)
}

// stockText is RFC 5321's reason text for 450 and 550 (section 4.2.2:
// "Requested action not taken: mailbox unavailable (e.g., mailbox not
// found, no access, or command rejected for policy reasons)"), the words
// "mailbox unavailable" in the mail servers' form of it ("Requested mail
// action not taken" for 450).
const (
	stockText   = "action not taken: mailbox unavailable"
	stockNeedle = "mailbox unavailable"
)

// stockProviderRule is the index in textRules of Microsoft's documented
// reading of that text alone ("550 5.5.0 Requested action not taken:
// mailbox unavailable": no such recipient).
var stockProviderRule = func() int32 {
	for i, r := range textRules {
		if r.name == "microsoft outlook.com unknown user" {
			return int32(i)
		}
	}
	panic("bounce: no microsoft stock-text rule")
}()

// beyondStockText: RFC 5321 makes "Requested action not taken: mailbox
// unavailable" the label of the reply code, covering a missing mailbox,
// no access and a policy refusal alike; when the server adds words that
// name a cause (a provider text or a phrase: "... mailbox unavailable or
// is not local", "... Reject due to policy restrictions"), those words
// decide. The label alone keeps its reading (t, needle): a recipient that
// does not exist, as Microsoft and the MTAs that send it mean it.
func beyondStockText(text string, code int, t, needle int32) (int32, int32) {
	i := indexFold(text, stockText)
	if i < 0 {
		return t, needle
	}
	b := []byte(text)
	for j := i; j < i+len(stockText); j++ {
		b[j] = ' '
	}
	if t2, n2 := textMatcher.best(string(b), code); t2 >= 0 && textRules[t2].tier <= tierPhrase {
		return t2, n2
	}
	return t, needle
}

// indexFold is the index of needle (lowercase ASCII) in text, ignoring
// ASCII case and reading white space as a space; -1 when absent.
func indexFold(text, needle string) int {
	for i := 0; i+len(needle) <= len(text); i++ {
		j := 0
		for j < len(needle) && fold[text[i+j]] == needle[j] {
			j++
		}
		if j == len(needle) {
			return i
		}
	}
	return -1
}

// permanentReply reports whether a reply is a permanent failure: a 5xx
// reply code (RFC 5321 section 4.2.1), or without one a 5.X.X enhanced
// code (RFC 3463 section 3.1). Its subject alone never makes it a
// temporary failure: X.3.0-X.3.2, X.4.3 and X.4.5 name the mail system or
// the network, and a permanent class says the condition will not lift
// ("553 5.3.0 Unknown E-Mail Address").
func permanentReply(code int, enhanced string) bool {
	return code/100 == 5 || (code == 0 && len(enhanced) > 0 && enhanced[0] == '5')
}

// verdictWord reports whether word rule r names only a verdict (refused,
// blocked, try later), not what was refused.
func verdictWord(r *textRule) bool {
	return r.tier == tierWord && (r.category == SpamBlock || r.category == PolicyRelated || r.category == TransientFailure)
}

// subjectOnly reports whether an enhanced code says no more than its
// subject: the detail 0 ("other or undefined ... status", RFC 3463
// section 2) or a detail the registry does not know, which RFC 3463 reads
// as its subject alone.
func subjectOnly(enhanced string) bool {
	sd := enhanced[2:]
	if _, ok := enhancedCodes[sd]; !ok {
		return true
	}
	return strings.HasSuffix(sd, ".0")
}

// yields reports whether a specific enhanced code gives way to the
// phrase rule r, in the cases where the code is more likely a
// default than the server's verdict:
//   - the phrase names the cause the reply code itself means (RFC 5321's
//     552 storage, 535 credentials, 521/556 no mail, 538 encryption):
//     two pieces of evidence against one ("552 5.1.1 Recipient
//     overquota");
//   - an address status (X.1.1 bad mailbox, X.1.2 bad system, X.1.3 bad
//     syntax) and a phrase that names a mailbox that exists but is full
//     or disabled, a rate, a server that does not relay for the domain,
//     or the envelope sender (its own words, or the receiver's list of
//     senders): many servers send X.1.1 for any refused address ("550
//     5.1.2 Relay not allowed", "550 5.1.1 Suspended user", "550 5.1.1
//     <a@example.com> sender is blacklisted"); X.1.2 (the system) also to
//     a phrase that names the mailbox ("550 5.1.2 No such mailbox");
//   - X.5.3 (too many recipients) and a phrase that names a rate or the
//     receiver's rule for bounces ("550 5.5.3 bounce messages must not
//     have more than one recipient");
//   - X.2.3/X.3.4 (the message's size) and a phrase that names a line's
//     or the header's length;
//   - X.1.1/X.1.3 and a phrase that names a policy verdict ("550 5.1.1
//     User rejected by local policy");
//   - X.4.6 (routing loop) and any phrase, when the text names no loop,
//     hop count or Received: header (RFC 5321 section 6.3's evidence of
//     a loop): the server's fixed code for another refusal.
//
// An address status never yields while the text also names its own cause
// (a missing mailbox: "550 5.1.1 User unknown, not local address").
//
// An address status (X.1.x) yields to the sender's suppression list, a
// provider text or phrase.
//
// X.4.7 (delivery time expired) yields to any provider text or phrase
// ranked before the phrase rule of an expired queue: it says the queue
// gave up, the text why.
func yields(enhanced string, code int, t int32, text string) bool {
	r := &textRules[t]
	if enhanced[2:] == "4.7" {
		// X.4.7 (delivery time expired) is the queue's verdict, not its
		// cause: a provider text or a phrase ranked before the queue's
		// own words decides ("5.4.7 ... mailbox is full: retry timeout
		// exceeded"), as the phrase rules rank them (phrases.go).
		return t < expiryRule
	}
	if r.category == Suppressed && enhanced[2] == '1' {
		// an address status (X.1.x) beside the sender's own provider's
		// suppression list is why the address went on the list; the list
		// refused this message ("5.1.1 ... it is on the suppression list
		// for your account": Amazon SES documents it as a suppression)
		return true
	}
	if r.tier != tierPhrase {
		return false
	}
	if c, ok := replyCodes[code]; ok && c == r.category {
		// A protocol phrase on RFC 5321's syntax and sequence codes (500
		// 501 502 503 504: "501 5.1.7 Syntax error in RCPT command") says
		// the command's form failed, which is what the reply code means;
		// an address status (RFC 3463 X.1.x: the address's syntax) stands
		// when the text names the address ("501 5.1.7 Syntax error in
		// sender address").
		return c != ProtocolErrors || enhanced[2] != '1' || !containsFold(text, "address")
	}
	switch sd := enhanced[2:]; sd {
	case "1.1", "1.3":
		if namesMissingMailbox(text) && !namesSender(r) {
			// the text names the code's own cause too ("550 5.1.1 ...
			// User unknown, not local address"): the code is the server's
			// verdict, not its default. A phrase about the sender still
			// decides: Exim's "Sender verify failed" quotes the callout's
			// "550 5.1.1 User unknown", the sender's mailbox.
			return false
		}
	}
	if sessionObject(r.category) && (enhanced[2] == '1' || enhanced[2] == '2') && (enhanced[2:] != "2.3") {
		// An address or mailbox status (RFC 3463 X.1.x, X.2.x: the
		// destination's address or mailbox) beside a phrase whose object is
		// the session or the client, which no mailbox has ("451 4.2.2
		// Server accepts messages only on TLS connection"): the code is
		// the server's default for any refusal at that command.
		return true
	}
	switch sd := enhanced[2:]; sd {
	case "4.6":
		// X.4.6 (routing loop detected) on a reply whose words name no
		// loop, hop count or trace header but another cause: a server's
		// fixed code for the refusal ("... it isn't in my control/locals
		// file (#5.4.6)", qmail's best-preference MX), not a loop
		return !namesLoop(text)
	case "1.1", "1.3":
		return r.category == QuotaIssues || r.category == RateLimited || r.category == RelayDenied ||
			r.category == InactiveMailbox || r.category == PolicyRelated || namesSender(r)
	case "1.2":
		// the code names the system, the phrase the mailbox ("550 5.1.2 No
		// such mailbox")
		return r.category == QuotaIssues || r.category == RateLimited || r.category == RelayDenied ||
			r.category == InactiveMailbox || r.category == InvalidRecipient || namesSender(r)
	case "5.3":
		// "452 4.5.3 rate limit exceeded": a count per period, not per
		// transaction; "550 5.5.3 bounce messages must not have more than
		// one recipient": the receiver's rule for bounces, whose count is
		// not the transaction's limit
		return r.category == RateLimited || r.name == bounceRule
	case "2.3", "3.4":
		// the message's size (RFC 3463 X.2.3, X.3.4) and a phrase that
		// names a line's or the header's length, a limit of the format
		// (RFC 5321 section 4.5.3.1.6, RFC 5322 section 2.1.1), for which
		// servers reuse their size code ("554 5.3.4 Line is too long")
		return r.name == lineRule
	}
	return false
}

// commandWords reports whether phrase rule t, on a reply of RFC 5321's
// command codes, names only what the command was about: on 503 (a
// command out of sequence) the sender's, the recipient's and the sending
// host's identity words and the bare word "authentication" (which
// "You must authenticate first" or "authentication required" name more
// precisely); on any of 500-504 a mailbox or account state ("disabled"),
// which there is the command's.
func commandWords(code int, t, needle int32) bool {
	if code < 500 || code > 504 {
		return false
	}
	switch cat := textRules[t].category; {
	case cat == InactiveMailbox:
		return true
	case code != 503 || textRules[t].tier != tierPhrase:
		return false
	case cat == InvalidSender || cat == InvalidRecipient || cat == PolicyRelated:
		return true
	case cat == AuthenticationFailed:
		return needles[needle].text == "authentication"
	}
	return false
}

// lastExpiryRule is the index in textRules of the last-resort expiry
// words ("has been delayed", "attempts"), read when no cause is named.
var lastExpiryRule = func() int32 {
	for i := len(textRules) - 1; i >= 0; i-- {
		if textRules[i].tier == tierPhrase && textRules[i].category == MessageExpired {
			return int32(i)
		}
	}
	panic("bounce: no last expiry rule")
}()

// namesLookupFailure reports whether text names a resolver's failure in
// the words that say a query got no answer (dnsTrouble's failure words,
// not the bare "dns lookup" or "name server", which a listing's text
// names as well: "listed by DNS lookup").
func namesLookupFailure(text string) bool {
	for _, stem := range [...]string{"dns ", "lookup "} {
		if i := indexFold(text, stem); i >= 0 {
			w, _ := wordAt(text, skipSpaces(text, i+len(stem)))
			switch w {
			case "error", "failure", "failed", "timeout", "temporary":
				return true
			}
		}
	}
	return containsFold(text, "servfail") || containsFold(text, "resolver error") || containsFold(text, "temperror")
}

// countYields reports whether a specific code's category is one a count
// per period overrides: a mailbox's storage (X.2.2) or a transaction's
// count of recipients (X.5.3), whose limits have no period.
func countYields(category string) bool {
	return category == QuotaIssues || category == TooManyRecipients
}

// checkVerdict reports whether a category is a check's verdict on the
// client or an address (SMTP AUTH, a sender or recipient verification),
// which a check that failed to run does not give.
func checkVerdict(category string) bool {
	return category == AuthenticationFailed || category == InvalidSender || category == InvalidRecipient
}

// namesCheckFailure reports whether text calls the failure a temporary
// or internal failure, error or problem of the server's own ("Temporary
// authentication failure", "temporary failure in sender address
// verification", "internal DKIM error": the service that runs the check
// could not run), not a verdict deferred ("temporarily rejected").
func namesCheckFailure(text string) bool {
	for _, w := range [...]string{"temporary ", "internal "} {
		i := indexFold(text, w)
		if i < 0 {
			continue
		}
		rest := text[i:]
		if containsFold(rest, "failure") || containsFold(rest, "error") || containsFold(rest, "problem") {
			return true
		}
	}
	return false
}

// isStockNeedle reports whether a phrase needle is RFC 5321's "mailbox
// unavailable" in one of its forms.
func isStockNeedle(n string) bool {
	return n == stockNeedle || n == "mailbox is unavailable"
}

// expiryRule is the index in textRules of the phrase rule of an expired
// queue ("retry timeout exceeded"): the causes ranked before it decide
// over X.4.7.
var expiryRule = func() int32 {
	for i, r := range textRules {
		if r.tier == tierPhrase && r.category == MessageExpired {
			return int32(i)
		}
	}
	panic("bounce: no expiry rule")
}()

// namesSender reports whether phrase rule r is about the envelope sender
// (the sender's own words, or the receiver's list of senders): an
// address status (X.1.1-X.1.3, the destination's mailbox or system) sent
// with it is the server's default code for any refused address ("550
// 5.1.1 <a@example.com> sender is blacklisted").
func namesSender(r *textRule) bool {
	return r.category == InvalidSender || r.name == senderListedRule
}

// byReplyCode decides on the reply code alone (tiers 6 and 7).
func byReplyCode(code int, text string) Result {
	if c, ok := replyCodes[code]; ok {
		return Result{c, actionOf(c), "reply", replyNames[code]}
	}
	switch {
	case code >= 400 && code < 500:
		return Result{TransientFailure, Default, "class", "4xx"}
	case code >= 500 && code < 600:
		return Result{Other, Default, "class", "5xx"}
	case text == "":
		return Result{BadConnection, Default, "no reply", ""}
	}
	return Result{Other, Default, "no reply", "unknown text"}
}

// replyCodes are the reply codes with one meaning (RFC 5321, RFC 4954
// for authentication, RFC 7504 for hosts and domains that take no mail).
var replyCodes = map[int]string{
	500: ProtocolErrors, 501: ProtocolErrors, 502: ProtocolErrors,
	503: ProtocolErrors, 504: ProtocolErrors, 555: ProtocolErrors,
	521: BadDomain, 556: BadDomain,
	530: AuthenticationFailed, 534: AuthenticationFailed, 535: AuthenticationFailed,
	538: TLSFailure,
	552: QuotaIssues,
}

// replyNames spells replyCodes' keys once, so a result allocates nothing.
var replyNames = func() map[int]string {
	m := make(map[int]string, len(replyCodes))
	for c := range replyCodes {
		m[c] = strconv.Itoa(c)
	}
	return m
}()

// containsFold reports whether text contains needle (lowercase ASCII),
// ignoring ASCII case, without allocating.
func containsFold(text, needle string) bool {
	return indexFold(text, needle) >= 0
}

// bareQuota reports whether a phrase rule's needle names a quota without
// the mailbox's storage ("quota exceeded", not "mailbox quota", "disk
// quota").
func bareQuota(needle string) bool {
	return strings.Contains(needle, "quota") && !strings.Contains(needle, "mailbox") &&
		!strings.Contains(needle, "disk") && !strings.Contains(needle, "disc") && !strings.Contains(needle, "storage")
}

// namesLoop reports whether text names a mail loop in the words of
// RFC 5321 section 6.3 (a loop, a count of hops or of Received: trace
// header fields), the cause X.4.6 reports.
func namesLoop(text string) bool {
	return containsFold(text, "loop") || containsFold(text, "hop") || containsFold(text, "received")
}

// missingMailbox are the words of X.1.1 itself (RFC 3463: "the mailbox
// specified in the address does not exist"), in MTAs' stock forms.
var missingMailbox = []string{"user unknown", "unknown user", "no such user", "no such mailbox", "user not found",
	"mailbox not found", "does not exist", "doesn't exist", "unknown recipient", "recipient unknown"}

// namesMissingMailbox reports whether text names a mailbox that does not
// exist, in the words of X.1.1.
func namesMissingMailbox(text string) bool {
	for _, w := range missingMailbox {
		if containsFold(text, w) {
			return true
		}
	}
	return false
}

// deferralWords call a failure temporary: phrases.go's last
// TransientFailure word rule, and "not available".
var deferralWords = []string{"temporar", "try again", "later", "deferred", "unavailable", "not available", "busy", "resubmit"}

// namesDeferral reports whether text calls the failure a pause.
func namesDeferral(text string) bool {
	for _, w := range deferralWords {
		if containsFold(text, w) {
			return true
		}
	}
	return false
}

// postfixWrappers are Postfix's texts naming the envelope address a
// restriction refused (smtpd_recipient_restrictions,
// smtpd_sender_restrictions), before the restriction's own text.
var postfixWrappers = []string{"recipient address rejected:", "sender address rejected:"}

// wrappedClientAddress reports whether the text after a Postfix address
// wrapper names an IPv4 address: the client's, as a restriction's text
// quotes it.
func wrappedClientAddress(text string) bool {
	for _, w := range postfixWrappers {
		if i := indexFold(text, w); i >= 0 && hasIPv4(text[i+len(w):]) {
			return true
		}
	}
	return false
}

// hasIPv4 reports whether s holds a dotted-quad IPv4 address standing
// alone (not part of a longer run of digits and dots).
func hasIPv4(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' || i > 0 && (s[i-1] == '.' || s[i-1] >= '0' && s[i-1] <= '9') {
			continue
		}
		j, parts := i, 0
		for parts < 4 {
			k := j
			for k < len(s) && k-j < 4 && s[k] >= '0' && s[k] <= '9' {
				k++
			}
			if k == j || k-j > 3 {
				break
			}
			parts++
			j = k
			if parts < 4 {
				if j >= len(s) || s[j] != '.' {
					break
				}
				j++
			}
		}
		if parts == 4 && (j >= len(s) || s[j] != '.' && (s[j] < '0' || s[j] > '9')) {
			return true
		}
	}
	return false
}

// namesClientAddress reports whether text addresses the client by its IP
// address ("Your address 192.0.2.1 ...", "your IP 192.0.2.1 ...").
func namesClientAddress(text string) bool {
	for _, w := range []string{"your address ", "your ip ", "your ip address "} {
		if i := indexFold(text, w); i >= 0 && startsIPv4(text[i+len(w):]) {
			return true
		}
	}
	return false
}

// namesClientHostAsObject reports whether a content verdict's text is
// about the client host rather than the message: the client's address
// is what the words name ("your address 192.0.2.1", a lookup page's
// "?IP=192.0.2.1", a verdict that starts with the address and a colon,
// "DAS51 192.0.2.1: Your mail is blocked by anti-spam system"). An
// address in brackets or after "from" only says where the message came
// from (Gmail's "[192.0.2.1] Our system has detected that this message
// ...") and does not count.
func namesClientHostAsObject(text string) bool {
	if namesClientAddress(text) {
		return true
	}
	if i := indexFold(text, "ip="); i >= 0 && startsIPv4(text[i+3:]) {
		return true
	}
	return leadingIPv4Subject(text)
}

// leadingIPv4Subject reports whether the reply's words start with an IPv4
// address and a colon ("554 5.7.1 DAS51 192.0.2.1: Your mail is blocked"):
// the host the verdict is about.
func leadingIPv4Subject(text string) bool {
	for i := 0; i < len(text) && i < 24; i++ {
		if (i == 0 || text[i-1] == ' ') && startsIPv4(text[i:]) {
			n := i
			for n < len(text) && (text[n] == '.' || text[n] >= '0' && text[n] <= '9') {
				n++
			}
			return n < len(text) && text[n] == ':'
		}
	}
	return false
}

// startsIPv4 reports whether s begins with a dotted-quad IPv4 address.
func startsIPv4(s string) bool {
	n := 0
	for n < len(s) && (s[n] == '.' || s[n] >= '0' && s[n] <= '9') {
		n++
	}
	return n >= 7 && hasIPv4(s[:n])
}

// verdictElsewhere reports whether the text rule t (matched by needle)
// says the mailbox does not exist or is closed (InvalidRecipient,
// InactiveMailbox) outside the clause text[from:to] of a server's failure
// at its own work: "Cannot open mailbox for u: no such user", "User
// unknown; could not write to mailbox". The failure is then how the
// server found out, and the verdict on the address stands: read as the
// server's own failure, the dead address would never be suppressed.
func verdictElsewhere(text string, t, needle int32, from, to int) bool {
	if t < 0 {
		return false
	}
	if c := textRules[t].category; c != InvalidRecipient && c != InactiveMailbox {
		return false
	}
	// the words as words ("moved" in "removed" says nothing), read
	// before or after the failure's clause
	nd := strings.TrimSpace(needles[needle].text)
	for i := 0; i < len(text); {
		at := indexFold(text[i:], nd)
		if at < 0 {
			return false
		}
		at += i
		end := at + len(nd)
		if (at == 0 || !isLetter(text[at-1])) && (end == len(text) || !isLetter(text[end])) && (end <= from || at >= to) {
			return true
		}
		i = at + 1
	}
	return false
}

// recipientObject are the words that name a reply's object as a
// recipient (SMTP's RCPT command and the MTAs' names for its address);
// senderWordEnd (subject.go) reads the envelope sender's ("mail from",
// "mailfrom", "sender", "envelope from", "return-path", "return path").
var recipientObject = []string{"rcpt", "recipient", "user", "mailbox", "account", "to:", "destinat", "address"}

// aboutSenderOnly reports whether text names the envelope sender as its
// object and names no recipient, mailbox or bare address (which could be
// the recipient's). matched is the phrase's needle: one that itself names
// a recipient ("user unknown", "recipient address rejected") answers at
// once, without reading the text.
func aboutSenderOnly(text, matched string) bool {
	for _, w := range recipientObject {
		if strings.Contains(matched, w) {
			return false
		}
	}
	if senderWordEnd(text) < 0 {
		return false
	}
	for _, w := range recipientObject {
		if containsFold(text, w) {
			return false
		}
	}
	return true
}

// sessionObject reports whether a category is about the SMTP session or
// the client (its channel's security, its AUTH credentials), an object
// no mailbox or address status describes.
func sessionObject(category string) bool {
	return category == TLSFailure || category == AuthenticationFailed
}
