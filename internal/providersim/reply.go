package providersim

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/emersion/go-smtp"
)

// replyVars are the values substituted into a Reply's Text.
type replyVars struct {
	ip, host, rcpt, id string
}

func (r Reply) validate() error {
	if r.Code < 400 || r.Code > 599 {
		return fmt.Errorf("code %d is not a 4xx or 5xx reply", r.Code)
	}
	if r.Text == "" {
		return fmt.Errorf("empty text")
	}
	if r.Enhanced == "" {
		return nil
	}
	ec, err := parseEnhanced(r.Enhanced)
	if err != nil {
		return err
	}
	if ec[0] != r.Code/100 {
		return fmt.Errorf("enhanced code %s does not match class of %d", r.Enhanced, r.Code)
	}
	return nil
}

// parseEnhanced parses "4.7.28" (RFC 3463: class.subject.detail).
func parseEnhanced(s string) (smtp.EnhancedCode, error) {
	parts := strings.Split(s, ".")
	if len(parts) != 3 {
		return smtp.EnhancedCode{}, fmt.Errorf("enhanced code %q: want class.subject.detail", s)
	}
	var ec smtp.EnhancedCode
	for i, p := range parts {
		n, err := strconv.Atoi(p)
		if err != nil || n < 0 || n > 999 || (i == 0 && (n < 2 || n > 5)) {
			return smtp.EnhancedCode{}, fmt.Errorf("enhanced code %q: bad field %q", s, p)
		}
		ec[i] = n
	}
	return ec, nil
}

// text expands the placeholders of r.Text.
func (r Reply) text(v replyVars) string {
	domain := ""
	if at := strings.LastIndexByte(v.rcpt, '@'); at >= 0 {
		domain = v.rcpt[at+1:]
	}
	return strings.NewReplacer(
		"{ip}", v.ip, "{host}", v.host, "{rcpt}", v.rcpt,
		"{domain}", domain, "{id}", v.id,
	).Replace(r.Text)
}

// smtpError turns r into the error go-smtp writes back verbatim.
func (r Reply) smtpError(v replyVars) *smtp.SMTPError {
	ec := smtp.NoEnhancedCode
	if r.Enhanced != "" {
		ec, _ = parseEnhanced(r.Enhanced) // validated at Start
	}
	return &smtp.SMTPError{Code: r.Code, EnhancedCode: ec, Message: r.text(v)}
}

// wire renders r as reply lines for a connection go-smtp never sees (the
// greeting of a refused connection). Multi-line texts use "code-" lines.
func (r Reply) wire(v replyVars) []byte {
	lines := strings.Split(r.text(v), "\n")
	var b strings.Builder
	for i, l := range lines {
		sep := "-"
		if i == len(lines)-1 {
			sep = " "
		}
		b.WriteString(strconv.Itoa(r.Code) + sep)
		if r.Enhanced != "" && i == len(lines)-1 {
			b.WriteString(r.Enhanced + " ")
		}
		b.WriteString(l + "\r\n")
	}
	return []byte(b.String())
}
