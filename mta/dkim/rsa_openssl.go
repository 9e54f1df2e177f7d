//go:build cgo && openssl

package dkim

/*
#cgo LDFLAGS: -lcrypto
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

// wasmta_rsa_load parses a PKCS#1 DER RSA private key.
static EVP_PKEY *wasmta_rsa_load(const unsigned char *der, long n) {
	const unsigned char *p = der;
	return d2i_PrivateKey(EVP_PKEY_RSA, NULL, &p, n);
}

// wasmta_rsa_sign signs a SHA-256 digest with PKCS#1 v1.5 padding. A fresh
// EVP_PKEY_CTX per call keeps the EVP_PKEY shared read-only between threads,
// which OpenSSL 3 allows; the context costs microseconds against the
// signature's hundreds.
static int wasmta_rsa_sign(EVP_PKEY *k, const unsigned char *dgst, size_t dlen,
		unsigned char *sig, size_t *siglen) {
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new(k, NULL);
	int ok = ctx != NULL
		&& EVP_PKEY_sign_init(ctx) > 0
		&& EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) > 0
		&& EVP_PKEY_CTX_set_signature_md(ctx, EVP_sha256()) > 0
		&& EVP_PKEY_sign(ctx, sig, siglen, dgst, dlen) > 0;
	EVP_PKEY_CTX_free(ctx);
	return ok;
}
*/
import "C"

import (
	"crypto"
	"crypto/rsa"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"runtime"
	"unsafe"
)

// RSABackend names the code that makes RSA signatures in this build.
const RSABackend = "openssl"

// opensslRSA signs through libcrypto. It keeps the Go key for Public() and
// for the self-check at load time.
type opensslRSA struct {
	pub  *rsa.PrivateKey // the same key, for Public and the tests
	pkey *C.EVP_PKEY
	size int
}

// fastRSA wraps an RSA key so that its signatures are made by OpenSSL,
// after proving on a fixed digest that OpenSSL's signature is the one
// crypto/rsa makes (PKCS#1 v1.5 is deterministic), so a broken library or
// key conversion fails the load rather than signing mail badly.
func fastRSA(k *rsa.PrivateKey) (crypto.Signer, error) {
	der := x509.MarshalPKCS1PrivateKey(k)
	p := C.wasmta_rsa_load((*C.uchar)(unsafe.Pointer(&der[0])), C.long(len(der)))
	clear(der)
	if p == nil {
		return nil, errors.New("openssl: cannot load the RSA key")
	}
	s := &opensslRSA{pub: k, pkey: p, size: k.Size()}
	runtime.AddCleanup(s, func(p *C.EVP_PKEY) { C.EVP_PKEY_free(p) }, p)
	probe := make([]byte, 32)
	for i := range probe {
		probe[i] = byte(i)
	}
	got, err := s.Sign(nil, probe, crypto.SHA256)
	if err != nil {
		return nil, err
	}
	want, err := rsa.SignPKCS1v15(nil, k, crypto.SHA256, probe)
	if err != nil {
		return nil, fmt.Errorf("crypto/rsa self-check: %w", err)
	}
	if string(got) != string(want) {
		return nil, errors.New("openssl: signature differs from crypto/rsa's")
	}
	return s, nil
}

func (s *opensslRSA) Public() crypto.PublicKey { return s.pub.Public() }

func (s *opensslRSA) goKey() *rsa.PrivateKey { return s.pub }

// Sign ignores rand: OpenSSL blinds with its own generator, and PKCS#1 v1.5
// signatures need no randomness.
func (s *opensslRSA) Sign(_ io.Reader, digest []byte, opts crypto.SignerOpts) ([]byte, error) {
	if opts.HashFunc() != crypto.SHA256 || len(digest) != 32 {
		return nil, errors.New("openssl: only SHA-256 digests are signed")
	}
	sig := make([]byte, s.size)
	n := C.size_t(len(sig))
	ok := C.wasmta_rsa_sign(s.pkey, (*C.uchar)(unsafe.Pointer(&digest[0])), C.size_t(len(digest)),
		(*C.uchar)(unsafe.Pointer(&sig[0])), &n)
	runtime.KeepAlive(s)
	if ok == 0 {
		return nil, errors.New("openssl: RSA signature failed")
	}
	return sig[:n], nil
}
