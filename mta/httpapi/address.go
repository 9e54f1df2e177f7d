package httpapi

import (
	"net/netip"
	"strings"
	"unicode/utf8"
)

// RFC 5321 section 4.5.3.1 limits.
const (
	maxLocalPart = 64
	maxDomain    = 255
	maxAddress   = 254
)

// addressProblem returns why a is not a usable envelope or header address
// (local@domain; UTF-8 allowed, as SMTPUTF8 delivers it), or "".
func addressProblem(a string) string {
	switch {
	case a == "":
		return "missing"
	case len(a) > maxAddress:
		return "longer than 254 octets"
	case !utf8.ValidString(a):
		return "not valid UTF-8"
	case strings.TrimSpace(a) != a:
		return "has white space around it"
	}
	at := strings.LastIndexByte(a, '@')
	if at < 0 {
		return "has no @"
	}
	local, domain := a[:at], a[at+1:]
	switch {
	case local == "":
		return "has an empty local part"
	case len(local) > maxLocalPart:
		return "local part longer than 64 octets"
	case !validLocal(local):
		return "local part is not a dot-atom or quoted string"
	case !validDomain(domain):
		return "domain is not a host name or address literal"
	}
	return ""
}

// validLocal: a dot-atom (atext, UTF-8 allowed) or a quoted string of
// printable characters.
func validLocal(l string) bool {
	if len(l) >= 2 && l[0] == '"' && l[len(l)-1] == '"' {
		inner := l[1 : len(l)-1]
		for i := 0; i < len(inner); i++ {
			c := inner[i]
			switch {
			case c == '\\' && i+1 < len(inner):
				i++
			case c == '"' || c == '\\' || c < ' ' || c == 0x7f:
				return false
			}
		}
		return true
	}
	if l[0] == '.' || l[len(l)-1] == '.' || strings.Contains(l, "..") {
		return false
	}
	for i := 0; i < len(l); i++ {
		if c := l[i]; c < 0x80 && c != '.' && !isAtext(c) {
			return false
		}
	}
	return true
}

func isAtext(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' ||
		strings.IndexByte("!#$%&'*+-/=?^_`{|}~", c) >= 0
}

// validDomain: LDH labels (U-labels allowed) or [IPv4] / [IPv6:...].
func validDomain(d string) bool {
	if d == "" || len(d) > maxDomain {
		return false
	}
	if d[0] == '[' {
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
	for label := range strings.SplitSeq(d, ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for i := 0; i < len(label); i++ {
			c := label[i]
			if c < 0x80 && !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-') {
				return false
			}
		}
	}
	return true
}
