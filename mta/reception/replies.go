package reception

import (
	"strconv"
	"strings"

	"github.com/emersion/go-smtp"

	"github.com/wasmta/wasmta/mta/policy"
)

// The replies reception chooses itself (go-smtp answers syntax errors and
// the server-wide SIZE= and recipient limits on its own; see doc.go).
var (
	errRelay              = reply(554, 5, 7, 1, "Relay access denied")
	errTooBig             = reply(552, 5, 3, 4, "Message size exceeds fixed maximum message size")
	errTooManyRcpts       = reply(452, 4, 5, 3, "Too many recipients")
	errRate               = reply(450, 4, 7, 1, "Message rate limit exceeded, try again later")
	errEncryptionRequired = reply(538, 5, 7, 11, "Encryption required for requested authentication mechanism")
	errAuthInTransaction  = reply(503, 5, 5, 1, "AUTH not permitted during a mail transaction")
	errSpoolFull          = reply(452, 4, 3, 1, "Insufficient system storage, try again later")
	errSpool              = reply(451, 4, 3, 0, "Temporary local problem, try again later")
	errSign               = reply(451, 4, 3, 0, "Temporary signing problem, try again later")
	errDataTimeout        = reply(421, 4, 4, 2, "Timeout waiting for message data, closing connection")
	errLineTooLong        = reply(500, 5, 5, 2, "Line too long")
	errDataRead           = reply(451, 4, 3, 0, "Error reading message data")
	errNUL                = reply(550, 5, 6, 0, "Message data must not contain NUL characters")
	errBareLineEnding     = reply(550, 5, 6, 0, "Message data must use CRLF line endings (bare CR or LF found)")
	errNoTransaction      = reply(503, 5, 5, 1, "Bad sequence of commands")
	errNestedMail         = reply(503, 5, 5, 1, "Nested MAIL command")
	errBadSender          = reply(501, 5, 1, 7, "Bad sender address syntax")
	errBadRcpt            = reply(501, 5, 1, 3, "Bad recipient address syntax")
	errNonASCII           = reply(553, 5, 6, 7, "Non-ASCII addresses require SMTPUTF8")
)

func reply(code, a, b, c int, text string) *smtp.SMTPError {
	return &smtp.SMTPError{Code: code, EnhancedCode: smtp.EnhancedCode{a, b, c}, Message: text}
}

// replyError turns a policy's reply into what the client sees, exactly as
// the policy chose it when it is a valid refusal. A code outside 400-599
// becomes 550 (a policy that rejects means to refuse), an enhanced code of
// another class or a malformed one is derived from the code, and control
// characters in the text are replaced so that a policy cannot inject reply
// lines.
func replyError(r *policy.Reply) *smtp.SMTPError {
	code := r.Code
	if code < 400 || code > 599 {
		code = 550
	}
	ec, ok := parseEnhanced(r.Enhanced)
	if !ok || ec[0] != code/100 {
		ec = smtp.EnhancedCode{code / 100, 0, 0}
	}
	text := strings.Map(func(c rune) rune {
		if c < 0x20 || c == 0x7f {
			return ' '
		}
		return c
	}, r.Text)
	if strings.TrimSpace(text) == "" {
		text = "Refused by policy"
	}
	return &smtp.SMTPError{Code: code, EnhancedCode: ec, Message: text}
}

// parseEnhanced parses "x.y.z" (RFC 3463: class 2, 4 or 5, subject 0-999,
// detail 0-999).
func parseEnhanced(s string) (smtp.EnhancedCode, bool) {
	var ec smtp.EnhancedCode
	parts := strings.Split(s, ".")
	if len(parts) != 3 {
		return ec, false
	}
	for i, p := range parts {
		n, err := strconv.Atoi(p)
		if err != nil || n < 0 || n > 999 || len(p) > 3 {
			return ec, false
		}
		ec[i] = n
	}
	return ec, ec[0] == 2 || ec[0] == 4 || ec[0] == 5
}

func enhancedString(ec smtp.EnhancedCode) string {
	if ec == smtp.NoEnhancedCode || ec == smtp.EnhancedCodeNotSet {
		return ""
	}
	return strconv.Itoa(ec[0]) + "." + strconv.Itoa(ec[1]) + "." + strconv.Itoa(ec[2])
}
