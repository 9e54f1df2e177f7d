package reception

import (
	"net/netip"
	"strings"
	"unicode/utf8"

	"github.com/emersion/go-smtp"
)

// RFC 5321 4.5.3.1: local part 64 octets, domain 255, path 256 (with the
// angle brackets).
const (
	maxLocalPart = 64
	maxDomain    = 255
	maxAddress   = 254
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
	if at <= 0 || len(addr) > maxAddress {
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
	if len(local) > maxLocalPart || hasControl(local) || !validDomain(domain) {
		return "", bad
	}
	if isDotString(local) {
		return addr, nil
	}
	q := quoteLocal(local) + "@" + domain
	if len(q) > maxAddress {
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

// isDotString reports whether s is an RFC 5321 Dot-string (atext with UTF-8
// allowed by RFC 6531, single dots between atoms).
func isDotString(s string) bool {
	if s == "" || s[0] == '.' || s[len(s)-1] == '.' || strings.Contains(s, "..") {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x80 || c == '.' || isAtext(c) {
			continue
		}
		return false
	}
	return true
}

func isAtext(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	}
	return strings.IndexByte("!#$%&'*+-/=?^_`{|}~", c) >= 0
}

// quoteLocal returns local as an RFC 5321 Quoted-string.
func quoteLocal(local string) string {
	var b strings.Builder
	b.Grow(len(local) + 4)
	b.WriteByte('"')
	for i := 0; i < len(local); i++ {
		if local[i] == '"' || local[i] == '\\' {
			b.WriteByte('\\')
		}
		b.WriteByte(local[i])
	}
	b.WriteByte('"')
	return b.String()
}

// validDomain accepts a host name (LDH labels, U-labels under SMTPUTF8) or
// an address literal ([192.0.2.1], [IPv6:2001:db8::1]).
func validDomain(d string) bool {
	if d == "" || len(d) > maxDomain {
		return false
	}
	if d[0] == '[' {
		return validAddressLiteral(d)
	}
	for label := range strings.SplitSeq(d, ".") {
		if !validLabel(label) {
			return false
		}
	}
	return true
}

func validLabel(l string) bool {
	if l == "" || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
		return false
	}
	for i := 0; i < len(l); i++ {
		c := l[i]
		ldh := 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-'
		if !ldh && c < 0x80 {
			return false
		}
	}
	return true
}

func validAddressLiteral(d string) bool {
	if len(d) < 3 || d[len(d)-1] != ']' {
		return false
	}
	inner := d[1 : len(d)-1]
	if v6, ok := strings.CutPrefix(inner, "IPv6:"); ok {
		a, err := netip.ParseAddr(v6)
		return err == nil && a.Is6() && a.Zone() == ""
	}
	a, err := netip.ParseAddr(inner)
	return err == nil && a.Is4()
}
