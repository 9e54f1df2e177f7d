// Package selfsigned makes self-signed TLS certificates: the one reception
// presents so that STARTTLS works with no configuration, and the throwaway
// ones of test servers (the provider simulator, the test sink, HTTPS tests).
// One maker, so that a fix (key type, validity, SANs) reaches all of them.
// A test CA (NewCA) issues the certificates of tests that verify them.
package selfsigned

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net/netip"
	"time"
)

// Certificate returns a self-signed ECDSA P-256 server certificate for
// hosts — DNS names (wildcards allowed) or IP literals; the first is the
// subject's common name — valid from an hour ago (clock skew) for validity.
// The result carries its parsed Leaf, so a client can trust it with Pool.
func Certificate(validity time.Duration, hosts ...string) (tls.Certificate, error) {
	now := time.Now()
	tmpl, key, err := serverTemplate(now.Add(-time.Hour), now.Add(validity), hosts)
	if err != nil {
		return tls.Certificate{}, err
	}
	return sign(tmpl, key, tmpl, key)
}

// serverTemplate is a new P-256 key and the server certificate template
// for hosts (IP literals as IP SANs, the rest as DNS names; the first is
// the common name), valid from notBefore to notAfter.
func serverTemplate(notBefore, notAfter time.Time, hosts []string) (*x509.Certificate, *ecdsa.PrivateKey, error) {
	if len(hosts) == 0 {
		return nil, nil, errors.New("selfsigned: no host name")
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, fmt.Errorf("selfsigned: key: %w", err)
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		return nil, nil, fmt.Errorf("selfsigned: serial: %w", err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: hosts[0]},
		NotBefore:    notBefore,
		NotAfter:     notAfter,
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	for _, h := range hosts {
		if a, err := netip.ParseAddr(h); err == nil {
			tmpl.IPAddresses = append(tmpl.IPAddresses, a.AsSlice())
		} else {
			tmpl.DNSNames = append(tmpl.DNSNames, h)
		}
	}
	return tmpl, key, nil
}

// sign makes the certificate of tmpl for key, signed by parent's key, and
// returns it with the parent's certificate in its chain unless it signs
// itself.
func sign(tmpl *x509.Certificate, key *ecdsa.PrivateKey, parent *x509.Certificate, parentKey *ecdsa.PrivateKey) (tls.Certificate, error) {
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, &key.PublicKey, parentKey)
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("selfsigned: certificate for %s: %w", tmpl.Subject.CommonName, err)
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("selfsigned: certificate for %s: %w", tmpl.Subject.CommonName, err)
	}
	chain := [][]byte{der}
	if parent != tmpl {
		chain = append(chain, parent.Raw)
	}
	return tls.Certificate{Certificate: chain, PrivateKey: key, Leaf: leaf}, nil
}

// Pool returns a pool that trusts certs (made by Certificate): a client
// that verifies certificates accepts exactly these servers.
func Pool(certs ...tls.Certificate) *x509.CertPool {
	pool := x509.NewCertPool()
	for _, c := range certs {
		pool.AddCert(c.Leaf)
	}
	return pool
}

// PEM encodes cert (made by Certificate) and its key, for a configuration
// that reads them from files.
func PEM(cert tls.Certificate) (certPEM, keyPEM []byte, err error) {
	key, ok := cert.PrivateKey.(*ecdsa.PrivateKey)
	if !ok {
		return nil, nil, fmt.Errorf("selfsigned: key of type %T, want ECDSA", cert.PrivateKey)
	}
	kder, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		return nil, nil, fmt.Errorf("selfsigned: key: %w", err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Certificate[0]}),
		pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder}), nil
}
