package dkim

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"
)

// RFC 8463 Appendix A: its keys, its DNS records and its signed message.

func rfc8463Records(t testing.TB) records {
	t.Helper()
	recs := records{}
	for _, line := range strings.Split(strings.TrimSpace(string(readFile(t, "rfc/rfc8463.dns"))), "\n") {
		name, txt, _ := strings.Cut(line, "\t")
		recs[name] = txt
	}
	return recs
}

func rfc8463Signer(t testing.TB) *Signer {
	t.Helper()
	return newTestSigner(t, []KeySpec{
		{Domain: "football.example.com", Selector: "brisbane", KeyFile: "rfc8463-ed25519.seed"},
		{Domain: "football.example.com", Selector: "test", KeyFile: "rfc8463-rsa.pem"},
	}, Options{
		Headers: []string{"from", "to", "subject", "date", "message-id", "from", "subject", "date"},
		Now:     func() time.Time { return time.Unix(1528637909, 0) },
		layout:  layout{identifier: true, queryTag: true, spacedH: true},
	})
}

func TestRFC8463VerifiersAcceptTheRFCSignatures(t *testing.T) {
	ts := startTXTServer(t)
	recs := rfc8463Records(t)
	ts.set(recs)
	signed := readFile(t, "rfc/rfc8463-signed.eml")
	ts.requireGoPass(t, signed, 2)
	requirePythonPass(t, signed, recs)
}

func TestRFC8463Records(t *testing.T) {
	want := rfc8463Records(t)
	got := recordsOf(rfc8463Signer(t))
	for name, rec := range want {
		// The RFC's records and ours differ only in that ours name k=rsa.
		if g := strings.Replace(got[name], "k=rsa; ", "", 1); g != strings.Replace(rec, "k=rsa; ", "", 1) {
			t.Errorf("%s: record %q, want %q", name, got[name], rec)
		}
	}
}

// Both algorithms are deterministic (Ed25519 by design, RSA PKCS#1 v1.5 by
// construction), so signing the RFC's message with its keys, time, header
// list and tag layout must give its signatures bit for bit.
func TestRFC8463SigningReproducesTheRFCSignatures(t *testing.T) {
	got, err := rfc8463Signer(t).Sign(context.Background(), readFile(t, "rfc/rfc8463.eml"), Choice{})
	if err != nil {
		t.Fatal(err)
	}
	signed := readFile(t, "rfc/rfc8463-signed.eml")
	want := signed[:bytes.Index(signed, []byte("From:"))]
	gotFields, wantFields := splitFields(got), splitFields(want)
	if len(gotFields) != 2 || len(wantFields) != 2 {
		t.Fatalf("got %d fields, want 2:\n%s", len(gotFields), got)
	}
	for i := range wantFields {
		g, w := parseTags(gotFields[i]), parseTags(wantFields[i])
		for _, tag := range []string{"a", "s", "bh", "b"} {
			if g[tag] != w[tag] {
				t.Errorf("signature %d (%s): %s=%s, want %s", i, w["a"], tag, g[tag], w[tag])
			}
		}
		// The whole field as the hash sees it (b= empty) is the RFC's.
		gc, wc := hashedSigField(gotFields[i]), hashedSigField(wantFields[i])
		if gc != wc {
			t.Errorf("signature %d canonical form:\n%s\nwant\n%s", i, gc, wc)
		}
	}
}

// hashedSigField is a signature field as it enters the header hash: relaxed,
// b= emptied.
func hashedSigField(f string) string {
	c := string(appendRelaxedField(nil, []byte(f), len("DKIM-Signature")))
	return c[:strings.LastIndex(c, "b=")+2]
}
