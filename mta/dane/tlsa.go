package dane

import (
	"bytes"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"time"
)

// The parameters of a TLSA record (RFC 6698, RFC 7218 names).
const (
	UsagePKIXTA = 0 // unusable for SMTP (RFC 7672 section 3.1.3)
	UsagePKIXEE = 1 // unusable for SMTP
	UsageDANETA = 2
	UsageDANEEE = 3

	SelectorCert = 0 // the whole certificate
	SelectorSPKI = 1 // its SubjectPublicKeyInfo

	MatchFull   = 0
	MatchSHA256 = 1
	MatchSHA512 = 2
)

// Record is one TLSA record.
type Record struct {
	Usage, Selector, Matching uint8
	Data                      []byte
}

func (r Record) String() string {
	return fmt.Sprintf("%d %d %d %s", r.Usage, r.Selector, r.Matching, hex.EncodeToString(r.Data))
}

// Usable reports whether an SMTP client may use the record (RFC 7672
// section 3.1): a DANE usage, a known selector, and a known matching type
// whose data has the digest's length.
func (r Record) Usable() bool {
	if r.Usage != UsageDANETA && r.Usage != UsageDANEEE || r.Selector > SelectorSPKI {
		return false
	}
	switch r.Matching {
	case MatchFull:
		return len(r.Data) > 0
	case MatchSHA256:
		return len(r.Data) == sha256.Size
	case MatchSHA512:
		return len(r.Data) == sha512.Size
	}
	return false
}

// matches reports whether cert is what r describes.
func (r Record) matches(cert *x509.Certificate) bool {
	data := cert.Raw
	if r.Selector == SelectorSPKI {
		data = cert.RawSubjectPublicKeyInfo
	}
	switch r.Matching {
	case MatchSHA256:
		sum := sha256.Sum256(data)
		data = sum[:]
	case MatchSHA512:
		sum := sha512.Sum512(data)
		data = sum[:]
	}
	return bytes.Equal(data, r.Data)
}

// For makes the record of the given parameters for cert, as an operator
// publishes it (tests, the documentation's examples).
func For(usage, selector, matching uint8, cert *x509.Certificate) Record {
	r := Record{Usage: usage, Selector: selector, Matching: matching}
	data := cert.Raw
	if selector == SelectorSPKI {
		data = cert.RawSubjectPublicKeyInfo
	}
	switch matching {
	case MatchSHA256:
		sum := sha256.Sum256(data)
		data = sum[:]
	case MatchSHA512:
		sum := sha512.Sum512(data)
		data = sum[:]
	}
	r.Data = bytes.Clone(data)
	return r
}

// ErrNoMatch: no usable record matches the presented chain (RFC 8460
// result type "tlsa-invalid").
var ErrNoMatch = errors.New("no TLSA record matches the server's certificates")

// Verify checks the chain a server presented (leaf first) against the
// usable records of host (section 3.1 of RFC 7672). A DANE-EE record
// matching the leaf authenticates the server whatever its names and
// dates; a DANE-TA record matching a certificate of the chain makes that
// certificate the trust anchor of an ordinary path check, names (hostname)
// and dates included.
func Verify(records []Record, chain []*x509.Certificate, hostname string, now time.Time) error {
	if len(chain) == 0 {
		return fmt.Errorf("dane: %s: no certificate presented", hostname)
	}
	var taErr error
	for _, r := range records {
		if !r.Usable() {
			continue
		}
		if r.Usage == UsageDANEEE {
			if r.matches(chain[0]) {
				return nil
			}
			continue
		}
		for i := 1; i < len(chain); i++ {
			if !r.matches(chain[i]) {
				continue
			}
			if err := verifyTA(chain, i, hostname, now); err != nil {
				taErr = err
				continue
			}
			return nil
		}
	}
	if taErr != nil {
		return fmt.Errorf("dane: %s: %w: %v", hostname, ErrNoMatch, taErr)
	}
	return fmt.Errorf("dane: %s: %w", hostname, ErrNoMatch)
}

// verifyTA checks that chain[ta] issues the leaf for hostname.
func verifyTA(chain []*x509.Certificate, ta int, hostname string, now time.Time) error {
	roots, inter := x509.NewCertPool(), x509.NewCertPool()
	roots.AddCert(chain[ta])
	for _, c := range chain[1:ta] {
		inter.AddCert(c)
	}
	_, err := chain[0].Verify(x509.VerifyOptions{Roots: roots, Intermediates: inter, DNSName: hostname,
		CurrentTime: now, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}})
	return err
}
