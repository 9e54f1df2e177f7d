package dkim

import (
	"bytes"
	"context"
	"crypto/sha256"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite testdata/golden/*.sig")

// bodyRecorder is a hash.Hash stand-in that keeps what is written.
type bodyRecorder struct{ bytes.Buffer }

func (*bodyRecorder) Sum(b []byte) []byte { return b }
func (*bodyRecorder) Size() int           { return 0 }
func (*bodyRecorder) BlockSize() int      { return 1 }

func TestRelaxedBody(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"empty", "", ""},
		{"only blank lines", "\r\n\r\n \r\n", ""},
		{"no final CRLF", "abc", "abc\r\n"},
		{"trailing blank lines dropped", "a\r\n\r\n\r\n", "a\r\n"},
		{"inner blank lines kept", "a\r\n\r\n\r\nb\r\n", "a\r\n\r\n\r\nb\r\n"},
		{"whitespace-only inner lines emptied", "a\r\n \t \r\nb\r\n", "a\r\n\r\nb\r\n"},
		{"WSP runs reduced", "a  \t b\tc\r\n", "a b c\r\n"},
		{"leading WSP kept as one space", "  \tindented\r\n", " indented\r\n"},
		{"trailing WSP dropped", "end \t \r\n", "end\r\n"},
		{"bare LF", "a\nb \n\n", "a\r\nb\r\n"},
		{"lone CR is content", "a\rb\r\n", "a\rb\r\n"},
		{"RFC 6376 3.4.5 example", " C \r\nD \t E\r\n\r\n\r\n", " C\r\nD E\r\n"},
		{"huge line", "x\r\n\r\n" + strings.Repeat("A", 40000) + "  \r\nB  C", "x\r\n\r\n" + strings.Repeat("A", 40000) + "\r\nB C\r\n"},
		{"huge line with WSP runs", strings.Repeat("A  ", 10000) + "\r\n", strings.Repeat("A ", 9999) + "A\r\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var rec bodyRecorder
			hashRelaxedBody(&rec, []byte(tt.in), nil)
			if rec.String() != tt.want {
				t.Fatalf("canonical body %q, want %q", rec.String(), tt.want)
			}
		})
	}
	// Bodies larger than one flush come out the same as in one piece.
	big := strings.Repeat("line  with\tspace \r\n\r\n", 3000) + "\r\n\r\n"
	var rec bodyRecorder
	hashRelaxedBody(&rec, []byte(big), nil)
	want := strings.Repeat("line with space\r\n\r\n", 3000)
	if rec.String() != strings.TrimSuffix(want, "\r\n") {
		t.Fatalf("large body differs (%d bytes, want %d)", rec.Len(), len(want)-2)
	}
	h := sha256.New()
	hashRelaxedBody(h, nil, nil)
	if got := h.Sum(nil); !bytes.Equal(got, sha256.New().Sum(nil)) {
		t.Fatal("empty body must hash as the empty string (relaxed)")
	}
}

func TestRelaxedField(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Subject: Hello", "subject:Hello\r\n"},
		{"SUBJECT \t:  a  \t b  ", "subject:a b\r\n"},
		{"To: a,\r\n\tb,\r\n  c", "to:a, b, c\r\n"},
		{"X-Empty:", "x-empty:\r\n"},
		{"X-Empty:   \r\n ", "x-empty:\r\n"},
		{"From: \"A  B\" <a@b>", "from:\"A B\" <a@b>\r\n"},
	}
	for _, tt := range tests {
		got := appendRelaxedField(nil, []byte(tt.in), strings.IndexByte(tt.in, ':'))
		if string(got) != tt.want {
			t.Errorf("relaxed %q = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestHeaderExpansion(t *testing.T) {
	hdr := "Received: r1\r\nFrom: a@example.com\r\nTo: b@example.net\r\nReceived: r2\r\n" +
		"Subject: one\r\nto: c@example.net\r\nX-Other: x\r\n"
	tests := []struct {
		list          []string
		wantH, picked string // picked: the To/Subject values hashed, in order
	}{
		{[]string{"from", "to", "subject"}, "from:to:to:subject", "a@example.com c@example.net b@example.net one"},
		{[]string{"from", "to", "subject", "from", "to", "reply-to", "reply-to"}, "from:to:to:subject:from:to:reply-to", "a@example.com c@example.net b@example.net one"},
		{[]string{"from", "cc"}, "from", "a@example.com"},
		{[]string{"received", "from"}, "received:received:from", "r2 r1 a@example.com"},
	}
	for _, tt := range tests {
		p, err := newHeaderPlan(tt.list)
		if err != nil {
			t.Fatal(err)
		}
		sc := newScratch()
		sc.fields, _ = splitHeader([]byte(hdr), nil)
		sc.expand(p, []byte(hdr))
		var picked []string
		for _, fi := range sc.picked {
			f := sc.fields[fi]
			picked = append(picked, strings.TrimSpace(hdr[f.colon+1:f.end]))
		}
		if got := strings.Join(sc.hList, ":"); got != tt.wantH {
			t.Errorf("%v: h=%s, want %s", tt.list, got, tt.wantH)
		}
		if got := strings.Join(picked, " "); got != tt.picked {
			t.Errorf("%v: hashed %q, want %q", tt.list, got, tt.picked)
		}
	}
}

// The signatures of the fixture messages with a fixed key and time: any
// change of layout, header choice or canonicalisation shows here. Refresh on
// purpose with go test -run Golden -update.
func TestGolden(t *testing.T) {
	s := newTestSigner(t, []KeySpec{{Domain: "example.com", Selector: "ed1", KeyFile: "ed25519-pkcs8.pem"}},
		Options{Now: fixedNow})
	names, _ := filepath.Glob("testdata/messages/*.eml")
	if len(names) == 0 {
		t.Fatal("no fixtures")
	}
	for _, name := range names {
		base := strings.TrimSuffix(filepath.Base(name), ".eml")
		t.Run(base, func(t *testing.T) {
			msg, _ := os.ReadFile(name)
			got, err := s.Sign(context.Background(), msg, Choice{Domain: "example.com"})
			if err != nil {
				t.Fatal(err)
			}
			golden := filepath.Join("testdata", "golden", base+".sig")
			if *update {
				if err := os.WriteFile(golden, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want) {
				os.WriteFile(golden+".got", got, 0o644)
				t.Fatalf("signature differs from %s (see .got):\n%s", golden, got)
			}
		})
	}
}
