package dkim

import (
	"bytes"
	"context"
	"crypto"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	msgauth "github.com/emersion/go-msgauth/dkim"
)

// benchMessage is a 4 KiB transactional message: a dozen header fields and
// a quoted-printable HTML body.
func benchMessage() []byte {
	var b strings.Builder
	b.WriteString("From: Shop <orders@example.com>\r\nTo: Customer <c@example.net>\r\n" +
		"Subject: Your order 12345 has shipped\r\nDate: Tue, 04 Nov 2025 10:00:00 +0000\r\n" +
		"Message-ID: <order-12345@example.com>\r\nMIME-Version: 1.0\r\n" +
		"Content-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n" +
		"List-Unsubscribe: <https://example.com/u/abc>\r\nList-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n" +
		"Feedback-ID: 12345:orders:example\r\n\r\n")
	line := "<p>Your parcel is on its way; track it at https://example.com/t/12345=\r\n"
	for i := 0; b.Len() < 4096-len(line); i++ {
		b.WriteString(line)
	}
	for b.Len() < 4096 {
		b.WriteString("x")
	}
	return []byte(b.String())
}

var benchKeys = map[string][]KeySpec{
	"rsa2048": {{Domain: "example.com", Selector: "rsa", KeyFile: "rsa2048-pkcs1.pem"}},
	"ed25519": {{Domain: "example.com", Selector: "ed", KeyFile: "ed25519-pkcs8.pem"}},
	"both": {{Domain: "example.com", Selector: "rsa", KeyFile: "rsa2048-pkcs1.pem"},
		{Domain: "example.com", Selector: "ed", KeyFile: "ed25519-pkcs8.pem"}},
}

// BenchmarkSign measures one message signed at reception: header split,
// key choice by From:, body hash, header hash and signature(s).
func BenchmarkSign(b *testing.B) {
	msg := benchMessage()
	for _, name := range []string{"rsa2048", "ed25519", "both"} {
		b.Run(name, func(b *testing.B) {
			s := newTestSigner(b, append([]KeySpec(nil), benchKeys[name]...), Options{})
			ctx := context.Background()
			b.SetBytes(int64(len(msg)))
			b.ReportAllocs()
			cpu := processCPU()
			for b.Loop() {
				if _, err := s.Sign(ctx, msg, Choice{}); err != nil {
					b.Fatal(err)
				}
			}
			reportCPU(b, cpu)
		})
	}
}

// BenchmarkSignParallel is the throughput of one Signer on every core.
func BenchmarkSignParallel(b *testing.B) {
	msg := benchMessage()
	for _, name := range []string{"rsa2048", "ed25519"} {
		b.Run(name, func(b *testing.B) {
			s := newTestSigner(b, append([]KeySpec(nil), benchKeys[name]...), Options{})
			b.SetBytes(int64(len(msg)))
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if _, err := s.Sign(context.Background(), msg, Choice{}); err != nil {
						b.Error(err)
						return
					}
				}
			})
		})
	}
}

// BenchmarkGoMsgauthSign is the same work through go-msgauth's dkim.Signer,
// the baseline this package's own signing core is measured against.
func BenchmarkGoMsgauthSign(b *testing.B) {
	msg := benchMessage()
	for _, name := range []string{"rsa2048", "ed25519"} {
		b.Run(name, func(b *testing.B) {
			s := newTestSigner(b, append([]KeySpec(nil), benchKeys[name]...), Options{})
			k := s.state.Load().keys[0]
			opts := &msgauth.SignOptions{Domain: k.domain, Selector: k.selector, Signer: k.signer,
				Hash: crypto.SHA256, HeaderCanonicalization: msgauth.CanonicalizationRelaxed,
				BodyCanonicalization: msgauth.CanonicalizationRelaxed, HeaderKeys: defaultHeaders}
			b.SetBytes(int64(len(msg)))
			b.ReportAllocs()
			cpu := processCPU()
			for b.Loop() {
				if err := msgauthSign(msg, opts); err != nil {
					b.Fatal(err)
				}
			}
			reportCPU(b, cpu)
		})
	}
}

func msgauthSign(msg []byte, opts *msgauth.SignOptions) error {
	ms, err := msgauth.NewSigner(opts)
	if err != nil {
		return err
	}
	if _, err := io.Copy(ms, bytes.NewReader(msg)); err != nil {
		ms.Close()
		return err
	}
	if err := ms.Close(); err != nil {
		return err
	}
	if ms.Signature() == "" {
		return fmt.Errorf("no signature")
	}
	return nil
}

// BenchmarkBodyHash is the relaxed body canonicalisation and SHA-256 alone.
func BenchmarkBodyHash(b *testing.B) {
	msg := benchMessage()
	body := msg[bytes.Index(msg, []byte("\r\n\r\n"))+4:]
	sc := newScratch()
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	cpu := processCPU()
	for b.Loop() {
		sc.body.Reset()
		sc.canon = hashRelaxedBody(sc.body, body, sc.canon)
	}
	reportCPU(b, cpu)
}

// reportCPU adds the process CPU time per operation since start (GC
// included) as cpu-ns/op.
func reportCPU(b *testing.B, start time.Duration) {
	b.ReportMetric(float64(processCPU()-start)/float64(b.N), "cpu-ns/op")
}

// BenchmarkKeyOp is the private-key operation alone, on a SHA-256 digest:
// BenchmarkSign minus this is what the rest of signing costs.
func BenchmarkKeyOp(b *testing.B) {
	digest := make([]byte, 32)
	for _, name := range []string{"rsa2048", "ed25519"} {
		b.Run(name, func(b *testing.B) {
			s := newTestSigner(b, append([]KeySpec(nil), benchKeys[name]...), Options{})
			k := s.state.Load().keys[0]
			b.ReportAllocs()
			cpu := processCPU()
			for b.Loop() {
				if _, err := k.signer.Sign(nil, digest, k.hashOpts()); err != nil {
					b.Fatal(err)
				}
			}
			reportCPU(b, cpu)
		})
	}
}
