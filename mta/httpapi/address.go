package httpapi

import (
	"strings"
	"unicode/utf8"

	"github.com/wasmta/wasmta/mta/intake"
)

// addressProblem returns why a is not a usable envelope or header address
// (local@domain; UTF-8 allowed, as SMTPUTF8 delivers it), or "".
func addressProblem(a string) string {
	switch {
	case a == "":
		return "missing"
	case len(a) > intake.MaxAddress:
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
	case len(local) > intake.MaxLocalPart:
		return "local part longer than 64 octets"
	case !intake.ValidLocal(local):
		return "local part is not a dot-atom or quoted string"
	case !intake.ValidDomain(domain):
		return "domain is not a host name or address literal"
	}
	return ""
}
