package providersim

import (
	"fmt"
	"strings"
	"testing"

	"github.com/emersion/go-smtp"
)

func TestReplyText(t *testing.T) {
	v := replyVars{ip: "127.0.0.9", host: "mx.test", rcpt: "Bob@Example.test", id: "abc"}
	tests := []struct {
		text, want string
	}{
		{"Messages from {ip} deferred", "Messages from 127.0.0.9 deferred"},
		{"<{rcpt}> not at {domain} ({host}) {id}", "<Bob@Example.test> not at Example.test (mx.test) abc"},
		{"{unknown} stays", "{unknown} stays"},
	}
	for _, tt := range tests {
		if got := (Reply{Text: tt.text}).text(v); got != tt.want {
			t.Errorf("%q: got %q, want %q", tt.text, got, tt.want)
		}
	}
	if got := (Reply{Text: "{domain}"}).text(replyVars{}); got != "" {
		t.Errorf("domain without recipient: %q", got)
	}
}

func TestReplyWire(t *testing.T) {
	tests := []struct {
		r    Reply
		want string
	}{
		{Reply{Code: 421, Enhanced: "4.7.0", Text: "{host} busy"}, "421 4.7.0 mx.test busy\r\n"},
		{Reply{Code: 421, Text: "no enhanced code"}, "421 no enhanced code\r\n"},
		{Reply{Code: 421, Enhanced: "4.7.28", Text: "one\ntwo"}, "421-one\r\n421 4.7.28 two\r\n"},
	}
	for _, tt := range tests {
		if got := string(tt.r.wire(replyVars{host: "mx.test"})); got != tt.want {
			t.Errorf("%+v: got %q, want %q", tt.r, got, tt.want)
		}
	}
	se := Reply{Code: 554, Text: "x"}.smtpError(replyVars{})
	if se.EnhancedCode != smtp.NoEnhancedCode {
		t.Errorf("no enhanced code renders as %v", se.EnhancedCode)
	}
}

func TestParseEnhanced(t *testing.T) {
	tests := []struct {
		in   string
		want smtp.EnhancedCode
		ok   bool
	}{
		{"4.7.28", smtp.EnhancedCode{4, 7, 28}, true},
		{"5.1.1", smtp.EnhancedCode{5, 1, 1}, true},
		{"4.7.652", smtp.EnhancedCode{4, 7, 652}, true},
		{"4.7", smtp.EnhancedCode{}, false},
		{"6.0.0", smtp.EnhancedCode{}, false},
		{"4.x.0", smtp.EnhancedCode{}, false},
		{"4.7.1000", smtp.EnhancedCode{}, false},
		{"4.-1.0", smtp.EnhancedCode{}, false},
	}
	for _, tt := range tests {
		got, err := parseEnhanced(tt.in)
		if (err == nil) != tt.ok || (tt.ok && got != tt.want) {
			t.Errorf("%q: got %v, %v", tt.in, got, err)
		}
	}
}

// FuzzParseEnhanced: whatever parses prints back to an equivalent code.
func FuzzParseEnhanced(f *testing.F) {
	for _, s := range []string{"4.7.28", "5.1.1", "2.0.0", "4.7.", "9.9.9", "4..1", "+4.7.0"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		ec, err := parseEnhanced(s)
		if err != nil {
			return
		}
		back, err := parseEnhanced(fmt.Sprintf("%d.%d.%d", ec[0], ec[1], ec[2]))
		if err != nil || back != ec || strings.Count(s, ".") != 2 {
			t.Fatalf("%q parsed as %v, reparsed as %v, %v", s, ec, back, err)
		}
	})
}
