package feedback

import (
	"regexp"
	"slices"
	"strings"
)

// The SMTP stage a remote's reply answered is part of what it means: a
// refusal of the greeting or of EHLO refuses the sending host, one of
// RCPT TO the recipient, one after the data the message. Bounces say it
// in their MTA's words, next to the reply they quote:
//   - Postfix: "... said: 550 ... (in reply to RCPT TO command)", "(in
//     reply to end of DATA command)", "host mx[192.0.2.7] refused to talk
//     to me: 554 ..." (the greeting);
//   - Exim: "SMTP error from remote mail server after RCPT TO:<a@b>:",
//     "after end of data:", "after initial connection:", "after EHLO
//     host:", "after pipelined MAIL FROM:<>";
//   - Sendmail and the MTAs that copy its transcript: the last command
//     sent (">>> RCPT To:<a@b>", ">>> DATA") before the reply ("<<< 550
//     ...");
//   - qmail: "Connected to 192.0.2.7 but greeting failed." (the greeting),
//     "... but my name was rejected." (HELO), "... but sender was
//     rejected." (MAIL FROM), "192.0.2.7 does not like recipient." (RCPT
//     TO), "... failed on DATA command." and "... failed after I sent the
//     message." (the data);
//   - others: "Error following RCPT command", "for TEXT command" (the
//     message), "during the SMTP DATA phase".
//
// stageOf reads it as the in-band ClassifyInput.Stage names it:
// "banner" (the greeting), "ehlo", "starttls", "auth", "mail", "rcpt",
// "data"; "" when the report does not say.

// stageRE matches a stage stated in words; its groups are tried in order
// and the first that matched names the command.
var stageRE = regexp.MustCompile(`(?i)` +
	`\bin reply to (?:the )?(rcpt to|mail from|end of data|data|helo|ehlo|lhlo|starttls|auth|xforward|message body)\b|` +
	`\bafter (?:the )?(?:pipelined |pipelining )?(initial connection|connection|greeting|rcpt to|mail from|end of data|data|helo|ehlo|lhlo|starttls|auth|rcpt(?: command)|mail(?: command))\b|` +
	`\b(refused to talk to me|greeting failed|my name was rejected|sender was rejected|sender rejected|recipient was rejected|does not like recipient|failed on data command|failed after i sent the message)\b|` +
	`\b(?:following|during|to|for|at) (?:the )?(?:smtp )?(rcpt|rcpt to|mail|mail from|data|text|helo|ehlo|starttls|auth)(?: command| phase| stage)\b`)

// commandEchoRE matches a transcript's command line (">>> RCPT To:<a@b>",
// "Sent <<< RCPT TO:<a@b>").
var commandEchoRE = regexp.MustCompile(`(?i)^\s*(?:>>>|sent\s*<<<|out:|c:)\s*(rcpt|mail|data|helo|ehlo|lhlo|starttls|auth|\.)\b`)

// stageNames maps the words the MTAs use to the stage names.
func stageName(w string) string {
	w = strings.ToLower(w)
	switch {
	case w == "initial connection" || w == "connection" || w == "greeting" || w == "refused to talk to me" || w == "greeting failed":
		return "banner"
	case w == "helo" || w == "ehlo" || w == "lhlo" || w == "my name was rejected":
		return "ehlo"
	case strings.HasPrefix(w, "mail") || w == "sender was rejected" || w == "sender rejected":
		return "mail"
	case strings.HasPrefix(w, "rcpt") || w == "recipient was rejected" || w == "does not like recipient":
		return "rcpt"
	case w == "data" || w == "end of data" || w == "message body" || w == "text" || w == "." ||
		w == "failed on data command" || w == "failed after i sent the message":
		return "data"
	case w == "starttls":
		return "starttls"
	case w == "auth":
		return "auth"
	}
	return ""
}

// stageWords are words every stageRE match holds, lowercase: a text
// without any is not matched against it (most lines of a notice).
var stageWords = []string{"reply to", "after", "talk to", "greeting", "rejected", "command", "phase", "stage", "like recipient"}

// stageIn returns the stage a text states, or "".
func stageIn(s string) string {
	if !slices.ContainsFunc(stageWords, func(w string) bool { return containsFoldASCII(s, w) }) {
		return ""
	}
	m := stageRE.FindStringSubmatch(s)
	for _, g := range m[min(1, len(m)):] {
		if g != "" {
			return stageName(g)
		}
	}
	return ""
}

// stageNear returns the stage stated for the address of line i: in
// its block (following: the rest of its line and the lines after it, up
// to the next failed address: Postfix's "(in reply to ...)", Exim's
// "after ...", qmail's "greeting failed"), else the transcript's last
// command before it in its paragraph (Sendmail's summary line follows
// ">>> RCPT To:<a@b>" and "<<< 550 ..."). A bounded window, so that a
// report of many recipients is read in linear time.
func stageNear(lines []string, i int, following []string) string {
	// joined: Postfix wraps "(in reply to end of / DATA command)"
	if s := stageIn(oneLine(strings.Join(following, " "))); s != "" {
		return s
	}
	for j := i - 1; j >= 0 && j >= i-8; j-- {
		l := lines[j]
		if strings.TrimSpace(l) == "" {
			break
		}
		if m := commandEcho(l); m != "" {
			return stageName(m)
		}
	}
	return ""
}

// commandEcho returns the command of a transcript's command line, or "".
func commandEcho(l string) string {
	t := strings.TrimLeft(l, " \t")
	if len(t) < 2 || !strings.HasPrefix(t, ">>>") && !containsFoldASCII(t[:min(len(t), 5)], "sent") &&
		!containsFoldASCII(t[:2], "c:") && !containsFoldASCII(t[:min(len(t), 4)], "out:") {
		return ""
	}
	if m := commandEchoRE.FindStringSubmatch(l); m != nil {
		return m[1]
	}
	return ""
}

// containsFoldASCII reports whether s contains sub (lowercase ASCII),
// ASCII letters compared without case; no lowercased copy of s.
func containsFoldASCII(s, sub string) bool {
	n := len(sub)
	for i := 0; i+n <= len(s); i++ {
		j := 0
		for ; j < n; j++ {
			c := s[i+j]
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			if c != sub[j] {
				break
			}
		}
		if j == n {
			return true
		}
	}
	return false
}

// transcriptStage is the command a notice's transcript shows before its
// failure replies ("<<< 550 ..."), when every one follows the same
// command (a reply right after a session's heading, "... while talking to
// mx:", before any command, answers the greeting): Sendmail lists the failed addresses in one section and the
// session in another ("... while talking to mx: / >>> DATA / <<< 550
// 5.7.1 ..."), so the stage of a reply at DATA is not next to the
// address. "" when there is no transcript or its replies follow
// different commands.
func transcriptStage(lines []string) string {
	last, stage, session := "", "", false
	for _, l := range lines {
		if m := commandEcho(l); m != "" {
			last = stageName(m)
			continue
		}
		t := strings.TrimSpace(l)
		if strings.Contains(strings.ToLower(t), "while talking to") {
			// a new session: a reply before any command answers the
			// connection (the greeting)
			last, session = "banner", true
			continue
		}
		if !strings.HasPrefix(t, "<<<") {
			continue
		}
		if c := findCode(strings.TrimLeft(t, "< ")); c < 400 || last == "" || !session && last == "banner" {
			continue
		}
		if stage != "" && stage != last {
			return ""
		}
		stage = last
	}
	return stage
}

// noticeTranscriptStage is transcriptStage of the notice, once per report.
func (m *msg) noticeTranscriptStage() string {
	if m.tstage == nil {
		s := transcriptStage(noticeOf(m).lines)
		m.tstage = &s
	}
	return *m.tstage
}
