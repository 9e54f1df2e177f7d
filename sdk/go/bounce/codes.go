package bounce

import "strings"

// codeMeaning is what an enhanced status code's subject and detail say.
// specific: the code names one cause, and outranks the reply text (tier
// 1); otherwise it says only what the reply is about, and decides after
// the texts that name a cause (tier 4).
type codeMeaning struct {
	category string
	specific bool
}

// enhancedCodes: RFC 3463 and the IANA "SMTP Enhanced Status Codes"
// registry (RFC 3886, 4468, 4954, 5248, 6531, 6710, 7293, 7372, 7505,
// 8617, 8689 ...), keyed by "subject.detail".
var enhancedCodes = map[string]codeMeaning{
	"0.0": {"", false}, // other undefined status: says nothing
	// X.1 addressing
	"1.0":  {InvalidRecipient, false}, // other address status
	"1.1":  {InvalidRecipient, true},  // bad destination mailbox address
	"1.2":  {BadDomain, true},         // bad destination system address
	"1.3":  {InvalidRecipient, true},  // bad destination mailbox address syntax
	"1.4":  {InvalidRecipient, false}, // destination mailbox address ambiguous
	"1.5":  {"", false},               // destination address valid (a success detail)
	"1.6":  {InvalidRecipient, true},  // destination mailbox has moved
	"1.7":  {InvalidSender, true},     // bad sender's mailbox address syntax
	"1.8":  {InvalidSender, true},     // bad sender's system address
	"1.9":  {RoutingErrors, false},    // message relayed to non-compliant mailer
	"1.10": {InvalidRecipient, false}, // null MX (RFC 7505); Microsoft: recipient not found
	// X.2 mailbox
	"2.0": {"", false},               // other or undefined mailbox status: the words decide
	"2.1": {InactiveMailbox, false},  // mailbox disabled; reused (Gmail: too fast, Messaging Server: unknown)
	"2.2": {QuotaIssues, true},       // mailbox full
	"2.3": {MessageTooLarge, true},   // message length exceeds administrative limit
	"2.4": {BadConfiguration, false}, // mailing list expansion problem
	// X.3 mail system
	"3.0": {TransientFailure, false}, // other or undefined mail system status
	"3.1": {TransientFailure, false}, // mail system full
	"3.2": {TransientFailure, false}, // system not accepting network messages
	"3.3": {ProtocolErrors, false},   // system not capable of selected features
	"3.4": {MessageTooLarge, true},   // message too big for system
	"3.5": {BadConfiguration, true},  // system incorrectly configured
	"3.6": {PolicyRelated, false},    // requested priority was changed (RFC 6710)
	// X.4 network and routing
	"4.0": {RoutingErrors, false},   // other or undefined network or routing status
	"4.1": {NoAnswerFromHost, true}, // no answer from host (only without a reply: codeFor)
	"4.2": {BadConnection, true},    // bad connection (only without a reply or on a 4xx: codeFor)
	// X.4.3 "directory server failure": DNS is one directory among
	// others (Postfix's and Barracuda's "Temporary lookup/server error"
	// carry it too), so the code says a temporary failure and DNS words
	// make it DNSFailure.
	"4.3": {TransientFailure, false},
	"4.4": {BadDomain, true},         // unable to route
	"4.5": {TransientFailure, false}, // mail system congestion
	"4.6": {RoutingErrors, true},     // routing loop detected
	"4.7": {MessageExpired, true},    // delivery time expired
	// X.5 protocol
	// X.5.1, X.5.2 and X.5.4 say that a command was refused, not why: a
	// text that names the cause ("Must issue a STARTTLS command first",
	// "Authentication required") decides before them.
	"5.0": {ProtocolErrors, false},
	"5.1": {ProtocolErrors, false}, // invalid command
	"5.2": {ProtocolErrors, false}, // syntax error
	"5.3": {TooManyRecipients, true},
	"5.4": {ProtocolErrors, false}, // invalid command arguments
	"5.5": {ProtocolErrors, true},  // wrong protocol version
	"5.6": {ProtocolErrors, false}, // authentication exchange line too long
	// X.6 media
	"6.0":  {ProtocolErrors, false},
	"6.1":  {ProtocolErrors, false}, // media not supported
	"6.2":  {ProtocolErrors, false}, // conversion required and prohibited
	"6.3":  {ProtocolErrors, false},
	"6.4":  {ProtocolErrors, false},
	"6.5":  {ProtocolErrors, false},
	"6.6":  {ProtocolErrors, false}, // message content not available (RFC 4468)
	"6.7":  {ProtocolErrors, true},  // non-ASCII addresses not permitted (RFC 6531)
	"6.8":  {ProtocolErrors, true},  // UTF-8 reply required
	"6.9":  {ProtocolErrors, true},  // UTF-8 header cannot be transferred
	"6.10": {ProtocolErrors, true},
	// X.7 security and policy
	"7.0":  {PolicyRelated, false},
	"7.1":  {PolicyRelated, false},        // delivery not authorized, message refused
	"7.2":  {PolicyRelated, false},        // mailing list expansion prohibited
	"7.3":  {TLSFailure, false},           // security conversion required but not possible (RFC 3463: between secure messaging protocols; read with X.7.5 and X.7.6 as the channel's security)
	"7.4":  {TLSFailure, false},           // security features not supported
	"7.5":  {TLSFailure, false},           // cryptographic failure
	"7.6":  {TLSFailure, false},           // cryptographic algorithm not supported
	"7.7":  {AuthenticationFailed, true},  // message integrity failure
	"7.8":  {AuthenticationFailed, true},  // authentication credentials invalid (RFC 4954)
	"7.9":  {AuthenticationFailed, false}, // mechanism too weak; Yahoo uses it for policy
	"7.10": {TLSFailure, true},            // encryption needed (RFC 5248)
	"7.11": {TLSFailure, true},            // encryption required for the mechanism
	"7.12": {AuthenticationFailed, true},  // password transition needed
	"7.13": {InactiveMailbox, true},       // user account disabled (RFC 5248)
	"7.14": {PolicyRelated, false},        // trust relationship required
	"7.15": {PolicyRelated, false},        // priority level too low (RFC 6710)
	"7.16": {MessageTooLarge, false},      // too big for the specified priority
	"7.17": {InvalidRecipient, true},      // mailbox owner has changed (RFC 7293)
	"7.18": {InvalidRecipient, true},      // domain owner has changed (RFC 7293)
	"7.19": {PolicyRelated, false},        // RRVS test cannot be completed
	"7.20": {AuthenticationFailed, true},  // no passing DKIM signature (RFC 7372)
	"7.21": {AuthenticationFailed, true},  // no acceptable DKIM signature
	"7.22": {AuthenticationFailed, true},  // no valid author-matched DKIM signature
	"7.23": {AuthenticationFailed, true},  // SPF validation failed
	"7.24": {AuthenticationFailed, true},  // SPF validation error
	"7.25": {PolicyRelated, true},         // reverse DNS validation failed
	"7.26": {AuthenticationFailed, true},  // multiple authentication checks failed
	"7.27": {InvalidSender, true},         // sender address has null MX (RFC 7505)
	"7.28": {RateLimited, true},           // mail flood detected
	"7.29": {AuthenticationFailed, true},  // ARC validation failure (RFC 8617)
	"7.30": {TLSFailure, true},            // REQUIRETLS support required (RFC 8689)
}

// codeFor looks an enhanced code up: its meaning, and whether it decides
// (specific) before the texts. code is the reply code (0 = no reply).
func codeFor(enhanced string, code int) (codeMeaning, bool) {
	if len(enhanced) < 5 || enhanced[1] != '.' {
		return codeMeaning{}, false
	}
	sd := enhanced[2:]
	if code == 421 && (sd[0] == '1' || sd[0] == '2') {
		// 421 closes the session: a mailbox or address status on it
		// cannot be about one mailbox.
		return codeMeaning{}, false
	}
	switch sd {
	case "4.1", "4.2":
		// No answer from host, bad connection: when there was no reply,
		// and X.4.2 on a 4xx (a session closed on a timeout or a lost
		// channel); a host that answered 5xx with them (Microsoft's
		// 5.4.1 "Recipient address rejected") meant something else.
		if code != 0 && (sd == "4.1" || enhanced[0] != '4') {
			return codeMeaning{}, false
		}
	case "4.4":
		if enhanced[0] == '4' { // a route that may come back: DNS trouble
			return codeMeaning{DNSFailure, true}, true
		}
	}
	m, ok := enhancedCodes[sd]
	if ok && sd == "7.28" && enhanced[0] == '5' {
		// A mail flood refused for good: the source is blocked for its
		// volume (Gmail's 550 5.7.28 "mail sent from your IP address has
		// been blocked"), a reputation verdict to act on, not a rate to
		// retry at; MAPPING.md's table has said so for the 5xx since the
		// category was added, and the phrase tier reads "unusual rate" on
		// a 5xx the same way.
		return codeMeaning{ReputationBlock, true}, true
	}
	if ok && enhanced[0] == '4' && sd[0] == '1' {
		// An address status on a transient reply ("450 4.1.1 unverified
		// address", "452 4.1.1 user over quota"): an address that does
		// not exist is not a temporary condition, so the words decide.
		m.specific = false
	}
	if !ok {
		if m, ok := microsoftDetail(sd); ok {
			return m, true
		}
	}
	if !ok {
		// A detail this table does not know (a private one, or one
		// registered later) says what its subject's X.Y.0 says (RFC 3463
		// section 2: the subject alone classifies the status), and never
		// decides before the texts.
		if i := strings.IndexByte(sd, '.'); i > 0 {
			m, ok = enhancedCodes[sd[:i]+".0"]
			m.specific = false
		}
	}
	return m, ok
}

// EnhancedIn finds the enhanced status code (RFC 3463 "C.S.D", C in 2,
// 4, 5) of a reply text, for replies whose code the engine did not parse
// (multi-line replies, relayed diagnostics): the first one that follows a
// reply code ("550 5.7.1", "550-'5.7.1"), which is the remote server's
// own, else the first one. A relay that quotes a reply often puts its own
// summary first (Amazon SES: "5.1.0 - Unknown address error 550-'5.7.1
// ... Access denied'"); the quoted server's code is the specific one.
func EnhancedIn(text string) string {
	e, _, _ := codesIn(text)
	return e
}

// codesIn is EnhancedIn's scan, in one pass: the enhanced code, the
// reply code it follows (0 when it follows none), and whether the code
// stands in qmail's trailing position ("... (#5.1.1)", "(#5.1.1 -
// chkuser)") rather than RFC 3463's, right after a reply code.
func codesIn(text string) (enhanced string, reply int, trailing bool) {
	first, at := "", -1
	for i := 0; i+5 <= len(text); i++ {
		k := enhancedAt(text, i)
		if k < 0 {
			continue
		}
		if r := replyCodeBefore(text, i); r != 0 {
			return text[i:k], r, false
		}
		if first == "" {
			first, at = text[i:k], i
		}
		i = k
	}
	return first, 0, at > 1 && text[at-1] == '#' && text[at-2] == '('
}

// enhancedAt returns the end of an enhanced status code that starts at
// i, or -1.
func enhancedAt(text string, i int) int {
	c := text[i]
	if (c != '2' && c != '4' && c != '5') || text[i+1] != '.' || (i > 0 && !isBoundary(text[i-1])) {
		return -1
	}
	j, n1 := digits(text, i+2)
	if n1 == 0 || n1 > 3 || j >= len(text) || text[j] != '.' {
		return -1
	}
	k, n2 := digits(text, j+1)
	if n2 == 0 || n2 > 3 || (k < len(text) && !isBoundary(text[k])) {
		return -1
	}
	return k
}

// replyCodeBefore returns the reply code of the same class that comes
// right before i ("550 ", "550-", "550-'"), or 0.
func replyCodeBefore(text string, i int) int {
	j := i - 1
	for j >= 0 && (text[j] == '\'' || text[j] == '"') {
		j--
	}
	if j < 3 || (text[j] != ' ' && text[j] != '-') || (j-4 >= 0 && !isBoundary(text[j-4])) {
		return 0
	}
	c0, c1, c2 := text[j-3], text[j-2], text[j-1]
	if c0 != text[i] || c1 < '0' || c1 > '9' || c2 < '0' || c2 > '9' {
		return 0
	}
	return int(c0-'0')*100 + int(c1-'0')*10 + int(c2-'0')
}

// atoi3 is the value of three ASCII digits, -1 if they are not.
func atoi3(s string) int {
	n := 0
	for i := 0; i < 3; i++ {
		if s[i] < '0' || s[i] > '9' {
			return -1
		}
		n = n*10 + int(s[i]-'0')
	}
	return n
}

func digits(s string, i int) (end, n int) {
	for end = i; end < len(s) && s[end] >= '0' && s[end] <= '9'; end++ {
	}
	return end, end - i
}

func isBoundary(c byte) bool {
	switch c {
	case ' ', '-', '#', '\'', '(', '<', '\t', '\n', '\r', '=', ')', '>', ',', ';', ':', '"', '[', ']':
		return true
	}
	return false
}

// quotedReplyCode returns the reply code of a remote server that a
// failure's text quotes after "said: " (Postfix, qmail: "host
// mx.example.com[192.0.2.1] said: 550 ...") or "<<< " (a transcript), or
// 0: such a failure had a reply, and its class counts. (A code before an
// enhanced one, "550-5.1.1", is found with the enhanced code.)
//
// A text that quotes a whole transcript (several replies with different
// failure codes: ">>> DATA <<< 503 All recipients are invalid 554 5.0.0
// Service unavailable") has no one quoted reply to take as its own: the
// later replies are often the consequence of an earlier one (RFC 5321's
// 503 to DATA after every RCPT failed), so none is taken (0), and the
// first failure code that stands before an enhanced code, or the words,
// decide (codesIn).
func quotedReplyCode(text string) int {
	if quotesTranscript(text) {
		return 0
	}
	for _, marker := range []string{"said: ", "<<< "} {
		if i := strings.Index(text, marker); i >= 0 {
			if c := replyCodeIn(text[i+len(marker):]); c != 0 {
				return c
			}
		}
	}
	return 0
}

// replyCodeIn returns the reply code that starts text ("550 ...",
// "550-..."), or 0.
func replyCodeIn(text string) int {
	if len(text) < 4 || (text[3] != ' ' && text[3] != '-') {
		return 0
	}
	c0, c1, c2 := text[0], text[1], text[2]
	if c0 < '2' || c0 > '5' || c1 < '0' || c1 > '9' || c2 < '0' || c2 > '9' {
		return 0
	}
	return int(c0-'0')*100 + int(c1-'0')*10 + int(c2-'0')
}

// quotesTranscript reports whether text quotes two or more SMTP failure
// replies with different reply codes: a code of class 4 or 5 at a word's
// start that a space or a hyphen follows and that either follows a
// transcript's or a relay's quote marker ("<<< ", "said: ") or comes
// before an enhanced status code ("554 5.0.0"), so that a number in the
// prose ("more than 450 messages") does not count. A reply's continuation
// lines ("550-5.1.1 ... 550 5.1.1") repeat one code and are one reply.
func quotesTranscript(text string) bool {
	first := 0
	for i := 0; i+4 <= len(text); i++ {
		c := text[i]
		if c != '4' && c != '5' || i > 0 && !isBoundary(text[i-1]) {
			continue
		}
		n := atoi3(text[i:])
		if n < 0 || text[i+3] != ' ' && text[i+3] != '-' {
			continue
		}
		quoted := strings.HasSuffix(text[:i], "<<< ") || strings.HasSuffix(text[:i], "said: ")
		if !quoted && !(i+9 <= len(text) && enhancedAt(text, i+4) > 0) {
			continue
		}
		switch {
		case first == 0:
			first = n
		case n != first:
			return true
		}
		i += 3
	}
	return false
}
