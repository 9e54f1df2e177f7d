package reception

import (
	"crypto/tls"
	"fmt"
	"time"

	"github.com/wasmta/wasmta/internal/selfsigned"
)

// selfSignedTLS makes a certificate for host so that STARTTLS works with no
// configuration. Senders that relay through wasmta do not verify it (SMTP
// between MTAs is opportunistic); operators who need a trusted one set
// Options.TLSConfig.
func selfSignedTLS(host string) (*tls.Config, error) {
	cert, err := selfsigned.Certificate(5*365*24*time.Hour, host)
	if err != nil {
		return nil, fmt.Errorf("reception: STARTTLS certificate: %w", err)
	}
	return &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}, nil
}
