package testsink

import (
	"crypto/tls"
	"crypto/x509"
	"sync"
	"time"

	"github.com/wasmta/wasmta/internal/selfsigned"
)

var (
	certOnce sync.Once
	certPair tls.Certificate
	certErr  error
)

// selfSigned returns one certificate shared by every sink of the test binary
// (generating a key per sink would cost time for nothing), and a pool that
// trusts it.
func selfSigned() (tls.Certificate, *x509.CertPool, error) {
	certOnce.Do(func() {
		certPair, certErr = selfsigned.Certificate(24*time.Hour, "sink.test", "*.sink.test", "localhost", "127.0.0.1", "::1")
	})
	if certErr != nil {
		return tls.Certificate{}, nil, certErr
	}
	return certPair, selfsigned.Pool(certPair), nil
}
