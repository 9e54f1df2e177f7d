package dkim

import (
	"bytes"
	"context"
	"testing"
)

// insertField adds a header field to a signed message, at the top (before
// the signatures) or at the bottom of the header.
func insertField(signed []byte, field string, top bool) []byte {
	if top {
		return append([]byte(field+"\r\n"), signed...)
	}
	i := bytes.Index(signed, []byte("\r\n\r\n")) + 2
	out := append([]byte(nil), signed[:i]...)
	out = append(out, field+"\r\n"...)
	return append(out, signed[i:]...)
}

func TestOverSigning(t *testing.T) {
	ts := startTXTServer(t)
	spec := KeySpec{Domain: "example.com", Selector: "ed1", KeyFile: "ed25519-pkcs8.pem"}
	over := newTestSigner(t, []KeySpec{spec}, Options{})
	// The same key without over-signing: what the default list prevents.
	plain := newTestSigner(t, []KeySpec{spec}, Options{Headers: []string{"from", "to", "subject", "date", "message-id"}})
	recs := recordsOf(over)
	ts.set(recs)
	msg := readFile(t, "messages/plain.eml")
	signedBy := func(s *Signer) []byte {
		sig, err := s.Sign(context.Background(), msg, Choice{})
		if err != nil {
			t.Fatal(err)
		}
		return append(sig, msg...)
	}
	overSigned, plainSigned := signedBy(over), signedBy(plain)
	tests := []struct {
		name   string
		signed []byte
		field  string
		top    bool
		goPass bool
		pyPass bool
	}{
		{"second From on top", overSigned, "From: Mallory <m@evil.example>", true, false, false},
		{"second From at the bottom", overSigned, "From: Mallory <m@evil.example>", false, false, false},
		{"second Subject on top", overSigned, "Subject: Urgent: reset your password", true, false, false},
		{"second To on top", overSigned, "To: victim@example.net", true, false, false},
		{"Reply-To added", overSigned, "Reply-To: m@evil.example", true, false, false},
		{"unsigned field added", overSigned, "X-Tracking: 1", true, true, true},
		{"Received added by a relay", overSigned, "Received: from relay by mx; Tue, 04 Nov 2025 10:00:01 +0000", true, true, true},
		{"without over-signing a second Subject passes", plainSigned, "Subject: Urgent: reset your password", true, true, true},
		// python3-dkim over-signs From by itself when verifying; go-msgauth,
		// like many receivers, does not.
		{"without over-signing a second From passes go-msgauth", plainSigned, "From: Mallory <m@evil.example>", true, true, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tampered := insertField(tt.signed, tt.field, tt.top)
			vs := ts.verifyGo(t, tampered)
			if len(vs) != 1 || (vs[0].Err == nil) != tt.goPass {
				t.Fatalf("go-msgauth: %v, want pass=%v", vs[0].Err, tt.goPass)
			}
			out, err := verifyPython(t, tampered, recs)
			if (err == nil) != tt.pyPass {
				t.Fatalf("python3-dkim: %v %s, want pass=%v", err, out, tt.pyPass)
			}
		})
	}
}
