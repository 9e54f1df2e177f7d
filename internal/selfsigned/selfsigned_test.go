package selfsigned

import (
	"crypto/tls"
	"crypto/x509"
	"net"
	"testing"
	"time"
)

// TestVerifies: a client trusting Pool accepts the certificate for every
// name and address it was made for, and no other name.
func TestVerifies(t *testing.T) {
	cert, err := Certificate(time.Hour, "sink.test", "*.sink.test", "127.0.0.1", "::1")
	if err != nil {
		t.Fatal(err)
	}
	pool := Pool(cert)
	tests := []struct {
		name string
		ok   bool
	}{
		{"sink.test", true}, {"mx.sink.test", true}, {"127.0.0.1", true}, {"::1", true},
		{"other.test", false}, {"127.0.0.2", false},
	}
	for _, tt := range tests {
		_, err := cert.Leaf.Verify(x509.VerifyOptions{DNSName: tt.name, Roots: pool})
		if (err == nil) != tt.ok {
			t.Errorf("verify for %s: %v, want ok=%v", tt.name, err, tt.ok)
		}
	}
	if got := cert.Leaf.Subject.CommonName; got != "sink.test" {
		t.Errorf("common name %q, want the first host", got)
	}
	if d := time.Until(cert.Leaf.NotAfter); d > time.Hour || d < 59*time.Minute {
		t.Errorf("valid for %v more, want about an hour", d)
	}
}

// TestHandshake: the certificate serves a real TLS handshake over loopback,
// and its PEM form loads back into the same key pair.
func TestHandshake(t *testing.T) {
	cert, err := Certificate(time.Hour, "127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	certPEM, keyPEM, err := PEM(cert)
	if err != nil {
		t.Fatal(err)
	}
	loaded, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		t.Fatalf("PEM does not load back: %v", err)
	}
	ln, err := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{Certificates: []tls.Certificate{loaded}})
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		c, err := ln.Accept()
		if err == nil {
			c.(*tls.Conn).Handshake()
			c.Close()
		}
	}()
	conn, err := tls.DialWithDialer(&net.Dialer{Timeout: 10 * time.Second}, "tcp", ln.Addr().String(),
		&tls.Config{RootCAs: Pool(cert)})
	if err != nil {
		t.Fatalf("handshake: %v", err)
	}
	conn.Close()
}

func TestNoHost(t *testing.T) {
	if _, err := Certificate(time.Hour); err == nil {
		t.Error("no host: no error")
	}
}
