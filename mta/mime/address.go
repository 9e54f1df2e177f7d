package mime

import (
	"fmt"
	"strings"

	"github.com/wasmta/wasmta/mta/intake"
)

// Address is a mailbox: an optional display name and an addr-spec
// (local@domain, UTF-8 allowed).
type Address struct {
	Name string
	Addr string
}

// ErrBadAddress is returned (wrapped) for an addr-spec that cannot be
// written into a header field.
var ErrBadAddress = fmt.Errorf("mime: bad address")

// appendAddresses appends an address-list field (From, To, Reply-To),
// folding between words and after commas.
func appendAddresses(b []byte, name string, list []Address) ([]byte, error) {
	f := startField(b, name, foldAt)
	for i, a := range list {
		spec, err := addrSpec(a.Addr)
		if err != nil {
			return nil, err
		}
		if err := CheckValue(a.Name); err != nil {
			return nil, fmt.Errorf("%w: display name of %s: %v", ErrBadAddress, a.Addr, err)
		}
		words := phrase(a.Name, f.col)
		if len(words) == 0 {
			words = []string{spec}
		} else {
			words = append(words, "<"+spec+">")
		}
		if i < len(list)-1 {
			words[len(words)-1] += ","
		}
		for _, w := range words {
			f.token(" ", w)
		}
	}
	return f.end(), nil
}

// addrSpec returns a as an RFC 5322 addr-spec: the local part quoted when
// it is not a dot-atom.
func addrSpec(a string) (string, error) {
	at := strings.LastIndexByte(a, '@')
	if at <= 0 || at == len(a)-1 {
		return "", fmt.Errorf("%w: %q", ErrBadAddress, a)
	}
	local, domain := a[:at], a[at+1:]
	if strings.ContainsAny(domain, " \t\r\n\x00<>\"(),;\\") || strings.ContainsAny(local, "\r\n\x00") {
		return "", fmt.Errorf("%w: %q", ErrBadAddress, a)
	}
	if isQuoted(local) || intake.IsDotString(local) {
		return a, nil
	}
	return intake.QuoteLocal(local) + "@" + domain, nil
}

func isQuoted(s string) bool { return len(s) >= 2 && s[0] == '"' && s[len(s)-1] == '"' }

// phrase returns the words of a display name: plain atoms, one quoted
// string, or encoded words when the name is not ASCII. col is where the
// name starts, for the first encoded word.
func phrase(name string, col int) []string {
	name = strings.TrimSpace(name)
	switch {
	case name == "":
		return nil
	case needsEncoding(name):
		return encodedWords(name, col+1)
	case isAtomText(name):
		return strings.Fields(name)
	}
	return []string{intake.QuoteLocal(name)}
}

// isAtomText: words of atext separated by single spaces, which need no
// quotes.
func isAtomText(s string) bool {
	for w := range strings.SplitSeq(s, " ") {
		if w == "" {
			return false
		}
		for i := 0; i < len(w); i++ {
			if !intake.IsAtext(w[i]) {
				return false
			}
		}
	}
	return true
}
