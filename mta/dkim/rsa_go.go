//go:build !(cgo && openssl)

package dkim

import (
	"crypto"
	"crypto/rsa"
)

// RSABackend names the code that makes RSA signatures in this build: Go's
// crypto/rsa unless built with cgo and the openssl tag (see RATIONALE.md).
const RSABackend = "crypto/rsa"

func fastRSA(k *rsa.PrivateKey) (crypto.Signer, error) { return k, nil }
