package feedback

import (
	"regexp"
	"strconv"
	"strings"
)

// statusRE matches an RFC 3463 enhanced status code that is not part of a
// longer dotted number (an IP address, a version).
var statusRE = regexp.MustCompile(`(?:^|[^\d.])([245]\.\d{1,3}\.\d{1,3})(?:[^\d.]|\.(?:\D|$)|$)`)

// findStatus returns the first enhanced status code in s, or "".
func findStatus(s string) string {
	if m := statusRE.FindStringSubmatch(s); m != nil {
		return m[1]
	}
	return ""
}

// tellingStatus returns the status s says most about: the first, unless
// it is the unspecific X.0.0 and a specific one of its class follows (the
// reporting MTA's "#5.0.0" before the remote's "550 5.1.1" in Exchange's
// and Kerio's "<host #5.0.0 smtp;550 5.1.1 User unknown>"; RFC 3463:
// X.0.0 is "other undefined status").
func tellingStatus(s string) string {
	all := statusRE.FindAllStringSubmatch(s, 8)
	if len(all) == 0 {
		return ""
	}
	first := all[0][1]
	if strings.HasSuffix(first, ".0.0") {
		for _, m := range all[1:] {
			if m[1][0] == first[0] && !strings.HasSuffix(m[1], ".0.0") {
				return m[1]
			}
		}
	}
	return first
}

// codeRE matches a reply code where servers and bounce texts put one: at
// the start of a line (after "<<<", "#", "-", ">" or space), after
// "said:", "error:", "reply:", "response:", "returned:", "smtp;", or
// such a label stated as a clause ("The response was: 550 ...", Gmail's
// "The error that the other server returned was: 550 ..."), after
// "failed with:" (with its colon: "a message with 500 recipients" says
// no code), or after a host's address ("host mx.example.org [192.0.2.7]: 550 ...").
var (
	codeRE     = regexp.MustCompile(`(?im)(?:^[\s<>#(\[-]*|(?:said|error|reply|response|returned|answer|smtp|code)(?:\s+(?:was|is))?\s*[:;=]?\s*[<(\['"]?|\bwith:\s*[<(\['"]?|\]:\s*)([45]\d\d)(?:[\s:,\-\])>]|$)`)
	codeOKRE   = regexp.MustCompile(`(?im)(?:^[\s<>#(\[-]*|(?:said|reply|response|returned|answer|smtp|code)\s*[:;=]?\s*[<(\[]?)(2[0-5]\d)(?:[\s:\-\])>]|$)`)
	numericRE3 = regexp.MustCompile(`^\d{3}$`)
	// pairRE matches a reply code anywhere in a text when an enhanced
	// code of its class follows it ("220-greeting 421 4.2.1 refused"):
	// the pair is a reply however the text around it was pasted.
	pairRE = regexp.MustCompile(`(?:^|[^\d.])([45]\d\d)[ -]([45])\.\d{1,3}\.\d{1,3}(?:[^\d.]|$)`)
)

// findCode returns the first failure reply code (4xx, 5xx) in s, else the
// first success code, else 0: a greeting line ("220-...") quoted before
// the failure must not hide it.
func findCode(s string) int {
	m := codeRE.FindStringSubmatch(s)
	if m == nil {
		for _, p := range pairRE.FindAllStringSubmatch(s, 4) {
			if p[1][0] == p[2][0] {
				m = p
				break
			}
		}
	}
	if m == nil {
		m = codeOKRE.FindStringSubmatch(s)
	}
	if m == nil || !numericRE3.MatchString(m[1]) {
		return 0
	}
	n, _ := strconv.Atoi(m[1])
	return n
}

// betterStatus picks the status to report: the field's, unless the
// diagnostic carries a more telling code of the same class — when the
// field is the unspecific X.0.0 (RFC 3463: "other or undefined") or only
// names its subject (X.Y.0: "other address status", "other security or
// policy status"), or is X.4.7, "delivery time expired", which says only
// when the reporting MTA gave up, while the last attempt's reply it
// quotes says why every attempt failed. A code of the other class does
// not change whether the failure is final. With no status at all, the
// reply code's class.
func betterStatus(field, inText string, code int) string {
	switch {
	case field == "":
		if inText != "" {
			return inText
		}
		if code >= 200 && code < 600 {
			return strconv.Itoa(code/100) + ".0.0"
		}
		return ""
	case inText == "" || inText == field:
		return field
	case inText[0] != field[0], strings.HasSuffix(inText, ".0.0"):
	case strings.HasSuffix(field, ".0.0"):
		return inText
	case strings.HasSuffix(field, ".0") && !strings.HasSuffix(inText, ".0"):
		return inText
	case strings.HasSuffix(field, ".4.7") && !strings.HasSuffix(inText, ".4.7"):
		return inText
	}
	return field
}

// expiredRE matches the words with which a reporting MTA says it gave
// the message up because its time in the queue, or its attempts, ran out
// ("Could not deliver for the last 432000 seconds. Giving up.", "retry
// timeout exceeded", "Delivery failed 20 attempts", "aborted after 5.0
// hour(s)", "this message has been in the queue too long").
var expiredRE = regexp.MustCompile(`(?i)\bgiv(?:ing|en) up\b|\bgave up\b|\bretry time(?:out)? (?:exceeded|not reached)|` +
	`\b(?:too long|timed? ?out|expired) (?:in|on) (?:the )?queue|\bin (?:the )?queue (?:for )?too long|` +
	`\bcould ?n[o']t (?:be )?deliver(?:ed)? (?:\w+ ){0,3}?(?:for|within) (?:the last |more than )?[\d.]+ ?(?:second|minute|hour|day)|` +
	`\b(?:aborted|abandoned|expired|failed) after (?:[\d.]+ ?(?:second|minute|hour|day)|\d+ attempts)|` +
	`\bfailed \d+ (?:delivery )?attempts|\bafter (?:multiple|repeated|several|many|\d+) (?:delivery )?(?:attempts|retries)|` +
	`\b(?:message|delivery)(?: time)? (?:has )?expired\b|\bqueue (?:lifetime|time) (?:exceeded|expired)`)

// giveUpRE matches the give-up words that are not about time: a notice
// that calls its failure permanent gives up because the reply was
// permanent (qmail's and Haraka's preamble on every failure, "This is a
// permanent error; I've given up."), and "Giving up on 192.0.2.1." is
// qmail-remote naming the host whose permanent reply ended delivery.
var giveUpRE = regexp.MustCompile(`(?i)\bpermanent\b[^.]{0,40}?\b(?:giv(?:ing|en) up|gave up)\b|\bgiving up on \S+`)

// saysExpired reports whether s says the message was given up for time
// (expiredRE), once the give-up words that are not about time (giveUpRE)
// are set aside: RFC 3463's X.4.7 is for a message whose time in the
// queue ran out, not for the preamble of a permanent failure.
func saysExpired(s string) bool {
	if !expiredRE.MatchString(s) {
		return false
	}
	return expiredRE.MatchString(giveUpRE.ReplaceAllString(s, " "))
}

// expiredStatus is RFC 3463's X.4.7, "delivery time expired", for a
// recipient whose report quotes no reply (code 0) and whose status says
// only its class (X.0.0, or none: then 5) when the report says the
// reporting MTA gave up for time (expired): that, not "other or
// undefined", is what the report states. A reply, or a status that says
// more, is kept: it says why every attempt failed.
func expiredStatus(status string, code int, expired bool) string {
	if !expired || code != 0 || status != "" && !strings.HasSuffix(status, ".0.0") || strings.HasPrefix(status, "2.") {
		return status
	}
	if status == "" {
		return "5.4.7"
	}
	return status[:1] + ".4.7"
}
