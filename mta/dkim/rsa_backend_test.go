package dkim

import (
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"fmt"
	"testing"
)

// TestRSABackendMatchesCryptoRSA signs many digests with each RSA test key
// through the build's backend (OpenSSL under -tags openssl) and requires
// the bytes crypto/rsa makes: PKCS#1 v1.5 is deterministic, so any
// difference is a bug, not a variant.
func TestRSABackendMatchesCryptoRSA(t *testing.T) {
	t.Logf("RSA backend: %s", RSABackend)
	for _, file := range []string{"rsa2048-pkcs1.pem", "rsa2048-pkcs8.pem"} {
		s := newTestSigner(t, []KeySpec{{Domain: "example.com", Selector: "s", KeyFile: file}}, Options{})
		k := s.state.Load().keys[0]
		goKey := rsaKeyOf(t, k.signer)
		for i := range 50 {
			d := sha256.Sum256(fmt.Appendf(nil, "message %d", i))
			got, err := k.signer.Sign(nil, d[:], crypto.SHA256)
			if err != nil {
				t.Fatalf("%s: sign %d: %v", file, i, err)
			}
			want, err := rsa.SignPKCS1v15(nil, goKey, crypto.SHA256, d[:])
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != string(want) {
				t.Fatalf("%s: signature %d differs from crypto/rsa's", file, i)
			}
		}
		if _, err := k.signer.Sign(nil, make([]byte, 20), crypto.SHA1); err == nil && RSABackend == "openssl" {
			t.Errorf("%s: a SHA-1 digest was signed", file)
		}
	}
}

// rsaKeyOf recovers the Go key behind the build's RSA signer.
func rsaKeyOf(t *testing.T, s crypto.Signer) *rsa.PrivateKey {
	t.Helper()
	switch k := s.(type) {
	case *rsa.PrivateKey:
		return k
	case interface{ goKey() *rsa.PrivateKey }:
		return k.goKey()
	}
	t.Fatalf("RSA signer of type %T", s)
	return nil
}
