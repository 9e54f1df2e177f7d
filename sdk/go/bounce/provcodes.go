package bounce

import "strings"

// Providers' own numbered error codes, each documented by the provider
// with its meaning: the number says more than the enhanced code the
// provider sends with it (Orange sends "552 5.1.1 Boite du destinataire
// pleine ... OFR_417" for a full mailbox, Spectrum "550 5.1.0 ... sender
// rejected ... AUP#In-1310" for a connection limit), so such a code
// decides first (tier 0), like a documented reuse. The text-coded ones
// (Facebook's "RCP-P2", GoDaddy's "IB504") are override rules in
// providers.go; the ones read by number are here.

// orangeCodes: Orange and La Poste (orange.fr, wanadoo.fr, laposte.net)
// end their refusals with a label and a number ("OFR006_103",
// "LPN007_420", "OFR_416 [416]"), listed with their meaning on Orange's
// postmaster pages (as quoted by postmastery.com's "Orange postmaster
// SMTP error codes" and the SMTP Field Manual). Only the numbers whose
// meaning the lists agree on: the published lists give 416 and 417 to
// an invalid recipient, a full mailbox and an invalid sender, and 510 to
// "service refused" and "likely unsolicited email", so for those, and
// for the numbers whose text names no cause ("Veuillez essayer plus
// tard"), the words decide ("orange service refused" in providers.go).
var orangeCodes = map[int]string{
	101: SpamBlock,            // blocked using Spamhaus: delisting link
	102: SpamBlock,            // source IP blocked for spam incidents (Cloudmark, Senderscore)
	104: RateLimited,          // too many connections, slow down
	305: AuthenticationFailed, // invalid authentication code
	401: AuthenticationFailed, // SPF: not allowed to send mail
	402: AuthenticationFailed, // authentication required
	420: InactiveMailbox,      // archived recipient
	426: InactiveMailbox,      // the recipient's account is blocked
	505: TransientFailure,     // service refused at the end of DATA: a system condition
	514: MessageTooLarge,      // message size limit reached
	517: AuthenticationFailed, // DMARC verification failed
	630: PolicyRelated,        // client host rejected by policy
}

// spectrumCodes: Spectrum (Charter) replies carry "AUP#" and a
// four-digit code (an I for incoming, O for outgoing may come first),
// documented in ranges on its "Understanding email error codes" page.
var spectrumCodes = []struct {
	lo, hi   int
	category string
}{
	{1000, 1000, ReputationBlock},  // IP blocked for suspicious activity, until the block expires
	{1010, 1080, PolicyRelated},    // the sending account blocked or limited for suspicious activity
	{1090, 1090, TransientFailure}, // the message cannot be processed now
	{1100, 1150, PolicyRelated},    // the connecting IP's DNS: full-circle reverse DNS required
	{1160, 1190, PolicyRelated},    // against the domain's security policies
	{1200, 1250, SpamBlock},        // IP listed by Cloudmark CSI or Spamhaus
	{1260, 1260, BadConnection},    // IPv6 connections not processed
	{1300, 1340, RateLimited},      // concurrent and total connections per sender
	{1350, 1490, RateLimited},      // messages, recipients, spam and invalid recipients per period
	{1500, 1520, InvalidSender},    // sending as another address or domain than signed in
	{1530, 1530, MessageTooLarge},  // larger than 20 MB
	{1540, 1540, RateLimited},      // too many messages in one session
	{1550, 1550, TooManyRecipients},
	{1560, 1560, PolicyRelated}, // too many invalid recipients
	{1580, 1580, RateLimited},   // too many recipients in a short period
}

// iuaCodes: i.ua links each refusal to mail.i.ua/err/N/.
var iuaCodes = map[int]string{
	1:  RelayDenied,      // SMTP as a mail gate is forbidden
	2:  InvalidRecipient, // user not found
	3:  InactiveMailbox,  // mailbox not used for more than 3 months (frozen)
	4:  QuotaIssues,      // mailbox full
	5:  RateLimited,      // sending limit exceeded
	6:  RelayDenied,      // use your provider's SMTP server
	7:  PolicyRelated,    // wrong HELO/EHLO parameter
	8:  InvalidSender,    // sender address could not be checked
	9:  SpamBlock,        // sender's IP blacklisted
	10: PolicyRelated,    // not in the recipient's list of accepted addresses
}

// providerCode reads a provider's numbered error code from text.
func providerCode(text string) (Result, bool) {
	if c := orangeCode(text); c != "" {
		return Result{c, actionOf(c), "override", "orange/la poste code"}, true
	}
	// Found by rare bytes ('#', '/'), which strings.IndexByte skips to
	// fast, then the label before them: most replies hold neither.
	for i := strings.IndexByte(text, '#'); i >= 0; {
		if i >= 3 && text[i-3:i] == "AUP" {
			if c := spectrumCode(text[i+1:]); c != "" {
				return Result{c, actionOf(c), "override", "spectrum AUP# code"}, true
			}
		}
		j := strings.IndexByte(text[i+1:], '#')
		if j < 0 {
			break
		}
		i += 1 + j
	}
	if i := strings.Index(text, "/err/"); i >= 4 && text[i-4:i] == "i.ua" {
		if end, n := digits(text, i+5); n > 0 && n <= 2 {
			if c := iuaCodes[atoiN(text[i+5:end])]; c != "" {
				return Result{c, actionOf(c), "override", "i.ua code"}, true
			}
		}
	}
	return Result{}, false
}

// orangeCode finds Orange's label and number ("OFR006_102", "LPN_420",
// "OUK_513") and returns the number's category, "" for a number the
// table leaves to the words.
func orangeCode(text string) string {
	for i := strings.IndexByte(text, '_'); i >= 0; {
		if end, n := digits(text, i+1); n == 3 && (end == len(text) || !isAlnum(text[end])) && orangeLabel(text, i) {
			return orangeCodes[atoi3(text[i+1:])]
		}
		j := strings.IndexByte(text[i+1:], '_')
		if j < 0 {
			break
		}
		i += 1 + j
	}
	return ""
}

// orangeLabel reports whether the word that ends at text[i] (an
// underscore) starts with OFR, LPN or OUK.
func orangeLabel(text string, i int) bool {
	s := i
	for s > 0 && isAlnum(text[s-1]) {
		s--
	}
	if i-s < 3 || i-s > 6 {
		return false
	}
	l := strings.ToLower(text[s : s+3])
	return l == "ofr" || l == "lpn" || l == "ouk"
}

// spectrumCode reads the four digits after "AUP#" (skipping an I or O,
// an n and a hyphen: "AUP#In-1310", "AUP#O-1010").
func spectrumCode(s string) string {
	i := 0
	for i < len(s) && i < 4 && (s[i] == 'I' || s[i] == 'O' || s[i] == 'n' || s[i] == '-') {
		i++
	}
	end, n := digits(s, i)
	if n != 4 {
		return ""
	}
	v := atoiN(s[i:end])
	for _, r := range spectrumCodes {
		if v >= r.lo && v <= r.hi {
			return r.category
		}
	}
	return ""
}

func atoiN(s string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		n = n*10 + int(s[i]-'0')
	}
	return n
}

func isAlnum(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}
