package intake

import (
	"net/netip"
	"strings"
)

// RFC 5321 4.5.3.1: local part 64 octets, domain 255, path 256 with the
// angle brackets, so 254 for the address itself.
const (
	MaxLocalPart = 64
	MaxDomain    = 255
	MaxAddress   = 254
)

// IsAtext reports whether c is RFC 5322 atext (ASCII only; callers allow
// UTF-8 bytes themselves where RFC 6531/6532 do).
func IsAtext(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	}
	return strings.IndexByte("!#$%&'*+-/=?^_`{|}~", c) >= 0
}

// IsDotString reports whether s is an RFC 5321 Dot-string (RFC 5322
// dot-atom): atext, UTF-8 allowed, single dots between atoms.
func IsDotString(s string) bool {
	if s == "" || s[0] == '.' || s[len(s)-1] == '.' || strings.Contains(s, "..") {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x80 && c != '.' && !IsAtext(c) {
			return false
		}
	}
	return true
}

// QuoteLocal returns s as an RFC 5321 Quoted-string.
func QuoteLocal(s string) string {
	var b strings.Builder
	b.Grow(len(s) + 4)
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		if s[i] == '"' || s[i] == '\\' {
			b.WriteByte('\\')
		}
		b.WriteByte(s[i])
	}
	b.WriteByte('"')
	return b.String()
}

// ValidLocal reports whether l, as written in an address, is a Dot-string
// or a Quoted-string of printable characters.
func ValidLocal(l string) bool {
	if len(l) < 2 || l[0] != '"' || l[len(l)-1] != '"' {
		return IsDotString(l)
	}
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

// ValidDomain accepts a host name (LDH labels, U-labels under SMTPUTF8) or
// an address literal ([192.0.2.1], [IPv6:2001:db8::1]).
func ValidDomain(d string) bool {
	if d == "" || len(d) > MaxDomain {
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
