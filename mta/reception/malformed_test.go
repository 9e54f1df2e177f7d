package reception

import (
	"strings"
	"testing"
)

// TestMalformedCommands: each bad command gets a 5xx and the session goes
// on (a NOOP afterwards is answered 250).
func TestMalformedCommands(t *testing.T) {
	tests := []struct {
		name    string
		setup   []string // commands expected to succeed first
		command string
		want    string
	}{
		{"double brackets", nil, "MAIL FROM:<<>>", "501 5.5.2 "},
		{"no at sign", []string{"MAIL FROM:<a@example.org>"}, "RCPT TO:<no-at-sign>", "501 5.5.2 "},
		{"empty domain label", []string{"MAIL FROM:<a@example.org>"}, "RCPT TO:<a@b..c>", "501 5.1.3 "},
		{"hyphen label", nil, "MAIL FROM:<a@-bad-.example>", "501 5.1.7 "},
		{"junk in domain", []string{"MAIL FROM:<a@example.org>"}, "RCPT TO:<a@exa<mple.org>", "501 5.1.3 "},
		{"bad address literal", []string{"MAIL FROM:<a@example.org>"}, "RCPT TO:<a@[300.1.1.1]>", "501 5.1.3 "},
		{"local part too long", []string{"MAIL FROM:<a@example.org>"}, "RCPT TO:<" + strings.Repeat("l", 65) + "@example.org>", "501 5.1.3 "},
		{"address too long", []string{"MAIL FROM:<a@example.org>"}, "RCPT TO:<a@" + strings.Repeat("d.", 130) + "org>", "501 5.1.3 "},
		{"8-bit without SMTPUTF8", []string{"MAIL FROM:<a@example.org>"}, "RCPT TO:<\xc3\xbc@example.org>", "553 5.6.7 "},
		{"invalid UTF-8", nil, "MAIL FROM:<\xff\xfe@example.org> SMTPUTF8", "501 5.1.7 "},
		{"unknown command", nil, "FROB x", "500 5.5.2 "},
		{"8-bit junk command", nil, "\xff\xfe\xfd\xfc\xfb junk", "50"},
		{"DATA before RCPT", []string{"MAIL FROM:<a@example.org>"}, "DATA", "502 5.5.1 "},
		{"RCPT before MAIL", nil, "RCPT TO:<b@example.net>", "502 5.5.1 "},
		{"nested MAIL", []string{"MAIL FROM:<a@example.org>"}, "MAIL FROM:<c@example.org>", "503 5.5.1 "},
		{"unknown MAIL parameter", nil, "MAIL FROM:<a@example.org> FOO=BAR", "500 5.5.4 "},
		{"BINARYMIME not offered", nil, "MAIL FROM:<a@example.org> BODY=BINARYMIME", "504 5.5.4 "},
		{"bad SIZE", nil, "MAIL FROM:<a@example.org> SIZE=-1", "501 5.5.4 "},
		{"long but legal line", []string{"MAIL FROM:<a@example.org>"}, "RCPT TO:<b@example.net>" + strings.Repeat(" ", 1500), "250 "},
	}
	f := start(t, Options{RelayNets: loopbackNets}, nil)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rc := dialRaw(t, f.addr)
			rc.cmd("EHLO client.test", "250 ")
			for _, c := range tc.setup {
				rc.cmd(c, "250 ")
			}
			rc.cmd(tc.command, tc.want)
			rc.cmd("NOOP", "250 ")
		})
	}
	if n := len(f.sub.all()); n != 0 {
		t.Errorf("%d messages submitted", n)
	}
}

func TestAddressForms(t *testing.T) {
	f := start(t, Options{RelayNets: loopbackNets}, nil)
	rc := dialRaw(t, f.addr)
	rc.cmd("EHLO client.test", "250 ")
	rc.cmd("MAIL FROM:<> SMTPUTF8", "250 ")
	rc.cmd("RCPT TO:<\"john doe\"@example.org>", "250 ")
	rc.cmd("RCPT TO:<δοκιμή@παράδειγμα.δοκιμή>", "250 ")
	rc.cmd("RCPT TO:<a@[192.0.2.1]>", "250 ")
	rc.cmd("RCPT TO:<a@[IPv6:2001:db8::1]>", "250 ")
	rc.cmd("RCPT TO:<@relay.example:b@example.org>", "250 ")
	rc.cmd("DATA", "354 ")
	rc.cmd("Subject: x\r\n\r\nx\r\n.", "250 ")
	got := f.sub.all()
	if len(got) != 1 {
		t.Fatalf("%d messages, want 1", len(got))
	}
	m := got[0].m
	want := []string{`"john doe"@example.org`, "δοκιμή@παράδειγμα.δοκιμή", "a@[192.0.2.1]", "a@[IPv6:2001:db8::1]", "b@example.org"}
	if m.Sender != "" || len(m.Recipients) != len(want) {
		t.Fatalf("sender %q recipients %v", m.Sender, m.Recipients)
	}
	for i, w := range want {
		if m.Recipients[i].Addr != w {
			t.Errorf("recipient %d = %q, want %q", i, m.Recipients[i].Addr, w)
		}
	}
}

func TestCheckAddress(t *testing.T) {
	tests := []struct {
		in       string
		utf8     bool
		sender   bool
		want     string
		wantCode string // "" when valid
	}{
		{"", false, true, "", ""},
		{"a.b+c@example.org", false, false, "a.b+c@example.org", ""},
		{"john doe@example.org", false, false, `"john doe"@example.org`, ""},
		{`a"b\c@example.org`, false, false, `"a\"b\\c"@example.org`, ""},
		{".a@example.org", false, false, `".a"@example.org`, ""},
		{"a@localhost", false, false, "a@localhost", ""},
		{"a@b@c.org", false, false, "", "501 5.1.3"},
		{"a@", false, false, "", "501 5.1.3"},
		{"a@exam_ple.org", false, false, "", "501 5.1.3"},
		{"a@example.org.", false, false, "", "501 5.1.3"},
		{"a\x01@example.org", false, true, "", "501 5.1.7"},
		{"a@[1.2.3]", false, false, "", "501 5.1.3"},
		{"a@[IPv6:1.2.3.4]", false, false, "", "501 5.1.3"},
		{"ü@example.org", false, false, "", "553 5.6.7"},
		{"ü@example.org", true, false, "ü@example.org", ""},
		{"a@bücher.example", true, false, "a@bücher.example", ""},
		{"a@" + strings.Repeat("a", 64) + ".org", false, false, "", "501 5.1.3"},
	}
	for _, tc := range tests {
		got, err := checkAddress(tc.in, tc.utf8, tc.sender)
		code := ""
		if err != nil {
			code = itoa(err.Code) + " " + enhancedString(err.EnhancedCode)
		}
		if got != tc.want || code != tc.wantCode {
			t.Errorf("checkAddress(%q, utf8=%v) = %q, %q; want %q, %q", tc.in, tc.utf8, got, code, tc.want, tc.wantCode)
		}
	}
}
