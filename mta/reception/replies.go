package reception

import (
	"strconv"

	"github.com/emersion/go-smtp"

	"github.com/wasmta/wasmta/mta/intake"
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
	errMemory             = reply(452, 4, 3, 1, "Insufficient system storage (message data in flight), try again later")
	errSpool              = reply(451, 4, 3, 0, "Temporary local problem, try again later")
	errSign               = reply(451, 4, 3, 0, "Temporary signing problem, try again later")
	errDataTimeout        = reply(421, 4, 4, 2, "Timeout waiting for message data, closing connection")
	errLineTooLong        = reply(500, 5, 5, 2, "Line too long")
	errDataRead           = reply(451, 4, 3, 0, "Error reading message data")
	errNUL                = reply(550, 5, 6, 0, "Message data must not contain NUL characters")
	errBareLineEnding     = reply(550, 5, 6, 0, "Message data must use CRLF line endings (bare CR or LF found)")
	errNoTransaction      = reply(503, 5, 5, 1, "Bad sequence of commands")
	errNestedMail         = reply(503, 5, 5, 1, "Nested MAIL command")
	errRequireTLSClear    = reply(530, 5, 7, 10, "REQUIRETLS needs a TLS session (RFC 8689)")
	errBadSender          = reply(501, 5, 1, 7, "Bad sender address syntax")
	errBadRcpt            = reply(501, 5, 1, 3, "Bad recipient address syntax")
	errNonASCII           = reply(553, 5, 6, 7, "Non-ASCII addresses require SMTPUTF8")
	errLoop               = reply(554, 5, 4, 6, "Too many hops (Received: fields): mail loop")
	errTooManyErrors      = reply(421, 4, 7, 0, "Too many errors, closing connection")
	errAuthLimit          = reply(421, 4, 7, 0, "Too many authentication failures, closing connection")
)

func reply(code, a, b, c int, text string) *smtp.SMTPError {
	return &smtp.SMTPError{Code: code, EnhancedCode: smtp.EnhancedCode{a, b, c}, Message: text}
}

// replyError turns a policy's refusal into what the client sees, as
// intake.Refusal makes it valid.
func replyError(r *policy.Reply) *smtp.SMTPError {
	v := intake.Refusal(r)
	ec, _ := intake.ParseEnhanced(v.Enhanced)
	return &smtp.SMTPError{Code: v.Code, EnhancedCode: smtp.EnhancedCode(ec), Message: v.Text}
}

func enhancedString(ec smtp.EnhancedCode) string {
	if ec == smtp.NoEnhancedCode || ec == smtp.EnhancedCodeNotSet {
		return ""
	}
	return strconv.Itoa(ec[0]) + "." + strconv.Itoa(ec[1]) + "." + strconv.Itoa(ec[2])
}
