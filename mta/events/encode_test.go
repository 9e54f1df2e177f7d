package events

import (
	"bytes"
	"encoding/json"
	"math"
	"testing"
	"time"

	"github.com/wasmta/wasmta/mta/message"
)

func stdJSON(t testing.TB, r *Record) []byte {
	t.Helper()
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(r); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestAppendJSONMatchesEncodingJSON(t *testing.T) {
	if !fastJSON {
		t.Fatal("Record has fields AppendJSON does not know: add them to appendRecord and knownFields")
	}
	at := time.Date(2026, 1, 2, 3, 4, 5, 600, time.UTC)
	later := at.Add(90 * time.Minute).In(time.FixedZone("x", 3600))
	tests := []*Record{
		{},
		{Type: Reception, Time: at, ID: "0123456789abcdef0123456789abcdef", Tenant: "acme", Sender: "a@b.test",
			Recipients: 3, Size: 1 << 40, Peer: "127.0.0.1:25", Protocol: "ESMTPSA", TLS: &TLS{Version: "TLS 1.3", Cipher: "X"},
			Meta: map[string]string{"z": "1", "a": "<&>", "m": ""}},
		{Type: TransientFailure, Time: at, Recipient: "r\"q\\@x.test", Response: &message.Response{Code: 451, Enhanced: "4.7.0", Text: "tab\there\nnl \x01 \x7f é \u2028 \u2029 \xff end"},
			Category: "RateLimited", Attempts: 2, QueueTime: 0.000000123, NextAttempt: &later, PolicyVersion: "acme/v2/sha256:abc"},
		{Type: TransientFailure, Time: at, Response: &message.Response{Text: "lost"}, NextAttempt: &later, MaybeDelivered: true, Hook: "h"},
		{Type: Suspension, Time: at, Scope: "path", Target: "site=x", Expires: &later, Reason: "r", QueueTime: 1e21},
		{Type: Delivery, Time: at, QueueTime: 12.5, Response: &message.Response{Code: 0, Text: ""}},
		{Type: TransientFailure, Time: at, TLS: &TLS{Policy: "mta-sts enforce", Failure: "certificate-expired", Detail: "x509: \"expired\""}},
		{Type: Delivery, Time: at, TLS: &TLS{Version: "TLS 1.3", Cipher: "X", Policy: "dane"}},
		{Type: Delivery, Time: at, TLS: &TLS{}},
		{Type: Delivery, Time: at, QueueTime: -3.25e-7, Attempts: -1},
	}
	for i, r := range tests {
		got, want := AppendJSON(nil, r), stdJSON(t, r)
		if !bytes.Equal(got, want) {
			t.Errorf("record %d:\n got %s\nwant %s", i, got, want)
		}
	}
	odd := &Record{Type: Delivery, Time: time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)}
	if got := AppendJSON([]byte("x"), odd); string(got) != "x" {
		t.Errorf("a time encoding/json refuses gave %q", got)
	}
	if got := AppendJSON(nil, &Record{QueueTime: math.NaN()}); len(got) != 0 {
		t.Errorf("NaN gave %q", got)
	}
}

// FuzzAppendJSON: for any strings and numbers, the fast encoder writes
// what encoding/json writes.
func FuzzAppendJSON(f *testing.F) {
	f.Add("acme", "r@x.test", "451 \x00 \xff\u2028", 3, 0.25, int64(1700000000123456789))
	f.Add("", "", "", 0, 1e-7, int64(0))
	f.Fuzz(func(t *testing.T, tenant, rcpt, text string, n int, qt float64, ns int64) {
		at := time.Unix(0, ns).UTC()
		r := &Record{Type: Bounce, Time: at, Tenant: tenant, Recipient: rcpt, Attempts: n, QueueTime: qt,
			Response: &message.Response{Code: n, Enhanced: tenant, Text: text}, NextAttempt: &at,
			Meta: map[string]string{text: rcpt, tenant: text}}
		if !encodable(r) {
			return
		}
		if got, want := AppendJSON(nil, r), stdJSON(t, r); !bytes.Equal(got, want) {
			t.Fatalf("\n got %s\nwant %s", got, want)
		}
	})
}

func BenchmarkEncode(b *testing.B) {
	at := time.Now()
	r := &Record{Type: Delivery, Time: at, ID: "0123456789abcdef0123456789abcdef", Tenant: "acme", Sender: "app@acme.test",
		Recipient: "someone@example.test", Queue: "acme@example.test", Site: "(mx1|mx2).example.test", Pool: "default",
		Source: "ip1", Peer: "192.0.2.1:25", PeerName: "mx1.example.test", Response: &message.Response{Code: 250, Enhanced: "2.0.0", Text: "OK queued"},
		Attempts: 1, QueueTime: 0.0123, PolicyVersion: "builtin"}
	b.Run("AppendJSON", func(b *testing.B) {
		var buf []byte
		for b.Loop() {
			buf = AppendJSON(buf[:0], r)
		}
	})
	b.Run("encoding/json", func(b *testing.B) {
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		for b.Loop() {
			buf.Reset()
			enc.Encode(r)
		}
	})
}
