package intake

import (
	"unicode/utf8"

	"github.com/wasmta/wasmta/mta/policy"
)

// Caps on the header fields a policy adds, the ABI's (hostabi/ABI.md):
// a field name of 1-76 characters, a value of one line of at most 4096
// bytes, and at most MaxAddedHeaders fields.
const (
	MaxFieldName    = 76
	MaxFieldValue   = 4096
	MaxAddedHeaders = 64
)

// ValidFieldName reports whether n is an RFC 5322 field name of at most
// MaxFieldName characters: what wasmta writes itself (policy fields,
// configured header names).
func ValidFieldName(n string) bool {
	return len(n) <= MaxFieldName && IsFieldName(n)
}

// IsFieldName reports whether n is an RFC 5322 field name (1*ftext:
// printable ASCII except colon), of any length: what a client's message
// may hold.
func IsFieldName(n string) bool {
	if n == "" {
		return false
	}
	for i := 0; i < len(n); i++ {
		if n[i] <= ' ' || n[i] >= 0x7f || n[i] == ':' {
			return false
		}
	}
	return true
}

// HeaderFieldsLen is how many bytes AppendHeaderFields appends for hs.
func HeaderFieldsLen(hs []policy.Header) int {
	n := 0
	for _, h := range kept(hs) {
		if ValidFieldName(h.Name) {
			n += len(h.Name) + 2 + len(clipValue(h.Value)) + 2
		}
	}
	return n
}

// AppendHeaderFields appends a policy's header fields as "Name: value\r\n".
// Fields with an invalid name are dropped, control characters in a value
// become spaces (a policy cannot split the header block), a value is cut
// to MaxFieldValue bytes at a character boundary, and fields past
// MaxAddedHeaders are dropped.
func AppendHeaderFields(b []byte, hs []policy.Header) []byte {
	for _, h := range kept(hs) {
		if !ValidFieldName(h.Name) {
			continue
		}
		b = append(b, h.Name...)
		b = append(b, ": "...)
		v := clipValue(h.Value)
		for i := 0; i < len(v); i++ {
			c := v[i]
			if c < 0x20 && c != '\t' || c == 0x7f {
				c = ' '
			}
			b = append(b, c)
		}
		b = append(b, '\r', '\n')
	}
	return b
}

func kept(hs []policy.Header) []policy.Header {
	return hs[:min(len(hs), MaxAddedHeaders)]
}

func clipValue(v string) string {
	if len(v) <= MaxFieldValue {
		return v
	}
	end := MaxFieldValue
	for end > 0 && !utf8.RuneStart(v[end]) {
		end--
	}
	return v[:end]
}
