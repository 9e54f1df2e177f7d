package dkim

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// fixedNow is the signing time of the tests that compare bytes.
var fixedNow = func() time.Time { return time.Unix(1762250400, 0) }

func readFile(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func newTestSigner(t testing.TB, specs []KeySpec, opts Options) *Signer {
	t.Helper()
	for i := range specs {
		if !filepath.IsAbs(specs[i].KeyFile) {
			specs[i].KeyFile = filepath.Join("testdata", "keys", specs[i].KeyFile)
		}
	}
	s, err := NewSigner(specs, opts)
	if err != nil {
		t.Fatalf("NewSigner: %v", err)
	}
	return s
}

// sigDomains lists d=/s=/a= of the signature fields of a signed message.
func sigTags(t testing.TB, fields []byte) []string {
	t.Helper()
	var out []string
	for _, f := range splitFields(fields) {
		tags := parseTags(f)
		out = append(out, tags["d"]+"/"+tags["s"]+"/"+tags["a"])
	}
	return out
}

// splitFields cuts a block of header fields into unfolded fields.
func splitFields(b []byte) []string {
	var out []string
	for _, line := range strings.Split(strings.TrimSuffix(string(b), "\r\n"), "\r\n") {
		if len(out) > 0 && (strings.HasPrefix(line, " ") || strings.HasPrefix(line, "\t")) {
			out[len(out)-1] += line
			continue
		}
		out = append(out, line)
	}
	return out
}

// parseTags reads the tag=value list of a DKIM-Signature field, whitespace
// removed.
func parseTags(f string) map[string]string {
	_, v, _ := strings.Cut(f, ":")
	tags := map[string]string{}
	for _, tv := range strings.Split(v, ";") {
		name, val, ok := strings.Cut(tv, "=")
		if ok {
			tags[strings.TrimSpace(name)] = strings.Join(strings.Fields(val), "")
		}
	}
	return tags
}

func TestSignVerifies(t *testing.T) {
	ts := startTXTServer(t)
	specs := []KeySpec{
		{Domain: "example.com", Selector: "rsa1", KeyFile: "rsa2048-pkcs1.pem"},
		{Domain: "example.com", Selector: "ed1", KeyFile: "ed25519-pkcs8.pem"},
		{Domain: "example.org", Selector: "rsa8", KeyFile: "rsa2048-pkcs8.pem", Algorithm: RSASHA256},
		{Domain: "news.example.com", Selector: "seed", KeyFile: "ed25519.seed"},
		{Domain: "example.net", Selector: "brisbane", KeyFile: "rfc6376-rsa.pem"},
		{Domain: "esp.example", Selector: "ed", KeyFile: "ed25519-b.pem", Algorithm: Ed25519SHA256},
	}
	s := newTestSigner(t, specs, Options{})
	recs := recordsOf(s)
	ts.set(recs)
	tests := []struct {
		name   string
		msg    string
		from   string // replaces the From: address when set
		choice Choice
		want   []string
	}{
		{"rsa and ed25519 for one domain", "plain.eml", "", Choice{}, []string{"example.com/rsa1/rsa-sha256", "example.com/ed1/ed25519-sha256"}},
		{"selector chosen", "plain.eml", "", Choice{Domain: "example.com", Selector: "ed1"}, []string{"example.com/ed1/ed25519-sha256"}},
		{"rsa pkcs8 second domain", "plain.eml", "a@example.org", Choice{}, []string{"example.org/rsa8/rsa-sha256"}},
		{"subdomain with own key", "unicode-from.eml", "", Choice{}, []string{"news.example.com/seed/ed25519-sha256"}},
		{"parent domain key", "plain.eml", "a@mail.example.org", Choice{}, []string{"example.org/rsa8/rsa-sha256"}},
		{"policy picks another domain", "plain.eml", "", Choice{Domain: "esp.example"}, []string{"esp.example/ed/ed25519-sha256"}},
		{"rfc 6376 key", "plain.eml", "joe@example.net", Choice{}, []string{"example.net/brisbane/rsa-sha256"}},
		{"folded, tabs, trailing blank lines", "messy.eml", "", Choice{}, []string{"example.com/rsa1/rsa-sha256", "example.com/ed1/ed25519-sha256"}},
		{"bare LF", "bare-lf.eml", "", Choice{Domain: "example.com", Selector: "ed1"}, []string{"example.com/ed1/ed25519-sha256"}},
		{"empty body", "empty-body.eml", "", Choice{Domain: "example.com", Selector: "rsa1"}, []string{"example.com/rsa1/rsa-sha256"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel() // python3-dkim starts in ~0.3 s; let the runs overlap
			msg := readFile(t, "messages/"+tt.msg)
			if tt.from != "" {
				msg = bytes.Replace(msg, []byte("alice@example.com"), []byte(tt.from), 1)
			}
			sig, err := s.Sign(context.Background(), msg, tt.choice)
			if err != nil {
				t.Fatal(err)
			}
			if got := sigTags(t, sig); strings.Join(got, " ") != strings.Join(tt.want, " ") {
				t.Fatalf("signatures %v, want %v", got, tt.want)
			}
			signed := append(sig, msg...)
			ts.requireGoPass(t, signed, len(tt.want))
			requirePythonPass(t, signed, recs)
		})
	}
}

func TestNoSignature(t *testing.T) {
	s := newTestSigner(t, []KeySpec{{Domain: "example.com", Selector: "ed1", KeyFile: "ed25519-pkcs8.pem"}}, Options{})
	msg := readFile(t, "messages/plain.eml")
	other := bytes.Replace(msg, []byte("alice@example.com"), []byte("alice@elsewhere.example"), 1)
	noFrom := bytes.Replace(msg, []byte("From:"), []byte("Sender:"), 1)
	tests := []struct {
		name    string
		msg     []byte
		choice  Choice
		wantErr error
	}{
		{"choice off", msg, Choice{Off: true}, nil},
		{"from domain without key", other, Choice{}, nil},
		{"chosen domain without key", msg, Choice{Domain: "example.org"}, ErrNoKey},
		{"chosen selector without key", msg, Choice{Domain: "example.com", Selector: "nope"}, ErrNoKey},
		{"no from field", noFrom, Choice{}, ErrNoFrom},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sig, err := s.Sign(context.Background(), tt.msg, tt.choice)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("error %v, want %v", err, tt.wantErr)
			}
			if sig != nil {
				t.Fatalf("signed:\n%s", sig)
			}
		})
	}
}

func TestDefaultDomain(t *testing.T) {
	ts := startTXTServer(t)
	s := newTestSigner(t, []KeySpec{
		{Domain: "example.com", Selector: "ed1", KeyFile: "ed25519-pkcs8.pem"},
		{Domain: "esp.example", Selector: "ed", KeyFile: "ed25519-b.pem"},
	}, Options{DefaultDomain: "ESP.example."})
	ts.set(recordsOf(s))
	msg := bytes.Replace(readFile(t, "messages/plain.eml"), []byte("alice@example.com"), []byte("a@customer.example"), 1)
	sig, err := s.Sign(context.Background(), msg, Choice{})
	if err != nil {
		t.Fatal(err)
	}
	if got := sigTags(t, sig); len(got) != 1 || got[0] != "esp.example/ed/ed25519-sha256" {
		t.Fatalf("signatures %v, want the default domain's", got)
	}
	ts.requireGoPass(t, append(sig, msg...), 1)

	if _, err := NewSigner(nil, Options{DefaultDomain: "esp.example"}); err == nil || !strings.Contains(err.Error(), "has no key") {
		t.Fatalf("default domain without key: error %v", err)
	}
}

func TestSignHeaderBodyMatchesSign(t *testing.T) {
	s := newTestSigner(t, []KeySpec{{Domain: "example.com", Selector: "ed1", KeyFile: "ed25519-pkcs8.pem"}}, Options{Now: fixedNow})
	msg := readFile(t, "messages/messy.eml")
	i := bytes.Index(msg, []byte("\r\n\r\n"))
	whole, err := s.Sign(context.Background(), msg, Choice{})
	if err != nil {
		t.Fatal(err)
	}
	for _, header := range [][]byte{msg[:i+2], msg[:i+4]} {
		parts, err := s.SignHeaderBody(context.Background(), header, msg[i+4:], Choice{})
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(whole, parts) {
			t.Fatalf("SignHeaderBody differs from Sign:\n%s\n%s", parts, whole)
		}
	}
}

func TestSignCancelled(t *testing.T) {
	s := newTestSigner(t, []KeySpec{{Domain: "example.com", Selector: "ed1", KeyFile: "ed25519-pkcs8.pem"}}, Options{})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := s.Sign(ctx, readFile(t, "messages/plain.eml"), Choice{}); !errors.Is(err, context.Canceled) {
		t.Fatalf("error %v, want context.Canceled", err)
	}
}

// A 1 MiB attachment in 76-column base64 and a 64 KiB line without breaks.
func TestSignLargeMessage(t *testing.T) {
	ts := startTXTServer(t)
	s := newTestSigner(t, []KeySpec{
		{Domain: "example.com", Selector: "rsa1", KeyFile: "rsa2048-pkcs1.pem"},
		{Domain: "example.com", Selector: "ed1", KeyFile: "ed25519-pkcs8.pem"},
	}, Options{})
	recs := recordsOf(s)
	ts.set(recs)
	var b bytes.Buffer
	b.WriteString("From: a@example.com\r\nTo: b@example.net\r\nSubject: big\r\nMIME-Version: 1.0\r\n" +
		"Content-Type: multipart/mixed; boundary=xx\r\n\r\n--xx\r\nContent-Type: text/plain\r\n\r\n")
	b.WriteString(strings.Repeat("w", 64<<10) + " \r\n--xx\r\nContent-Transfer-Encoding: base64\r\n\r\n")
	line := strings.Repeat("QUJD", 19) + "\r\n"
	for b.Len() < 1<<20 {
		b.WriteString(line)
	}
	b.WriteString("--xx--\r\n")
	msg := b.Bytes()
	sig, err := s.Sign(context.Background(), msg, Choice{})
	if err != nil {
		t.Fatal(err)
	}
	signed := append(sig, msg...)
	ts.requireGoPass(t, signed, 2)
	requirePythonPass(t, signed, recs)
}
