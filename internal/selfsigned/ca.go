package selfsigned

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"fmt"
	"math/big"
	"time"
)

// CA is a throwaway certificate authority for tests that verify
// certificates (MTA-STS policy hosts and MX hosts): a client trusting
// Pool accepts the certificates it issues, and nothing else.
type CA struct {
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
	Pool *x509.CertPool
}

// NewCA makes a CA named name, valid for a day.
func NewCA(name string) (*CA, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("selfsigned: CA key: %w", err)
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: name},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, fmt.Errorf("selfsigned: CA: %w", err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, fmt.Errorf("selfsigned: CA: %w", err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return &CA{cert: cert, key: key, Pool: pool}, nil
}

// Cert is the CA's own certificate.
func (ca *CA) Cert() *x509.Certificate { return ca.cert }

// Issue returns a server certificate for hosts valid from notBefore to
// notAfter (in the past for an expired one), with the CA's certificate in
// its chain as a server sends it.
func (ca *CA) Issue(notBefore, notAfter time.Time, hosts ...string) (tls.Certificate, error) {
	tmpl, key, err := serverTemplate(notBefore, notAfter, hosts)
	if err != nil {
		return tls.Certificate{}, err
	}
	return sign(tmpl, key, ca.cert, ca.key)
}
