package dkim

import (
	"bytes"
	"crypto"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"
)

// Signing algorithms, as written in the a= tag.
const (
	RSASHA256     = "rsa-sha256"
	Ed25519SHA256 = "ed25519-sha256"
)

// MinRSABits is the smallest RSA modulus accepted (RFC 8301 section 3.2).
const MinRSABits = 1024

// KeySpec names one signing key: a selector of a signing domain and the file
// holding its private key.
type KeySpec struct {
	Domain   string
	Selector string
	// Algorithm is RSASHA256 or Ed25519SHA256; empty infers it from the key.
	Algorithm string
	KeyFile   string
	// Headers overrides the signed header list for this key (see
	// DefaultHeaders for its meaning); nil keeps the signer's list.
	Headers []string
}

// key is a loaded KeySpec, immutable once built.
type key struct {
	domain   string // lower case, no trailing dot
	selector string
	algo     string
	signer   crypto.Signer
	plan     *headerPlan
	file     string
}

func (k *key) String() string { return k.selector + "._domainkey." + k.domain }

// loadKey reads and checks the file of one spec.
func loadKey(spec KeySpec) (crypto.Signer, string, error) {
	data, err := os.ReadFile(spec.KeyFile)
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return nil, "", err
	}
	signer, err := parsePrivateKey(data)
	if err != nil {
		return nil, "", err
	}
	algo, err := keyAlgorithm(signer, spec.Algorithm)
	if err != nil {
		return nil, "", err
	}
	if rk, ok := signer.(*rsa.PrivateKey); ok {
		if signer, err = fastRSA(rk); err != nil {
			return nil, "", err
		}
	}
	return signer, algo, nil
}

// parsePrivateKey accepts the first private key PEM block of data, or, when
// data holds no PEM at all, a base64 Ed25519 seed (the format of dkimpy's
// dknewkey).
func parsePrivateKey(data []byte) (crypto.Signer, error) {
	rest := data
	for {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			break
		}
		signer, err := parsePEMBlock(block)
		if signer != nil || err != nil {
			return signer, err
		}
	}
	if bytes.Contains(data, []byte("-----BEGIN")) {
		return nil, errors.New("no private key in the PEM blocks")
	}
	return parseSeed(data)
}

// parsePEMBlock returns nil, nil for blocks that are not keys at all (EC
// PARAMETERS, comments), so that the next block is tried.
func parsePEMBlock(b *pem.Block) (crypto.Signer, error) {
	switch b.Type {
	case "RSA PRIVATE KEY":
		k, err := x509.ParsePKCS1PrivateKey(b.Bytes)
		if err != nil {
			return nil, fmt.Errorf("bad PKCS#1 RSA key: %w", err)
		}
		return k, nil
	case "PRIVATE KEY":
		k, err := x509.ParsePKCS8PrivateKey(b.Bytes)
		if err != nil {
			return nil, fmt.Errorf("bad PKCS#8 key: %w", err)
		}
		switch k := k.(type) {
		case *rsa.PrivateKey:
			return k, nil
		case ed25519.PrivateKey:
			return k, nil
		}
		return nil, fmt.Errorf("unsupported key type %T (want RSA or Ed25519)", k)
	case "ENCRYPTED PRIVATE KEY":
		return nil, errors.New("encrypted keys are not supported: decrypt it (openssl pkey -in FILE -out FILE2)")
	case "PUBLIC KEY", "RSA PUBLIC KEY":
		return nil, errors.New("this is a public key: key_file needs the private key")
	case "EC PRIVATE KEY":
		return nil, errors.New("unsupported key type ECDSA (want RSA or Ed25519)")
	}
	return nil, nil
}

func parseSeed(data []byte) (crypto.Signer, error) {
	text := strings.TrimSpace(string(data))
	if text == "" {
		return nil, errors.New("file is empty")
	}
	seed, err := base64.StdEncoding.DecodeString(text)
	if err != nil || len(seed) != ed25519.SeedSize {
		return nil, errors.New("not PEM, and not a base64 32-byte Ed25519 seed")
	}
	return ed25519.NewKeyFromSeed(seed), nil
}

// keyAlgorithm checks the key against the declared algorithm, or infers it.
func keyAlgorithm(s crypto.Signer, declared string) (string, error) {
	var algo string
	switch pub := s.Public().(type) {
	case *rsa.PublicKey:
		if bits := pub.N.BitLen(); bits < MinRSABits {
			return "", fmt.Errorf("RSA key of %d bits is too small (minimum %d, 2048 recommended)", bits, MinRSABits)
		}
		algo = RSASHA256
	case ed25519.PublicKey:
		algo = Ed25519SHA256
	default:
		return "", fmt.Errorf("unsupported key type %T", pub)
	}
	switch declared {
	case "", algo:
		return algo, nil
	case RSASHA256, Ed25519SHA256:
		return "", fmt.Errorf("algorithm %s declared but the key is for %s", declared, algo)
	}
	return "", fmt.Errorf("unknown algorithm %q (want %s or %s)", declared, RSASHA256, Ed25519SHA256)
}

// TXTRecord renders the DNS TXT record that publishes the public half of a
// signing key, to be put at selector._domainkey.domain.
func TXTRecord(pub crypto.PublicKey) (string, error) {
	switch pub := pub.(type) {
	case *rsa.PublicKey:
		der, err := x509.MarshalPKIXPublicKey(pub)
		if err != nil {
			return "", fmt.Errorf("dkim: marshal RSA public key: %w", err)
		}
		return "v=DKIM1; k=rsa; p=" + base64.StdEncoding.EncodeToString(der), nil
	case ed25519.PublicKey:
		// RFC 8463 section 4: the bare 32-byte key, not a SubjectPublicKeyInfo.
		return "v=DKIM1; k=ed25519; p=" + base64.StdEncoding.EncodeToString(pub), nil
	}
	return "", fmt.Errorf("dkim: unsupported public key type %T", pub)
}
