package feedback

import (
	"bytes"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"
)

// originalTypes are the media types of a quoted original message or its
// header (RFC 3462's text/rfc822-headers, RFC 6533's global types, and a
// misspelling seen in the wild).
var originalTypes = []string{"message/rfc822", "text/rfc822-headers", "message/rfc822-headers",
	"text/rfc822-header", "message/global", "message/global-headers"}

// original returns the quoted original message's header, or nil.
func (m *msg) original() *Original {
	if e := m.find(originalTypes...); e != nil {
		h, _ := parseHeader(bytes.TrimLeft(e.body, "\r\n"))
		return newOriginal(h)
	}
	// A part without a Content-Type whose header is a message's: the MTA
	// pasted the original as a bare part.
	for i, e := range m.parts {
		if i > 0 && !e.typed && (e.header.get("received") != "" || e.header.get("message-id") != "") {
			return newOriginal(e.header)
		}
	}
	return nil
}

// forwardedBounce returns the attached message when the message
// forwards a bounce and says nothing of its own: no address in its text
// (a relay's "see attached", a user's forward), while the attachment
// comes from a mailer daemon or is a delivery report; nil otherwise. A
// bounce that quotes the message it returns names its recipient (or has
// its own report part) and is read as itself.
func (m *msg) forwardedBounce() []byte {
	e := m.find("message/rfc822", "message/global")
	if e == nil || m.top.get("x-failed-recipients") != "" {
		return nil
	}
	for _, l := range noticeOf(m).lines {
		if strings.IndexByte(l, '@') >= 0 {
			return nil
		}
	}
	inner := bytes.TrimLeft(e.body, "\r\n")
	h, _ := parseHeader(inner)
	ct := strings.ToLower(h.get("content-type"))
	if !bounceSenderRE.MatchString(h.get("from")) && !strings.Contains(ct, "report-type=delivery-status") {
		return nil
	}
	return inner
}

func newOriginal(h header) *Original {
	if len(h) == 0 {
		return nil
	}
	o := &Original{header: h, MessageID: strings.Trim(h.get("message-id"), "<> "),
		From: firstAddress(h.get("from")), Subject: decodeWords(h.get("subject"))}
	for _, v := range h.all("to") {
		o.To = append(o.To, addresses(v)...)
	}
	if o.MessageID == "" && o.From == "" && len(o.To) == 0 && h.get("received") == "" {
		return nil
	}
	return o
}

// addrRE matches an addr-spec with a dot-atom local part, the form every
// bounce uses for the addresses it reports.
var addrRE = regexp.MustCompile(`[A-Za-z0-9!#$%&'*+/=?^_{|}~.-]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+`)

// addresses returns the addresses in s, in order.
func addresses(s string) []string {
	var out []string
	for _, a := range addrRE.FindAllString(s, -1) {
		if a = cleanAddress(a); a != "" {
			out = append(out, a)
		}
	}
	return out
}

// firstAddress returns the first address in s, or "".
func firstAddress(s string) string {
	if as := addresses(s); len(as) > 0 {
		return as[0]
	}
	return ""
}

// cleanAddress trims the dots and quotes that prose leaves around an
// address; it returns "" for what is not one.
func cleanAddress(a string) string {
	a = strings.Trim(a, ".'")
	local, domain, ok := strings.Cut(a, "@")
	if !ok || local == "" || domain == "" || strings.HasPrefix(local, "mailto:") {
		if ok && strings.HasPrefix(local, "mailto:") {
			return cleanAddress(strings.TrimPrefix(a, "mailto:"))
		}
		return ""
	}
	return local + "@" + strings.ToLower(domain)
}

// dsnAddress reads an address-type field ("rfc822; a@b", "<a@b>").
func dsnAddress(v string) string {
	typ, after, ok := strings.Cut(v, ";")
	if ok {
		v = after
	}
	v = strings.TrimSpace(strings.Trim(strings.TrimSpace(v), "<>"))
	if ok && strings.EqualFold(strings.TrimSpace(typ), "utf-8") {
		// RFC 6533's internationalized address: UTF-8, with "\x{HHHH}"
		// for what the field could not carry as it is.
		if f := strings.Fields(unescapeUTF8Addr(v)); len(f) > 0 {
			return strings.Trim(f[0], "<>")
		}
		return ""
	}
	if a := firstAddress(v); a != "" {
		return a
	}
	return v
}

// utf8EscapeRE matches RFC 6533's escape of one code point.
var utf8EscapeRE = regexp.MustCompile(`\\x\{([0-9A-Fa-f]{1,6})\}`)

// unescapeUTF8Addr decodes the "\x{HHHH}" escapes of an RFC 6533
// utf-8-addr-xtext or utf-8-addr-unitext address.
func unescapeUTF8Addr(s string) string {
	if !strings.Contains(s, `\x{`) {
		return s
	}
	return utf8EscapeRE.ReplaceAllStringFunc(s, func(e string) string {
		n, err := strconv.ParseUint(utf8EscapeRE.FindStringSubmatch(e)[1], 16, 32)
		if err != nil || !utf8.ValidRune(rune(n)) || n < 0x20 {
			return e
		}
		return string(rune(n))
	})
}
