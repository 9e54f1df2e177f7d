package reception

import (
	"strings"
	"unicode/utf8"

	"github.com/emersion/go-smtp"

	"github.com/wasmta/wasmta/mta/intake"
)

// checkAddress validates an address go-smtp has already parsed (it has
// unquoted a quoted local part) and returns it in the form the spool keeps:
// local@domain, the local part re-quoted when it is not a dot-string.
// The null reverse path "" is valid for a sender.
func checkAddress(addr string, smtputf8, sender bool) (string, *smtp.SMTPError) {
	bad := errBadRcpt
	if sender {
		bad = errBadSender
		if addr == "" {
			return "", nil
		}
	}
	at := strings.IndexByte(addr, '@')
	if at <= 0 || len(addr) > intake.MaxAddress {
		return "", bad
	}
	local, domain := addr[:at], addr[at+1:]
	if !isASCII(addr) {
		if !smtputf8 {
			return "", errNonASCII
		}
		if !utf8.ValidString(addr) {
			return "", bad
		}
	}
	if len(local) > intake.MaxLocalPart || hasControl(local) || !intake.ValidDomain(domain) {
		return "", bad
	}
	if intake.IsDotString(local) {
		return addr, nil
	}
	q := intake.QuoteLocal(local) + "@" + domain
	if len(q) > intake.MaxAddress {
		return "", bad
	}
	return q, nil
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

func hasControl(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] == 0x7f {
			return true
		}
	}
	return false
}
