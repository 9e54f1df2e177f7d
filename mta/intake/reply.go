package intake

import (
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/wasmta/wasmta/mta/policy"
)

// MaxReplyText caps a policy's reply text so that the whole reply line
// ("550 5.7.1 " and CRLF) stays inside RFC 5321's 512 octets.
const MaxReplyText = 480

// Refusal returns a policy's refusal as every door sends it: exactly as
// the policy chose it when it is valid. A code outside 400-599 becomes 550
// (a policy that rejects means to refuse), an enhanced code that is
// malformed or of another class is derived from the code ("5.0.0"),
// control characters in the text become spaces (a policy cannot inject
// reply lines), a long text is cut, and an empty one reads "Refused by
// policy".
func Refusal(r *policy.Reply) policy.Reply {
	code := r.Code
	if code < 400 || code > 599 {
		code = 550
	}
	enh := r.Enhanced
	if ec, ok := ParseEnhanced(enh); !ok || ec[0] != code/100 {
		enh = strconv.Itoa(code/100) + ".0.0"
	}
	text := strings.Map(func(c rune) rune {
		if c < 0x20 || c == 0x7f || c == utf8.RuneError {
			return ' '
		}
		return c
	}, r.Text)
	if len(text) > MaxReplyText {
		end := MaxReplyText
		for end > 0 && !utf8.RuneStart(text[end]) {
			end--
		}
		text = text[:end]
	}
	if strings.TrimSpace(text) == "" {
		text = "Refused by policy"
	}
	return policy.Reply{Code: code, Enhanced: enh, Text: text}
}

// ParseEnhanced parses an RFC 3463 enhanced status code "x.y.z": class 2,
// 4 or 5, subject and detail 0-999 of at most three digits.
func ParseEnhanced(s string) ([3]int, bool) {
	var ec [3]int
	parts := strings.Split(s, ".")
	if len(parts) != 3 {
		return ec, false
	}
	for i, p := range parts {
		n, err := strconv.Atoi(p)
		if err != nil || n < 0 || n > 999 || len(p) > 3 || p == "" || p[0] == '+' {
			return ec, false
		}
		ec[i] = n
	}
	return ec, ec[0] == 2 || ec[0] == 4 || ec[0] == 5
}
