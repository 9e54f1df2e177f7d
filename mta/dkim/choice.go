package dkim

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/mail"
	"strings"
)

// ErrNoKey is returned when a Choice names a domain or selector that has no
// configured key.
var ErrNoKey = errors.New("dkim: no key for the chosen domain/selector")

// ErrNoFrom is returned for a message without a From: field, which cannot
// be signed (RFC 6376 section 5.4).
var ErrNoFrom = errors.New("dkim: message has no From field")

// Choice is the reception policy's say on signing one message. The zero
// Choice signs with the keys of the From: domain (or of its closest parent
// domain that has keys), else with those of Options.DefaultDomain, else not
// at all.
type Choice struct {
	Off      bool   // do not sign
	Domain   string // sign with this domain's keys (all of them, unless Selector)
	Selector string // only this selector of Domain
}

// ParseChoice reads the policy's textual choice (policy.MessageResult.DKIM):
// "" (automatic), "off", "domain" or "domain:selector".
func ParseChoice(s string) (Choice, error) {
	s = strings.TrimSpace(s)
	switch {
	case s == "":
		return Choice{}, nil
	case strings.EqualFold(s, "off"):
		return Choice{Off: true}, nil
	}
	domain, selector, _ := strings.Cut(s, ":")
	d, err := normDomain(domain)
	if err != nil {
		return Choice{}, fmt.Errorf("dkim: choice %q: %w", s, err)
	}
	if selector != "" {
		if err := checkSelector(selector); err != nil {
			return Choice{}, fmt.Errorf("dkim: choice %q: %w", s, err)
		}
	}
	return Choice{Domain: d, Selector: strings.ToLower(selector)}, nil
}

// String is the inverse of ParseChoice.
func (c Choice) String() string {
	switch {
	case c.Off:
		return "off"
	case c.Selector != "":
		return c.Domain + ":" + c.Selector
	}
	return c.Domain
}

// choose returns the keys that sign a message whose From: field value is
// from (nil for no From: field).
func (ks *keyset) choose(c Choice, from []byte) ([]*key, error) {
	if c.Off {
		return nil, nil
	}
	if c.Domain != "" {
		return ks.chosen(c)
	}
	if d := fromDomain(from); d != "" {
		for ; d != ""; d = parentDomain(d) {
			if keys := ks.byDomain[d]; len(keys) > 0 {
				return keys, nil
			}
		}
	}
	return ks.byDomain[ks.defaultDomain], nil
}

func (ks *keyset) chosen(c Choice) ([]*key, error) {
	d, err := normDomain(c.Domain)
	if err != nil {
		return nil, fmt.Errorf("dkim: choice %q: %w", c, err)
	}
	keys := ks.byDomain[d]
	if c.Selector == "" {
		if len(keys) == 0 {
			return nil, fmt.Errorf("%w: %s", ErrNoKey, d)
		}
		return keys, nil
	}
	for i, k := range keys {
		if strings.EqualFold(k.selector, c.Selector) {
			return keys[i : i+1], nil
		}
	}
	return nil, fmt.Errorf("%w: %s._domainkey.%s", ErrNoKey, c.Selector, d)
}

func parentDomain(d string) string {
	_, parent, ok := strings.Cut(d, ".")
	if !ok {
		return ""
	}
	return parent
}

// lenientWords decodes RFC 2047 display names in any charset well enough to
// find the address: the name itself is not used.
var lenientWords = &mime.WordDecoder{
	CharsetReader: func(_ string, r io.Reader) (io.Reader, error) { return r, nil },
}

// fromDomain returns the normalised domain of the first address of a From:
// field value, or "" when none can be found.
func fromDomain(value []byte) string {
	addr, ok := simpleAddress(value)
	if !ok {
		p := mail.AddressParser{WordDecoder: lenientWords}
		if list, err := p.ParseList(string(value)); err == nil && len(list) > 0 {
			addr = []byte(list[0].Address)
		} else {
			addr = scanAddress(value)
		}
	}
	at := bytes.LastIndexByte(addr, '@')
	if at < 0 {
		return ""
	}
	d, err := normDomain(string(addr[at+1:]))
	if err != nil {
		return ""
	}
	return d
}

// simpleAddress reads the two forms nearly every From: field has, "addr"
// and "Name <addr>" without quotes, comments or lists, without the
// allocations of net/mail. ok is false for anything else.
func simpleAddress(v []byte) (addr []byte, ok bool) {
	if bytes.ContainsAny(v, "\"(),;\\") {
		return nil, false
	}
	lt := bytes.IndexByte(v, '<')
	if lt < 0 {
		addr = bytes.TrimSpace(v)
		return addr, len(addr) > 0 && !bytes.ContainsAny(addr, " \t\r\n>")
	}
	gt := bytes.IndexByte(v[lt:], '>')
	if gt < 0 || len(bytes.TrimSpace(v[lt+gt+1:])) > 0 {
		return nil, false
	}
	return v[lt+1 : lt+gt], true
}

// scanAddress is the fallback for From: values net/mail refuses: the
// content of the first <...>, else the first word with an '@'.
func scanAddress(v []byte) []byte {
	if i := bytes.IndexByte(v, '<'); i >= 0 {
		if j := bytes.IndexByte(v[i:], '>'); j > 0 {
			return v[i+1 : i+j]
		}
	}
	for _, w := range bytes.FieldsFunc(v, func(r rune) bool {
		return r == ' ' || r == '\t' || r == '\r' || r == '\n' || r == ',' || r == ';' || r == '<' || r == '>'
	}) {
		if bytes.IndexByte(w, '@') >= 0 {
			return w
		}
	}
	return nil
}
