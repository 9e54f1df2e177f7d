package dkim

import (
	"bytes"
	"context"
	"testing"

	msgauth "github.com/emersion/go-msgauth/dkim"
)

// loneCR reports a CR not followed by LF. RFC 5322 forbids it and
// verifiers disagree on it (go-msgauth reads it as a line break, python3-dkim
// and this package as content), so the differential fuzzers leave it out.
func loneCR(b []byte) bool {
	for i, c := range b {
		if c == '\r' && (i+1 == len(b) || b[i+1] != '\n') {
			return true
		}
	}
	return false
}

// FuzzSignVerify signs arbitrary subjects, extra fields and bodies, and
// requires go-msgauth to accept every signature.
func FuzzSignVerify(f *testing.F) {
	f.Add([]byte("hello"), []byte("X-A: 1\r\n"), []byte("body\r\n"))
	f.Add([]byte("  spaced \t out "), []byte("X-Folded: a\r\n\tb\r\n"), []byte(" \t\r\n\r\nx  y\t\r\n\r\n\r\n"))
	f.Add([]byte(""), []byte(""), []byte(""))
	f.Add([]byte("é"), []byte("to: second@example.net\r\n"), []byte("a\nb\n\n"))
	s := newTestSigner(f, []KeySpec{{Domain: "example.com", Selector: "ed1", KeyFile: "ed25519-pkcs8.pem"}}, Options{})
	recs := recordsOf(s)
	lookup := func(name string) ([]string, error) { return []string{recs[name]}, nil }
	f.Fuzz(func(t *testing.T, subject, extra, body []byte) {
		if loneCR(subject) || loneCR(extra) || loneCR(body) ||
			bytes.ContainsAny(subject, "\r\n") || !wellFormedFields(extra) {
			return
		}
		var msg []byte
		msg = append(msg, "From: a@example.com\r\nSubject: "...)
		msg = append(msg, subject...)
		msg = append(msg, "\r\n"...)
		msg = append(msg, extra...)
		msg = append(msg, "\r\n"...)
		msg = append(msg, body...)
		sig, err := s.Sign(context.Background(), msg, Choice{})
		if err != nil {
			t.Fatal(err)
		}
		vs, err := msgauth.VerifyWithOptions(bytes.NewReader(append(sig, msg...)), &msgauth.VerifyOptions{LookupTXT: lookup})
		if err != nil || len(vs) != 1 || vs[0].Err != nil {
			t.Fatalf("go-msgauth rejects: %v %v\n%q", err, vs, append(sig, msg...))
		}
	})
}

// wellFormedFields accepts a block of CRLF-terminated header fields, each
// "name: value" with continuation lines, and no DKIM-Signature.
func wellFormedFields(b []byte) bool {
	if len(b) == 0 {
		return true
	}
	if !bytes.HasSuffix(b, []byte("\r\n")) {
		return false
	}
	for i, line := range bytes.Split(b[:len(b)-2], []byte("\r\n")) {
		if bytes.IndexByte(line, '\n') >= 0 {
			return false
		}
		if len(line) > 0 && (line[0] == ' ' || line[0] == '\t') && i > 0 {
			continue
		}
		colon := bytes.IndexByte(line, ':')
		if colon <= 0 || bytes.ContainsAny(line[:colon], " \t") ||
			bytes.EqualFold(line[:colon], []byte("dkim-signature")) {
			return false
		}
	}
	return true
}

func FuzzParsePrivateKey(f *testing.F) {
	for _, name := range []string{"rsa2048-pkcs1.pem", "rsa2048-pkcs8.pem", "ed25519-pkcs8.pem", "ed25519.seed", "ec-p256.pem", "corrupt.pem", "garbage.txt"} {
		f.Add(readFile(f, "keys/"+name))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := parsePrivateKey(data)
		if (s == nil) == (err == nil) {
			t.Fatalf("parsePrivateKey: signer %v with error %v", s, err)
		}
	})
}

func FuzzSplitHeader(f *testing.F) {
	f.Add(readFile(f, "messages/messy.eml"))
	f.Add([]byte(" lead\r\nA: b\r\n\tc\nD:e\n\nbody"))
	f.Fuzz(func(t *testing.T, msg []byte) {
		fields, body := splitHeader(msg, nil)
		if body > len(msg) {
			t.Fatalf("body at %d past the end %d", body, len(msg))
		}
		last := 0
		for _, fl := range fields {
			if fl.start < last || fl.colon < fl.start || fl.end < fl.colon || fl.end > body || msg[fl.colon] != ':' {
				t.Fatalf("bad field %+v (last end %d, body %d)", fl, last, body)
			}
			last = fl.end
		}
	})
}
