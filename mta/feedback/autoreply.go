package feedback

import (
	"regexp"
	"strings"
)

// autoreplySubjectRE matches the subject prefixes of automatic replies in
// the languages mailbox providers send them in.
var autoreplySubjectRE = regexp.MustCompile(`(?i)^\s*(?:re:\s*)?(?:auto(?:matic)?[ _-]?(?:reply|response|respond|antwort|answer|réponse|risposta|respuesta)|autoreply|autoresponder|out of (?:the )?office|abwesenheit|abwesend|absence|vacation|on vacation|away from|automatische antwort|réponse automatique|respuesta automática|risposta automatica|resposta automática|automatisch antwoord|autosvar|自動応答|自動返信|自动回复|不在)`)

// bounceSubjectRE matches the subjects of delivery failure notices.
var bounceSubjectRE = regexp.MustCompile(`(?i)undeliver|not (?:be )?delivered|delivery (?:status|fail|notif|problem|report|error)|failure notice|failed delivery|returned mail|return(?:ed)? to sender|mail delivery fail|non[- ]?delivery|delivery has failed|could not (?:be )?deliver|unable to deliver|rejected|mail system error|bounce`)

// bounceSenderRE matches the local parts and display names that bounce
// senders use.
var bounceSenderRE = regexp.MustCompile(`(?i)mailer[-_ ]?daemon|mail[-_ ]?daemon|postmaster|mail delivery (?:sub)?system|delivery subsystem|mail administrator|mdaemon`)

// looksLikeBounce reports whether the message's own header says it is a
// delivery failure notice.
func (m *msg) looksLikeBounce() bool {
	return m.top.get("x-failed-recipients") != "" || m.isListNotice() ||
		bounceSenderRE.MatchString(m.top.get("from")) ||
		bounceSubjectRE.MatchString(decodeWords(m.top.get("subject")))
}

// isListNotice reports whether the message is a mailing-list server's
// notice of a post it refused: fml's administrative address ("list-admin@")
// writing with its X-MLServer field (fml puts the field on every post too,
// so the sender decides).
func (m *msg) isListNotice() bool {
	if m.top.get("x-mlserver") == "" && m.top.get("x-ml-server") == "" {
		return false
	}
	for _, a := range addresses(m.top.get("from")) {
		local, _, _ := strings.Cut(strings.ToLower(a), "@")
		if strings.HasSuffix(local, "-admin") || strings.HasSuffix(local, "-owner") || strings.HasPrefix(local, "owner-") {
			return true
		}
	}
	return false
}

// isAutoreply reports whether the message is an automatic reply (RFC 3834
// "Auto-Submitted: auto-replied", the X-Autoreply family of fields,
// "Precedence: auto_reply", a vacation marker, an auto-reply subject),
// and not a bounce: bounces carry "Auto-Submitted" too.
func isAutoreply(m *msg) bool {
	if m.looksLikeBounce() {
		return false
	}
	as := strings.ToLower(strings.TrimSpace(strings.SplitN(m.top.get("auto-submitted"), ";", 2)[0]))
	if as == "auto-replied" {
		return true
	}
	for _, f := range m.top {
		if strings.HasPrefix(f.name, "x-auto") && (strings.Contains(f.name, "repl") || strings.Contains(f.name, "respon")) &&
			f.name != "x-auto-response-suppress" {
			return true
		}
		if strings.EqualFold(strings.TrimSpace(f.value), "vacation") {
			return true
		}
	}
	if strings.EqualFold(strings.TrimSpace(m.top.get("precedence")), "auto_reply") {
		return true
	}
	return autoreplySubjectRE.MatchString(decodeWords(m.top.get("subject")))
}

// parseAutoreply records the reply's author as the recipient: an
// auto-reply comes from the mailbox the original was delivered to.
func parseAutoreply(r *Report, m *msg) {
	r.Kind = KindAutoreply
	addr := firstAddress(m.top.get("from"))
	if addr == "" {
		addr = firstAddress(m.top.get("return-path"))
	}
	r.Recipients = []Recipient{{Kind: KindAutoreply, Address: addr, Diagnostic: oneLine(r.Subject)}}
}
