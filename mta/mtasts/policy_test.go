package mtasts

import (
	"errors"
	"testing"
	"time"
)

func TestParse(t *testing.T) {
	tests := []struct {
		name, body string
		ok         bool
		mode       Mode
		mx         int
		maxAge     time.Duration
	}{
		{"enforce CRLF", "version: STSv1\r\nmode: enforce\r\nmx: mail.example.com\r\nmx: *.example.net\r\nmax_age: 86400\r\n", true, ModeEnforce, 2, 24 * time.Hour},
		{"testing LF, spaces", "version:STSv1\nmode:  testing \nmx: MX.Example.COM.\nmax_age: 0\n", true, ModeTesting, 1, 0},
		{"none without mx", "version: STSv1\nmode: none\nmax_age: 600\n", true, ModeNone, 0, 10 * time.Minute},
		{"unknown key ignored", "version: STSv1\nmode: enforce\nmx: a.test\nmax_age: 60\nfuture: thing\n", true, ModeEnforce, 1, time.Minute},
		{"first of a repeated key", "version: STSv1\nmode: testing\nmode: enforce\nmx: a.test\nmax_age: 60\nmax_age: 99\n", true, ModeTesting, 1, time.Minute},
		{"no version", "mode: enforce\nmx: a.test\nmax_age: 60\n", false, "", 0, 0},
		{"wrong version", "version: STSv2\nmode: enforce\nmx: a.test\nmax_age: 60\n", false, "", 0, 0},
		{"bad mode", "version: STSv1\nmode: strict\nmx: a.test\nmax_age: 60\n", false, "", 0, 0},
		{"enforce without mx", "version: STSv1\nmode: enforce\nmax_age: 60\n", false, "", 0, 0},
		{"no max_age", "version: STSv1\nmode: enforce\nmx: a.test\n", false, "", 0, 0},
		{"max_age over a year", "version: STSv1\nmode: enforce\nmx: a.test\nmax_age: 31557601\n", false, "", 0, 0},
		{"negative max_age", "version: STSv1\nmode: enforce\nmx: a.test\nmax_age: -1\n", false, "", 0, 0},
		{"wildcard inside", "version: STSv1\nmode: enforce\nmx: mx.*.test\nmax_age: 60\n", false, "", 0, 0},
		{"line without colon", "version: STSv1\nmode enforce\nmx: a.test\nmax_age: 60\n", false, "", 0, 0},
		{"html error page", "<html><body>Not found</body></html>", false, "", 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := Parse([]byte(tt.body))
			if !tt.ok {
				if !errors.Is(err, ErrInvalid) {
					t.Fatalf("Parse = %v, %v; want ErrInvalid", p, err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if p.Mode != tt.mode || len(p.MX) != tt.mx || p.MaxAge != tt.maxAge {
				t.Errorf("got mode %s, %d mx, max_age %v; want %s, %d, %v", p.Mode, len(p.MX), p.MaxAge, tt.mode, tt.mx, tt.maxAge)
			}
			again, err := Parse([]byte(p.String()))
			if err != nil || again.String() != p.String() {
				t.Errorf("String does not parse back: %q: %v", p.String(), err)
			}
		})
	}
}

func TestMatches(t *testing.T) {
	p := &Policy{Mode: ModeEnforce, MX: []string{"mail.example.com", "*.example.net"}}
	tests := []struct {
		host string
		want bool
	}{
		{"mail.example.com", true},
		{"MAIL.Example.Com.", true},
		{"mail2.example.com", false},
		{"mx1.example.net", true},
		{"example.net", false},
		{"a.b.example.net", false},
		{".example.net", false},
		{"example.com", false},
	}
	for _, tt := range tests {
		if got := p.Matches(tt.host); got != tt.want {
			t.Errorf("Matches(%q) = %v, want %v", tt.host, got, tt.want)
		}
	}
}

func TestParseTXT(t *testing.T) {
	tests := []struct {
		txt, id string
		ok      bool
	}{
		{"v=STSv1; id=20160831085700Z;", "20160831085700Z", true},
		{"v=STSv1;id=abc", "abc", true},
		{"v=STSv1; id=abc; ext=1", "abc", true},
		{"v=STSv1;", "", false},
		{"id=abc; v=STSv1", "", false},
		{"v=STSv1; id=has-dash", "", false},
		{"v=STSv1; id=012345678901234567890123456789012", "", false},
		{"v=STSv1; id", "", false},
	}
	for _, tt := range tests {
		id, err := ParseTXT(tt.txt)
		if (err == nil) != tt.ok || id != tt.id {
			t.Errorf("ParseTXT(%q) = %q, %v; want %q ok=%v", tt.txt, id, err, tt.id, tt.ok)
		}
	}
}

func FuzzParse(f *testing.F) {
	f.Add([]byte("version: STSv1\r\nmode: enforce\r\nmx: mail.example.com\r\nmx: *.example.net\r\nmax_age: 86400\r\n"))
	f.Add([]byte("version: STSv1\nmode: none\nmax_age: 0\n"))
	f.Add([]byte("version:\n:\n\n"))
	f.Fuzz(func(t *testing.T, body []byte) {
		p, err := Parse(body)
		if err != nil {
			return
		}
		again, err := Parse([]byte(p.String()))
		if err != nil || again.String() != p.String() {
			t.Fatalf("accepted policy does not survive String: %q -> %q: %v", body, p.String(), err)
		}
	})
}
